/**
 * The heartbeat key loader, shared by the config check and the daemon. The
 * key is the file's raw bytes minus one trailing newline, so
 * `head -c 32 /dev/urandom | base64 > key` works as is. Like ssh with private
 * keys, a key file that group or others can read or write is refused: a
 * leaked key lets anyone on the network forge adverts and steal the VIP.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { VipdError } from '../errors';

export const MIN_KEY_BYTES = 16;

const CREATE_HINT = (path: string): string => `create one with: head -c 32 /dev/urandom | base64 > ${path} && chmod 600 ${path}`;

export function readKeyFile(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw keyFileError(path, describeOpenError(path, e), e);
  }
  try {
    // fstat on the open descriptor: the file checked is the file read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw keyFileError(path, `heartbeat key file ${path} is not a regular file`);
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw keyFileError(
        path,
        `heartbeat key file ${path} has mode ${octal(mode)}, readable or writable by group or others; fix: chmod 600 ${path}`,
        undefined,
        { mode: octal(mode) },
      );
    }
    const key = withoutTrailingNewline(readFileSync(fd));
    if (key.length === 0) throw keyFileError(path, `heartbeat key file ${path} is empty; ${CREATE_HINT(path)}`);
    if (key.length < MIN_KEY_BYTES) {
      throw keyFileError(
        path,
        `heartbeat key file ${path} holds ${key.length} bytes; at least ${MIN_KEY_BYTES} are required; ${CREATE_HINT(path)}`,
        undefined,
        { bytes: key.length },
      );
    }
    return key;
  } catch (e) {
    if (e instanceof VipdError) throw e;
    throw keyFileError(path, `heartbeat key file ${path} could not be read: ${e instanceof Error ? e.message : String(e)}`, e);
  } finally {
    closeSync(fd);
  }
}

function withoutTrailingNewline(data: Buffer): Buffer {
  if (data[data.length - 1] !== 0x0a) return data;
  const crlf = data[data.length - 2] === 0x0d;
  return data.subarray(0, data.length - (crlf ? 2 : 1));
}

function describeOpenError(path: string, e: unknown): string {
  const code = errnoCode(e);
  if (code === 'ENOENT') return `heartbeat key file ${path} does not exist; ${CREATE_HINT(path)}`;
  if (code === 'EACCES' || code === 'EPERM')
    return `heartbeat key file ${path} is not readable by this user (${code}); it must be owned by the user vipd runs as`;
  if (code === 'EISDIR') return `heartbeat key file ${path} is a directory`;
  return `heartbeat key file ${path} could not be opened: ${e instanceof Error ? e.message : String(e)}`;
}

function errnoCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function keyFileError(path: string, message: string, cause?: unknown, extra: Record<string, unknown> = {}): VipdError {
  return new VipdError('VIPD_E_KEY_FILE', message, { cause, details: { path, ...extra } });
}
