import type { LogFn, Logger } from '../../src/util/logger';

export interface LogEntry {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

/** A Logger that keeps every entry for assertions. */
export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const fn =
    (level: LogEntry['level']): LogFn =>
    (a: object | string, b?: string) => {
      if (typeof a === 'string') entries.push({ level, fields: {}, msg: a });
      else entries.push({ level, fields: { ...a } as Record<string, unknown>, msg: b ?? '' });
    };
  const logger: Logger & { entries: LogEntry[] } = {
    entries,
    trace: fn('trace'),
    debug: fn('debug'),
    info: fn('info'),
    warn: fn('warn'),
    error: fn('error'),
    fatal: fn('fatal'),
    child: () => logger,
  };
  return logger;
}
