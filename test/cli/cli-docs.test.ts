import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { bashCompletion, describeProgram, manPage, zshCompletion } from '../../src/cli/cli-docs';
import { program } from '../../src/cli/main';
import { ensureBuilt } from '../support/build';
import { itWithTool, toolAvailable } from '../systemd/require-tool';

const itZsh = itWithTool(toolAvailable('zsh', ['-fc', 'true']), 'zsh (Debian package zsh)');
const itGroff = itWithTool(toolAvailable('groff', ['--version']), 'groff (Debian package groff-base)');
const ROOT = join(__dirname, '..', '..');

const { commands } = describeProgram(program);
const names = commands.map((c) => c.name);

/** What bash offers after the words typed so far (the last one is the word being completed). */
function bashComplete(script: string, words: readonly string[]): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '--norc',
      '--noprofile',
      '-c',
      `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _vipd; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      script,
    ],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`bash failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('man page and completions generated from the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-cli-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bash = join(dir, 'vipd.bash');
  writeFileSync(bash, bashCompletion(program));

  it('sees every subcommand of the program, help included', () => {
    expect(names).toEqual(expect.arrayContaining(['run', 'check-config', 'status', 'switchover', 'maintenance', 'doctor', 'import-keepalived', 'help']));
    // Cast on purpose: commander keeps a command's hidden flag private; reading it here keeps this check
    // independent of Help.visibleCommands, which the generator under test uses.
    expect(names).toEqual(
      program.commands
        .filter((c) => !(c as unknown as { _hidden: boolean })._hidden)
        .map((c) => c.name())
        .concat(['help']),
    );
  });

  it('the man page covers every subcommand with its description and every option with its flags', () => {
    const page = manPage(program, '1.2.3', '2026-12-07');
    expect(page).toMatch(/^\.TH VIPD 1 "2026-12-07" "vipd 1\.2\.3"/m);
    for (const c of commands) {
      expect(page).toContain(`.SS "vipd ${c.name} `);
      for (const o of c.options) expect(page).toContain(`.B ${o.flags.replace(/-/g, '\\-')}`);
    }
    expect(page).toContain('.SH EXIT STATUS');
  });

  itGroff('the man page renders without a groff warning and reads as the help does', () => {
    const file = join(dir, 'vipd.1');
    writeFileSync(file, manPage(program, '1.2.3', '2026-12-07'));
    // -P -c -P -b -P -u: plain text, without overstrike for bold and underline.
    const r = spawnSync('groff', ['-man', '-ww', '-Tutf8', '-P', '-c', '-P', '-b', '-P', '-u', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const text = r.stdout;
    expect(text).toMatch(/vipd import-keepalived \[options\] \[file\]/);
    expect(text).toMatch(/--peer <id=address>/);
  });

  it("bash: completes the subcommands, each one's options, files for file options, and the words of an argument", () => {
    expect(bashComplete(bash, ['vipd', ''])).toEqual(expect.arrayContaining([...names, '--help', '--version']));
    expect(bashComplete(bash, ['vipd', 'ma'])).toEqual(['maintenance']);
    for (const c of commands) {
      const offered = bashComplete(bash, ['vipd', c.name, '-']);
      expect({ command: c.name, offered: offered.sort() }).toEqual({ command: c.name, offered: c.options.flatMap((o) => o.names).sort() });
    }
    expect(bashComplete(bash, ['vipd', 'maintenance', ''])).toEqual(['on', 'off', 'status']);
    expect(bashComplete(bash, ['vipd', 'help', 'sw'])).toEqual(['switchover']);
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'vipd.yaml'), '');
    expect(bashComplete(bash, ['vipd', 'run', '--config', join(dir, 'conf', 'vi')])).toEqual([join(dir, 'conf', 'vipd.yaml')]);
    expect(bashComplete(bash, ['vipd', 'import-keepalived', '-o', join(dir, 'conf', 'v')])).toEqual([join(dir, 'conf', 'vipd.yaml')]);
    expect(bashComplete(bash, ['vipd', 'switchover', '--timeout', ''])).toEqual([]);
  });

  itZsh('zsh: the completion parses and names every subcommand and option', () => {
    const script = zshCompletion(program);
    const file = join(dir, '_vipd');
    writeFileSync(file, script);
    const r = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    for (const c of commands) {
      expect(script).toMatch(new RegExp(`^    '${c.name}:`, 'm'));
      const body = script.slice(script.indexOf(`        ${c.name})`));
      for (const o of c.options) for (const n of o.names) expect(body.slice(0, body.indexOf(';;'))).toContain(n);
    }
  });

  it('follows the program: a new command or option shows up without touching the generator', () => {
    const p = new Command('vipd').description('test');
    p.command('frobnicate').description('frob it').option('--level <n>', 'how much').argument('<file>', 'input');
    expect(manPage(p, '0', 'd')).toContain('.SS "vipd frobnicate [options] <file>"');
    expect(bashCompletion(p)).toMatch(/frobnicate\)\n\s+opts="--level -h --help"/);
    expect(zshCompletion(p)).toContain("'--level[how much]:n: '");
  });
});

describe('gen-cli-docs (the build step)', () => {
  beforeAll(() => ensureBuilt());

  it('writes man/vipd.1 and both completions, dated from SOURCE_DATE_EPOCH', () => {
    const out = mkdtempSync(join(tmpdir(), 'vipd-gen-'));
    try {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'gen-cli-docs.js'), out], {
        encoding: 'utf8',
        env: { ...process.env, SOURCE_DATE_EPOCH: '1796601600' },
      });
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(readFileSync(join(out, 'man', 'vipd.1'), 'utf8')).toMatch(/^\.TH VIPD 1 "2026-12-07"/m);
      expect(readFileSync(join(out, 'completions', 'vipd.bash'), 'utf8')).toContain('complete -o filenames -F _vipd vipd');
      expect(readFileSync(join(out, 'completions', '_vipd'), 'utf8')).toMatch(/^#compdef vipd/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
