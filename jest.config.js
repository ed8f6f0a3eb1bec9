/**
 * Two projects. `unit` runs in parallel workers and finishes in seconds: pure
 * code, in-process fakes, loopback sockets on ports the OS picks, short-lived
 * helper tools. `lab` holds every test that owns network namespaces or drives
 * real, timing-sensitive processes (vipd daemons, the lab cloud process, the
 * tarball's npm ci); it needs root for the namespaces and runs one file at a
 * time (`npm run test:lab` passes --runInBand; jest's worker count is global,
 * so scripts/test.sh runs the two projects one after the other) so failovers on a 2-core
 * machine do not starve each other. `npm test` runs both.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] };

/** Real-process tests that are not namespace tests but share their needs (serial, built dist/). */
const SERIAL = [
  '<rootDir>/test/acceptance/**/*.test.ts',
  '<rootDir>/test/packaging/**/*.test.ts',
  '<rootDir>/test/lab/cloud/main.test.ts',
  '<rootDir>/test/lab/cloud/aws/aws-cli.test.ts',
  '<rootDir>/test/os/exec-runner.test.ts',
  '<rootDir>/test/metrics/scrape.test.ts',
  '<rootDir>/test/systemd/status-line.test.ts',
  '<rootDir>/test/cli/dry-run-hooks.test.ts',
];

/** @type {import('jest').Config} */
module.exports = {
  // Global in jest: a project's own testTimeout is not read.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [
        '\\.lab\\.test\\.ts$',
        '/test/acceptance/',
        '/test/packaging/',
        '/test/lab/cloud/main\\.test\\.ts$',
        '/test/lab/cloud/aws/aws-cli\\.test\\.ts$',
        '/test/os/exec-runner\\.test\\.ts$',
        '/test/metrics/scrape\\.test\\.ts$',
        '/test/systemd/status-line\\.test\\.ts$',
        '/test/cli/dry-run-hooks\\.test\\.ts$',
      ],
      transform,
    },
    {
      displayName: 'lab',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.lab.test.ts', ...SERIAL],
      transform,
    },
  ],
};
