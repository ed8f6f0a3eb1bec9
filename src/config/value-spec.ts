/**
 * What a config value may be. One description drives validation, the
 * "expected ..." part of every error message and docs/configuration.md, so
 * the three cannot drift apart.
 */
import { DURATION_SYNTAX, formatDuration } from './duration';

export type ValueSpec =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'duration'; readonly min: number; readonly max: number; readonly zeroMeansOff?: boolean }
  | { readonly kind: 'string'; readonly pattern: RegExp; readonly describe: string }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'ip' }
  | { readonly kind: 'host' }
  | { readonly kind: 'path'; readonly maxBytes?: number }
  | { readonly kind: 'url' }
  | { readonly kind: 'argv' }
  | { readonly kind: 'strings' }
  | { readonly kind: 'ports' }
  | { readonly kind: 'list'; readonly item: ItemSpec; readonly minItems: number }
  | { readonly kind: 'object'; readonly item: ItemSpec }
  | { readonly kind: 'nullable'; readonly inner: ValueSpec };

export type ValueKind = ValueSpec['kind'];

/** How a field of a list item gets its value when the file leaves it out. */
export type FieldDefault =
  | { readonly required: true }
  | { readonly value: unknown }
  /** Taken from another (top-level) key, e.g. a peer's port defaults to heartbeat.port. */
  | { readonly ref: string };

export interface FieldDef {
  readonly doc: string;
  readonly spec: ValueSpec;
  readonly default: FieldDefault;
}

/** Every key of T must be described, and nothing else: the table cannot drift from the type. */
export type FieldTable<T> = { readonly [K in keyof T]-?: FieldDef };

export interface ItemSpec {
  /** Human name used in docs headings and messages: "group", "VIP", "peer". */
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldDef>>;
  /** A plain string accepted in place of the mapping, e.g. a VIP written as "10.0.1.50/24". */
  readonly shorthand?: { readonly describe: string; readonly expand: (text: string) => Record<string, unknown> };
  /** Extra fields chosen by a discriminator field's value (trackers: `type`). */
  readonly variants?: {
    readonly discriminator: string;
    readonly byValue: Readonly<Record<string, Readonly<Record<string, FieldDef>>>>;
  };
}

export const spec = {
  boolean: (): ValueSpec => ({ kind: 'boolean' }),
  int: (min: number, max: number): ValueSpec => ({ kind: 'int', min, max }),
  duration: (min: number, max: number, zeroMeansOff = false): ValueSpec => ({ kind: 'duration', min, max, zeroMeansOff }),
  string: (pattern: RegExp, describe: string): ValueSpec => ({ kind: 'string', pattern, describe }),
  oneOf: (values: readonly string[]): ValueSpec => ({ kind: 'enum', values }),
  ip: (): ValueSpec => ({ kind: 'ip' }),
  host: (): ValueSpec => ({ kind: 'host' }),
  path: (maxBytes?: number): ValueSpec => (maxBytes === undefined ? { kind: 'path' } : { kind: 'path', maxBytes }),
  url: (): ValueSpec => ({ kind: 'url' }),
  argv: (): ValueSpec => ({ kind: 'argv' }),
  strings: (): ValueSpec => ({ kind: 'strings' }),
  ports: (): ValueSpec => ({ kind: 'ports' }),
  list: (item: ItemSpec, minItems = 0): ValueSpec => ({ kind: 'list', item, minItems }),
  object: (item: ItemSpec): ValueSpec => ({ kind: 'object', item }),
  nullable: (inner: ValueSpec): ValueSpec => ({ kind: 'nullable', inner }),
} as const;

export const required = (): FieldDefault => ({ required: true });
export const defaultsTo = (value: unknown): FieldDefault => ({ value });
export const defaultsToKey = (ref: string): FieldDefault => ({ ref });

/** The "expected ..." phrase for messages and the type column of the docs. */
export function describeSpec(s: ValueSpec): string {
  switch (s.kind) {
    case 'boolean':
      return 'a boolean (true/false; also 1/0, yes/no)';
    case 'int':
      return s.min < 0 ? `an integer from ${s.min} to ${s.max}` : `an integer ${s.min}-${s.max}`;
    case 'duration': {
      const from = s.min === 0 ? '0' : formatDuration(s.min);
      const range = `a duration ${from}-${formatDuration(s.max)} (${DURATION_SYNTAX})`;
      return s.zeroMeansOff === true ? `0 (off) or ${range}` : range;
    }
    case 'string':
      return s.describe;
    case 'enum':
      return `one of ${s.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'ip':
      return 'an IPv4 or IPv6 address';
    case 'host':
      return 'a host name or an IP address';
    case 'path':
      return s.maxBytes === undefined ? 'an absolute path' : `an absolute path of at most ${s.maxBytes} bytes`;
    case 'url':
      return 'an http:// or https:// URL';
    case 'argv':
      return 'a command as a list [absolute program path, arg, ...] (run without a shell)';
    case 'ports':
      return 'a list of TCP port numbers 1-65535';
    case 'strings':
      return 'a list of strings';
    case 'list':
      return s.minItems > 0 ? `a list of at least ${s.minItems} ${s.item.name} item(s)` : `a list of ${s.item.name} items`;
    case 'object':
      return `a mapping (${s.item.name})`;
    case 'nullable':
      return `${describeSpec(s.inner)}, or null`;
  }
}
