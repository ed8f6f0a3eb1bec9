import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readKeyFile } from '../../src/config/key-file';
import { VipdError } from '../../src/errors';
import { ensureBuilt } from '../support/build';
import { Fixture, makeFixture } from './helpers';

const ROOT = join(__dirname, '..', '..');

function keyFileError(path: string): VipdError {
  try {
    readKeyFile(path);
  } catch (e) {
    if (e instanceof VipdError) return e;
    throw e;
  }
  throw new Error('expected readKeyFile to throw');
}

describe('readKeyFile', () => {
  let fx: Fixture;
  beforeEach(() => (fx = makeFixture()));
  afterEach(() => fx.cleanup());

  test('returns the raw bytes without one trailing newline', () => {
    const path = fx.write('k', 'abcdefghijklmnopqrstuvwxyz012345\n');
    expect(readKeyFile(path).toString()).toBe('abcdefghijklmnopqrstuvwxyz012345');
  });

  test('strips CRLF but keeps other whitespace and binary bytes', () => {
    expect(readKeyFile(fx.write('crlf', 'abcdefghijklmnop\r\n')).toString()).toBe('abcdefghijklmnop');
    expect(readKeyFile(fx.write('two', 'abcdefghijklmnop\n\n')).toString()).toBe('abcdefghijklmnop\n');
    const binary = Buffer.from([0, 255, 10, 13, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0]);
    expect(readKeyFile(fx.write('bin', binary)).equals(binary)).toBe(true);
  });

  test('accepts exactly 16 bytes, refuses 15', () => {
    expect(readKeyFile(fx.write('16', '0123456789abcdef\n')).length).toBe(16);
    const error = keyFileError(fx.write('15', '0123456789abcde\n'));
    expect(error.code).toBe('VIPD_E_KEY_FILE');
    expect(error.message).toContain('holds 15 bytes; at least 16 are required');
  });

  test('a missing file says how to create one', () => {
    const path = join(fx.dir, 'absent');
    const error = keyFileError(path);
    expect(error.code).toBe('VIPD_E_KEY_FILE');
    expect(error.message).toContain(`${path} does not exist`);
    expect(error.message).toContain(`chmod 600 ${path}`);
    expect(error.details).toMatchObject({ path });
  });

  test.each([0o644, 0o640, 0o604, 0o660, 0o620, 0o602, 0o700 | 0o007])('mode %o is refused with the chmod fix', (mode) => {
    const path = fx.write('open', 'abcdefghijklmnopqrstuvwxyz\n', mode);
    const error = keyFileError(path);
    expect(error.code).toBe('VIPD_E_KEY_FILE');
    expect(error.message).toContain(`has mode 0${mode.toString(8)}`);
    expect(error.message).toContain(`fix: chmod 600 ${path}`);
  });

  test.each([0o600, 0o400])('mode %o is accepted', (mode) => {
    expect(readKeyFile(fx.write('ok', 'abcdefghijklmnopqrstuvwxyz\n', mode)).length).toBe(26);
  });

  test('an empty file (or a lone newline) is refused', () => {
    expect(keyFileError(fx.write('empty', '')).message).toContain('is empty');
    expect(keyFileError(fx.write('nl', '\n')).message).toContain('is empty');
  });

  test('a directory is refused', () => {
    const path = join(fx.dir, 'dir');
    mkdirSync(path, { mode: 0o700 });
    expect(keyFileError(path).message).toContain('is not a regular file');
  });

  test('an unreadable file is refused (as root: checked by a child that runs as nobody)', () => {
    const path = fx.write('locked', 'abcdefghijklmnopqrstuvwxyz\n');
    chmodSync(path, 0o000);
    if (process.getuid?.() !== 0) {
      expect(keyFileError(path).message).toContain('is not readable by this user');
      return;
    }
    // Root reads a mode-000 file: only a process without that privilege sees the refusal.
    // The child gets its own copy of the two compiled modules: the checkout may sit where nobody cannot go.
    ensureBuilt();
    chmodSync(fx.dir, 0o755);
    mkdirSync(join(fx.dir, 'js', 'config'), { recursive: true, mode: 0o755 });
    for (const f of ['errors.js', join('config', 'key-file.js')]) copyFileSync(join(ROOT, 'dist', 'src', f), join(fx.dir, 'js', f));
    const script = `
      try { require(${JSON.stringify(join(fx.dir, 'js', 'config', 'key-file.js'))}).readKeyFile(${JSON.stringify(path)}); console.log('read'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const got = JSON.parse(r.stdout) as { code: string; message: string };
    expect(got.code).toBe('VIPD_E_KEY_FILE');
    expect(got.message).toContain('is not readable by this user (EACCES)');
  });
});
