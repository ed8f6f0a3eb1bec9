import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of docs/architecture.md as lint rules ("Import rules" there).
 * ESLint gives one set of options per rule and file (a later block replaces
 * an earlier one), so each folder's block lists every restriction that holds
 * for it, built from these pieces.
 */
const outsideProduct = {
  regex: '(^|/)(lab|bench|test)(/|$)',
  message: 'src/ is what ships: it never imports the lab (lab/), the benchmarks (bench/) or the tests (test/).',
};
const labOutsideTests = {
  regex: '(^|/)(bench|test)(/|$)',
  message: 'The lab drives the product from outside; it never imports the benchmarks (bench/) or the tests (test/).',
};
const aboveAdapters = {
  regex: '(^|/)(runtime|owner|cli|doctor|control)(/|$)',
  message: 'An adapter (os/, cloud/) serves the layers above it and never imports them (runtime/, owner/, cli/, doctor/, control/).',
};
const configFromOs = {
  regex: '(^|/)config(/|$)',
  message: 'The OS layer takes values (util/vip-group.ts, os/settings.ts), never the config layer: os/ does not import config/.',
};
const outsideElection = {
  // Anything that is not a sibling module or the error catalog: no package, no node: module, no other folder.
  regex: '^(?!\\./[^/]+$|\\.\\./errors$)',
  message: 'The election core is pure: it imports only its own modules and ../errors (no I/O, no clock, no logger, no other layer).',
};

/**
 * The one standing exception: CloudHolder is still declared in owner/types.ts
 * while the provider interface (cloud/) names it. These files may import that
 * one module of owner/ until the type moves into cloud/; nothing else of it.
 */
const CLOUD_HOLDER_IMPORTERS = [
  'src/cloud/provider.ts',
  'src/cloud/mover.ts',
  'src/cloud/none.ts',
  'src/cloud/dry-run-provider.ts',
  'src/cloud/instrumented-provider.ts',
  'src/cloud/aws/provider.ts',
];
const aboveAdaptersButCloudHolder = { ...aboveAdapters, regex: '(^|/)(runtime|cli|doctor|control)(/|$)|(^|/)owner/(?!types$)' };

export const importLayers = [
  { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [outsideProduct] }] } },
  { files: ['src/os/**/*.ts', 'src/cloud/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [outsideProduct, aboveAdapters] }] } },
  { files: ['src/os/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [outsideProduct, aboveAdapters, configFromOs] }] } },
  { files: CLOUD_HOLDER_IMPORTERS, rules: { 'no-restricted-imports': ['error', { patterns: [outsideProduct, aboveAdaptersButCloudHolder] }] } },
  { files: ['src/election/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [outsideElection] }] } },
  { files: ['lab/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [labOutsideTests] }] } },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  ...importLayers,
);
