import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createRootLogger } from '../../src/util/root-logger';
import { isJournalStream, journalPrefix } from '../../src/util/log-journal';
import { VipdError } from '../../src/errors';
import { parseStrictJson } from '../support/strict-json';

function capture(): { stream: Writable; text: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const text = (): string => chunks.join('');
  // Strict: a repeated key fails the test rather than being silently collapsed by JSON.parse.
  return {
    stream,
    text,
    lines: () =>
      text()
        .trim()
        .split('\n')
        .map((l) => parseStrictJson(l) as Record<string, unknown>),
  };
}

describe('root logger', () => {
  it('writes NDJSON with a level label and child bindings', () => {
    const out = capture();
    const log = createRootLogger('info', out.stream);
    log.child({ component: 'runtime' }).info({ group: 'web' }, 'hello');
    log.debug('not at info');
    expect(out.lines()).toEqual([expect.objectContaining({ level: 'info', component: 'runtime', group: 'web', msg: 'hello' })]);
  });

  it('writes every key once: a child binding or a field replaces the one above it (owner -> os -> os)', () => {
    const out = capture();
    const log = createRootLogger('info', out.stream, { bindings: { node: 'n1' } });
    const os = log.child({ component: 'owner' }).child({ component: 'os' }).child({ component: 'os', group: 'web' });
    os.info({ vip: '10.0.0.10/24' }, 'VIP added');
    os.info({ group: 'db', time: 'field', msg: 'field', level: 'field' }, 'fields named like pino keys');
    os.warn('string only');
    const [added, reserved, plain] = out.lines();
    expect(added).toMatchObject({ component: 'os', group: 'web', node: 'n1', vip: '10.0.0.10/24', msg: 'VIP added' });
    expect(reserved).toMatchObject({
      group: 'db',
      timeField: 'field',
      msgField: 'field',
      levelField: 'field',
      level: 'info',
      msg: 'fields named like pino keys',
    });
    expect(plain).toMatchObject({ level: 'warn', component: 'os', msg: 'string only' });
    // And the raw text agrees: one "component" per line.
    for (const line of out.text().trim().split('\n')) expect(line.match(/"component":/g)).toHaveLength(1);
  });

  it('puts node id, hostname and pid on every line', () => {
    const out = capture();
    const log = createRootLogger('info', out.stream, { bindings: { node: 'n1' } });
    log.info('a');
    log.child({ component: 'x' }).error('b');
    for (const l of out.lines()) expect(l).toMatchObject({ node: 'n1', hostname: hostname(), pid: process.pid });
  });

  it('serializes errors with type, message, code, stack and the cause chain', () => {
    const out = capture();
    const log = createRootLogger('info', out.stream);
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' });
    log.error({ err: new VipdError('VIPD_E_CLOUD_UNAVAILABLE', 'cannot reach EC2', { cause, transient: true, details: { region: 'x' } }) }, 'acquire failed');
    log.error(new TypeError('plain'), 'an Error as the object');
    log.warn({ err: 'just text' }, 'a string as err');
    const [vipd, plain, text] = out.lines();
    expect(vipd?.err).toEqual({
      type: 'VipdError',
      message: 'cannot reach EC2',
      code: 'VIPD_E_CLOUD_UNAVAILABLE',
      stack: expect.stringContaining('VipdError: cannot reach EC2'),
      transient: true,
      details: { region: 'x' },
      cause: { type: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED', stack: expect.stringContaining('at '), syscall: 'connect' },
    });
    expect(plain?.err).toEqual({ type: 'TypeError', message: 'plain', code: null, stack: expect.stringContaining('TypeError: plain') });
    expect(text?.err).toEqual({ type: 'string', message: 'just text', code: null, stack: null });
  });

  it('redacts secrets wherever they appear', () => {
    const out = capture();
    const log = createRootLogger('info', out.stream);
    log.info(
      {
        key: 'hunter2',
        token: 't0k',
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/...' },
        credentials: { secretAccessKey: 's3cr3t' },
        err: { details: { token: 'inner' } },
      },
      'x',
    );
    log.child({ component: 'c' }).warn({ err: new VipdError('VIPD_E_INTERNAL', 'x', { details: { token: 'deep' } }) }, 'y');
    const text = JSON.stringify(out.lines());
    for (const secret of ['hunter2', 't0k', 'AKIA', 's3cr3t', 'inner', 'deep']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});

describe('journald severity', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vipd-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('maps pino levels to syslog priorities journald reads from a <N> prefix', () => {
    expect(['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => journalPrefix(`{"level":"${l}","time":"x"}`))).toEqual([
      '<2>',
      '<3>',
      '<4>',
      '<6>',
      '<7>',
      '<7>',
    ]);
    expect(journalPrefix('not json')).toBe('<6>');
  });

  it('prefixes each line only when stdout is the stream JOURNAL_STREAM names', () => {
    const file = join(dir, 'journal');
    const fd = openSync(file, 'w');
    try {
      const st = fstatSync(fd);
      const env = { JOURNAL_STREAM: `${st.dev}:${st.ino}` };
      expect(isJournalStream(env, fd)).toBe(true);
      expect(isJournalStream({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd)).toBe(false);
      expect(isJournalStream({}, fd)).toBe(false);
      const log = createRootLogger('debug', fd, { env, format: 'pretty' });
      log.warn('w');
      log.child({ component: 'x' }).error({ err: new Error('e') }, 'e');
      log.info('i');
      log.debug('d');
      log.flush();
    } finally {
      closeSync(fd);
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // Under the journal the format is JSON whatever was asked: the journal is a pipeline's input.
    expect(lines.map((l) => l.slice(0, 3))).toEqual(['<4>', '<3>', '<6>', '<7>']);
    for (const l of lines) expect(parseStrictJson(l.slice(3))).toEqual(expect.objectContaining({ msg: expect.any(String) }));
  });

  it('writes no prefix outside the journal', () => {
    const file = join(dir, 'plain');
    const fd = openSync(file, 'w');
    try {
      const log = createRootLogger('info', fd, { env: { JOURNAL_STREAM: '1:2' }, format: 'json' });
      log.warn('w');
      log.flush();
    } finally {
      closeSync(fd);
    }
    expect(parseStrictJson(readFileSync(file, 'utf8').trim())).toMatchObject({ level: 'warn', msg: 'w' });
  });
});

describe('--log-format pretty', () => {
  it("writes pino-pretty's human lines, and auto stays JSON when stdout is not a terminal", () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-log-'));
    try {
      for (const format of ['pretty', 'auto'] as const) {
        const fd = openSync(join(dir, format), 'w');
        try {
          const log = createRootLogger('info', fd, { env: {}, format, bindings: { node: 'n1' } });
          log.child({ component: 'runtime', group: 'web' }).warn({ from: 'BACKUP', to: 'MASTER' }, 'group web: BACKUP -> MASTER (peer-timeout)');
          log.flush();
        } finally {
          closeSync(fd);
        }
      }
      const pretty = readFileSync(join(dir, 'pretty'), 'utf8');
      expect(pretty).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: group web: BACKUP -> MASTER \(peer-timeout\)\n/);
      expect(pretty).toContain('node: "n1"');
      expect(pretty).toContain('component: "runtime"');
      expect(parseStrictJson(readFileSync(join(dir, 'auto'), 'utf8').trim())).toMatchObject({ level: 'warn', node: 'n1' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
