import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from '../support/build';

/*
 * Every module the CLI loads at start stays resident in the daemon: `vipd run`
 * must not carry the lab (demo), doctor's checks or the keepalived importer,
 * which only their own commands need (docs/benchmarks.md, footprint).
 */
const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

function loadedModules(args: readonly string[]): string[] {
  const script = `
    process.argv = [process.argv[0], ${JSON.stringify(MAIN)}, ...${JSON.stringify(args)}];
    process.on('exit', () => process.stderr.write('\\nMODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));
    // Run as the main module, as the vipd binary does (main.js parses its arguments only then).
    require('module').runMain();
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  const line = r.stderr.split('\n').find((l) => l.startsWith('MODULES '));
  if (line === undefined) throw new Error(`no module list: ${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice('MODULES '.length)) as string[];
}

describe('the CLI loads a command module only for its command', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('starting the CLI (as `vipd run` does before its action) loads neither the lab, doctor nor the keepalived importer', () => {
    const mods = loadedModules(['--version']).map((m) => m.replace(/\\/g, '/'));
    expect(mods.some((m) => m.endsWith('/dist/src/cli/main.js'))).toBe(true);
    expect(mods.filter((m) => /\/dist\/src\/(lab|doctor|keepalived)\/|\/dist\/src\/cli\/(demo|doctor|import-keepalived)\.js$/.test(m))).toEqual([]);
  });

  it('doctor still loads its module when asked', () => {
    const mods = loadedModules(['doctor', '--config', '/nonexistent/vipd.yaml']);
    expect(mods.some((m) => m.endsWith('/dist/src/cli/doctor.js'))).toBe(true);
  });

  it('import-keepalived still loads its module when asked', () => {
    const mods = loadedModules(['import-keepalived', '/nonexistent/keepalived.conf']);
    expect(mods.some((m) => m.endsWith('/dist/src/cli/import-keepalived.js'))).toBe(true);
  });
});
