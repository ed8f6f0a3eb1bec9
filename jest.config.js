/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  testTimeout: 60000,
  // Lab tests own network namespaces and real processes: run files one at a time
  // on a 2-core machine so timing-sensitive failovers do not starve each other.
  maxWorkers: 1,
};
