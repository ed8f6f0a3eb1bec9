import { hostname } from 'node:os';
import pino from 'pino';
import type { LogFn, Logger } from './logger';
import { serializeLogError } from './log-error';
import { isJournalStream, journalPrefix } from './log-journal';

/** Paths pino blanks out wherever they appear: keys, tokens, signatures, credentials. */
export const REDACT_PATHS = [
  'key',
  '*.key',
  'keys',
  '*.keys',
  'secret',
  '*.secret',
  'token',
  '*.token',
  '*.*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'credentials',
  '*.credentials',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'signature',
  '*.signature',
];

export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface RootLoggerOptions {
  /** json: NDJSON (journald, pipelines); pretty: pino-pretty for a terminal; auto: pretty on a TTY outside the journal. */
  readonly format?: LogFormat;
  /** Fields on every line (node id; pid and hostname are always there). */
  readonly bindings?: Readonly<Record<string, unknown>>;
  /** Default: process.env (JOURNAL_STREAM decides the `<N>` priority prefix). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type RootLogger = Logger & { flush(): void };

/**
 * The process's root logger: NDJSON on stdout for journald. Created once in
 * the CLI and passed down; components get children. Each line carries every
 * key once: a child's binding replaces its parent's of the same name (a JSON
 * object with a repeated key is rejected by Elasticsearch and others).
 */
export function createRootLogger(level: string, destination: pino.DestinationStream | number = 1, options: RootLoggerOptions = {}): RootLogger {
  const env = options.env ?? process.env;
  const fd = typeof destination === 'number' ? destination : null;
  const journal = fd !== null && isJournalStream(env, fd);
  const pretty = fd !== null && !journal && (options.format === 'pretty' || (options.format === 'auto' && isTty(fd)));
  const dest = typeof destination !== 'number' ? destination : pretty ? prettyStream(fd ?? 1) : pino.destination({ dest: destination, sync: true });
  const root = pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeLogError },
      ...(journal ? { hooks: { streamWrite: (line: string) => journalPrefix(line) + line } } : {}),
    },
    dest,
  );
  return new FlatLogger(root, { pid: process.pid, hostname: hostname(), ...options.bindings });
}

function isTty(fd: number): boolean {
  return (fd === 1 && process.stdout.isTTY) || (fd === 2 && process.stderr.isTTY);
}

/** Loaded only for a human at a terminal: the daemon under systemd never pays for it. */
function prettyStream(fd: number): pino.DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional at run time, loaded on demand
  const build = require('pino-pretty') as (opts: Record<string, unknown>) => pino.DestinationStream;
  return build({ destination: fd, sync: true, colorize: isTty(fd), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

/** Keys pino writes itself: a field with one of these names is renamed rather than written twice. */
const RESERVED = new Set(['level', 'time', 'msg']);

function merge(bindings: Readonly<Record<string, unknown>>, fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...bindings };
  for (const [k, v] of Object.entries(fields)) out[RESERVED.has(k) ? `${k}Field` : k] = v;
  return out;
}

/**
 * pino's own child() appends the child's bindings to the parent's text, so
 * owner -> os -> os wrote "component" three times. Here the bindings are
 * merged into each line's object, one value per key, the innermost winning.
 */
class FlatLogger implements RootLogger {
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  readonly fatal: LogFn;

  constructor(
    private readonly root: pino.Logger,
    private readonly bindings: Readonly<Record<string, unknown>>,
  ) {
    this.trace = this.at('trace');
    this.debug = this.at('debug');
    this.info = this.at('info');
    this.warn = this.at('warn');
    this.error = this.at('error');
    this.fatal = this.at('fatal');
  }

  child(bindings: Record<string, unknown>): Logger {
    return new FlatLogger(this.root, merge(this.bindings, bindings));
  }

  flush(): void {
    this.root.flush();
  }

  private at(level: pino.Level): LogFn {
    const root = this.root;
    return ((a: object | string, b?: string): void => {
      if (!root.isLevelEnabled(level)) return;
      if (typeof a === 'string') root[level](this.bindings, a);
      else if (a instanceof Error) root[level](merge(this.bindings, { err: a }), b);
      else root[level](merge(this.bindings, a), b);
    }) as LogFn;
  }
}
