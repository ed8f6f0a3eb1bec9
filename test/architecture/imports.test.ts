import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The layer rules of docs/architecture.md are lint rules (eslint.config.mjs):
 * each forbidden import below, written into a file at that place in the tree,
 * fails `npm run lint`, and each allowed one passes. The files are virtual
 * (ESLint's lintText with a path: the config picks its rules by the path
 * alone). ESLint loads its config with a dynamic import, which jest's module
 * sandbox refuses, so one child node process lints every case at once.
 */
const ROOT = join(__dirname, '..', '..');

const FORBIDDEN: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['src/election/core.ts', "import { x } from '../util/clock';", /election core is pure/],
  ['src/election/core.ts', "import { x } from 'node:dgram';", /election core is pure/],
  ['src/election/core.ts', "import x from 'pino';", /election core is pure/],
  ['src/os/configurator.ts', "import { x } from '../runtime/ports';", /adapter/],
  ['src/cloud/aws/provider.ts', "import { x } from '../../cli/wiring';", /adapter/],
  ['src/cloud/mover.ts', "import { x } from '../owner/factory';", /adapter/],
  ['src/os/garp.ts', "import type { x } from '../owner/types';", /adapter/],
  ['src/os/vip-plan.ts', "import type { x } from '../config/types';", /os\/ does not import config/],
  ['src/os/numbering.ts', "import { x } from '../config/semantics';", /os\/ does not import config/],
  ['src/runtime/daemon.ts', "import { x } from '../../lab/netns/lab';", /src\/ is what ships/],
  ['src/cli/main.ts', "import { x } from '../../bench/run';", /src\/ is what ships/],
  ['src/os/changes.ts', "export { x } from '../../lab/cloud/aws/in-lab';", /src\/ is what ships/],
  ['lab/scenario/scenario.ts', "import { x } from '../../test/support/lab';", /lab drives the product from outside/],
];

const ALLOWED: ReadonlyArray<readonly [string, string]> = [
  ['src/election/core.ts', "import { x } from './timing';"],
  ['src/election/core.ts', "import { x } from '../errors';"],
  ['src/os/configurator.ts', "import { x } from '../util/clock';"],
  ['src/os/configurator.ts', "import type { x } from '../util/vip-group';"],
  ['src/config/semantics.ts', "import { x } from '../os/routing-numbers';"],
  ['src/cloud/aws/provider.ts', "import { x } from '../retry';"],
  ['src/runtime/daemon.ts', "import { x } from '../owner/types';"],
  ['lab/scenario/scenario.ts', "import { x } from '../../src/election/timing';"],
  ['bench/run.ts', "import { x } from '../lab/scenario/scenario';"],
];

const LINT_ALL = `
const { ESLint } = require('eslint');
const cases = JSON.parse(process.argv[1]);
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [file, source] of cases) {
    const [r] = await eslint.lintText(source + '\\nexport const used = x;\\n', { filePath: require('path').join(process.cwd(), file) });
    out.push(r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

let messages: string[][];

beforeAll(() => {
  const cases = [...FORBIDDEN, ...ALLOWED].map(([file, source]) => [file, source]);
  const r = spawnSync(process.execPath, ['-e', LINT_ALL, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`eslint failed: ${r.stderr}`);
  messages = JSON.parse(r.stdout) as string[][];
}, 120_000);

describe('import rules', () => {
  it.each(FORBIDDEN.map((c, i) => [...c, i] as const))('%s: %s fails the lint', (_file, _source, message, i) => {
    expect(messages[i]).toHaveLength(1);
    expect(messages[i]?.[0]).toMatch(message);
  });

  it.each(ALLOWED.map((c, i) => [...c, FORBIDDEN.length + i] as const))('%s: %s passes', (_file, _source, i) => {
    expect(messages[i]).toEqual([]);
  });
});
