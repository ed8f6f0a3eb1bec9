import pino from 'pino';
import type { Logger } from './logger';

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

/**
 * The process's root logger: NDJSON on stdout for journald. Created once in
 * the CLI and passed down; components get children.
 */
export function createRootLogger(level: string, destination: pino.DestinationStream | number = 1): Logger & { flush(): void } {
  const dest = typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination;
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  ) as unknown as Logger & { flush(): void };
}
