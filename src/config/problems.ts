/**
 * One configuration problem = the key, the offending value and what was
 * expected. The loader collects every problem before throwing, because an
 * operator fixing a config wants the whole list at once, not one per run.
 */
import { VipdError } from '../errors';

export interface ConfigProblem {
  /** Path as the operator writes it: `groups[1].vips[0].address`, `heartbeat.port`. */
  readonly key: string;
  /** The offending value; undefined when the key is missing or its value is not echoed (unknown keys). */
  readonly value: unknown;
  readonly expected: string;
  readonly message: string;
  /** Where the value came from when it was not the file, e.g. `env VIPD_OS_ENABLED`. */
  readonly source?: string;
}

/** Key used for problems about the file as a whole (unreadable, malformed). */
export const FILE_KEY = '(file)';

const MAX_SHOWN = 80;

export function invalidValue(key: string, value: unknown, expected: string, source?: string): ConfigProblem {
  const where = source === undefined ? key : `${key} (from ${source})`;
  const message = value === undefined ? `${where}: missing; expected ${expected}` : `${where}: ${formatValue(value)} is not valid; expected ${expected}`;
  return source === undefined ? { key, value, expected, message } : { key, value, expected, message, source };
}

/** The value is not echoed: an unknown key may well be a misplaced secret. */
export function unknownKey(key: string, allowed: readonly string[]): ConfigProblem {
  const expected = `one of: ${allowed.join(', ')}`;
  return { key, value: undefined, expected, message: `${key}: unknown key; expected ${expected}` };
}

export function customProblem(key: string, value: unknown, expected: string, message: string): ConfigProblem {
  return { key, value, expected, message };
}

export function formatValue(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** The single error the loader throws: the first problem in `details`, all of them in `details.problems`. */
export function configError(problems: readonly ConfigProblem[], file: string): VipdError {
  const [first] = problems;
  if (first === undefined) return new VipdError('VIPD_E_INTERNAL', 'configError called without problems');
  const message =
    problems.length === 1 ? `${file}: ${first.message}` : `${file}: ${problems.length} problems:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`;
  return new VipdError('VIPD_E_CONFIG', message, {
    details: { key: first.key, value: first.value, expected: first.expected, file, problems: [...problems] },
  });
}
