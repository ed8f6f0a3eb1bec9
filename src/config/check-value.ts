/**
 * Validates one value against its ValueSpec and returns it normalised
 * (durations in ms, item defaults applied), recording every problem with its
 * exact path. List items (groups, VIPs, peers, trackers) are checked here
 * too, with their item tables (group-items.ts).
 */
import { tryParseDuration } from './duration';
import { parseIp } from '../util/ip';
import { childPath, ConfigProblem, invalidValue, unknownKey } from './problems';
import { describeSpec, FieldDef, ItemSpec, ValueSpec } from './value-spec';

export const INVALID: unique symbol = Symbol('invalid config value');

export interface CheckContext {
  readonly problems: ConfigProblem[];
  /** Value of a top-level key for fields that default to it; undefined when that key is itself invalid. */
  readonly resolveRef: (key: string) => unknown;
  /** Set when the value came from somewhere other than the file (an environment variable). */
  readonly source?: string;
}

// A Map, not an object literal: user text such as "constructor" must not find Object.prototype's members.
const BOOLEAN_TEXT: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
  ['1', true],
  ['0', false],
]);
const INTEGER_TEXT = /^[+-]?\d+$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** true/false/yes/no/1/0 in any case; null for anything else (never "truthy"). */
export function parseBooleanText(text: string): boolean | null {
  return BOOLEAN_TEXT.get(text.trim().toLowerCase()) ?? null;
}

export function parseIntegerText(text: string): number | null {
  const trimmed = text.trim();
  return INTEGER_TEXT.test(trimmed) ? Number(trimmed) : null;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The normalised value, or INVALID after recording why (possibly several problems, for lists and items). */
export function checkValue(s: ValueSpec, value: unknown, path: string, ctx: CheckContext): unknown {
  switch (s.kind) {
    case 'nullable':
      return value === null ? null : checkValue(s.inner, value, path, ctx);
    case 'list':
      return checkList(s, value, path, ctx);
    case 'object':
      return checkItem(s.item, value, path, ctx);
    default: {
      const normalised = checkScalar(s, value);
      if (normalised === INVALID) ctx.problems.push(invalidValue(path, value, describeSpec(s), ctx.source));
      return normalised;
    }
  }
}

function checkScalar(s: ValueSpec, value: unknown): unknown {
  switch (s.kind) {
    case 'boolean':
      return toBoolean(value);
    case 'int': {
      const n = typeof value === 'string' ? parseIntegerText(value) : value;
      return typeof n === 'number' && Number.isInteger(n) && n >= s.min && n <= s.max ? n : INVALID;
    }
    case 'duration': {
      const parsed = tryParseDuration(value);
      if (!parsed.ok) return INVALID;
      if (parsed.ms === 0 && s.zeroMeansOff === true) return 0;
      return parsed.ms >= s.min && parsed.ms <= s.max ? parsed.ms : INVALID;
    }
    case 'string':
      return typeof value === 'string' && s.pattern.test(value) ? value : INVALID;
    case 'enum':
      return typeof value === 'string' && s.values.includes(value) ? value : INVALID;
    case 'ip':
      return typeof value === 'string' && parseIp(value) !== null ? value : INVALID;
    case 'host':
      return typeof value === 'string' && (parseIp(value) !== null || HOST_NAME.test(value)) ? value : INVALID;
    case 'path':
      return isAbsolutePath(value) && (s.maxBytes === undefined || Buffer.byteLength(value) <= s.maxBytes) ? value : INVALID;
    case 'url':
      return isHttpUrl(value) ? value : INVALID;
    case 'argv':
      return Array.isArray(value) && isAbsolutePath(value[0]) && value.every(isNonEmptyString) ? [...value] : INVALID;
    case 'ports':
      return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535)
        ? [...(value as number[])]
        : INVALID;
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : INVALID;
    default:
      return INVALID;
  }
}

function checkList(s: Extract<ValueSpec, { kind: 'list' }>, value: unknown, path: string, ctx: CheckContext): unknown {
  if (!Array.isArray(value) || value.length < s.minItems) {
    ctx.problems.push(invalidValue(path, value, describeSpec(s), ctx.source));
    return INVALID;
  }
  // Every item is checked, even after a bad one, so all problems are reported.
  const items = value.map((entry, index) => checkItem(s.item, entry, childPath(path, index), ctx));
  return items.includes(INVALID) ? INVALID : items;
}

/** Checks one list item (or nested mapping): unknown keys, required keys, defaults, each field's value. */
export function checkItem(item: ItemSpec, raw: unknown, path: string, ctx: CheckContext): Record<string, unknown> | typeof INVALID {
  const value = typeof raw === 'string' && item.shorthand !== undefined ? item.shorthand.expand(raw) : raw;
  if (!isMapping(value)) {
    const alt = item.shorthand === undefined ? '' : ` or ${item.shorthand.describe}`;
    ctx.problems.push(invalidValue(path, raw, `a mapping (${item.name})${alt}`, ctx.source));
    return INVALID;
  }
  const fields = fieldsFor(item, value);
  const allowed = Object.keys(fields.known);
  let valid = true;
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields.known, key)) {
      ctx.problems.push(unknownKey(childPath(path, key), allowed));
      valid = false;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields.checked)) {
    const checked = checkField(field, value[key], childPath(path, key), ctx);
    if (checked === INVALID) valid = false;
    else out[key] = checked;
  }
  return valid ? out : INVALID;
}

function checkField(field: FieldDef, given: unknown, path: string, ctx: CheckContext): unknown {
  if (given !== undefined) return checkValue(field.spec, given, path, ctx);
  const d = field.default;
  if ('required' in d) {
    ctx.problems.push(invalidValue(path, undefined, describeSpec(field.spec), ctx.source));
    return INVALID;
  }
  // An unresolved reference means the referenced key is invalid and already reported.
  const fallback = 'ref' in d ? ctx.resolveRef(d.ref) : d.value;
  return fallback === undefined ? INVALID : checkValue(field.spec, fallback, path, ctx);
}

/**
 * `known` decides which keys are unknown; `checked` which fields are validated.
 * With an invalid discriminator only the common fields are checked, and no
 * variant's field is called unknown (the discriminator error says it all).
 */
function fieldsFor(item: ItemSpec, value: Record<string, unknown>): { known: Record<string, FieldDef>; checked: Record<string, FieldDef> } {
  const variants = item.variants;
  if (variants === undefined) return { known: { ...item.fields }, checked: { ...item.fields } };
  const chosen = value[variants.discriminator];
  const own = typeof chosen === 'string' && Object.hasOwn(variants.byValue, chosen) ? variants.byValue[chosen] : undefined;
  if (own !== undefined) return { known: { ...item.fields, ...own }, checked: { ...item.fields, ...own } };
  const every = Object.values(variants.byValue).reduce<Record<string, FieldDef>>((acc, f) => ({ ...acc, ...f }), {});
  return { known: { ...item.fields, ...every }, checked: { ...item.fields } };
}

function toBoolean(value: unknown): boolean | typeof INVALID {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') return parseBooleanText(value) ?? INVALID;
  return INVALID;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isAbsolutePath(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('/') && !value.includes('\0');
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
