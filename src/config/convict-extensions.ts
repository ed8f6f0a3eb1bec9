/**
 * convict keeps formats and parsers in module-level registries; registering
 * is the only side effect convict allows for them. The loader calls
 * registerConvictExtensions() on every load: re-registering the same
 * functions is harmless, and importing this module registers nothing.
 *
 * convict's own coercions are wrong for us ("0" and "no" become true for
 * Boolean; parseInt("6000abc") is 6000; moment reads "10s" as 10 ms), so
 * every vipd format brings its own: a string is converted only when it is
 * exactly right, otherwise it is left as is for the validator to reject.
 */
import convict from 'convict';
import { parse as parseYaml } from 'yaml';
import { checkValue, isMapping, parseBooleanText, parseIntegerText } from './check-value';
import { tryParseDuration } from './duration';
import { ConfigProblem } from './problems';
import { convictFormatName } from './schema';
import { baseKind, ValueKind, ValueSpec } from './value-spec';

/** Thrown by our parsers so the loader can tell a malformed file from other failures. */
export class ConfigParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigParseError';
  }
}

const COERCE: Partial<Record<ValueKind, (text: string) => unknown>> = {
  boolean: (text) => parseBooleanText(text) ?? text,
  int: (text) => parseIntegerText(text) ?? text,
  duration: (text) => {
    const parsed = tryParseDuration(text);
    return parsed.ok ? parsed.ms : text;
  },
};

const KINDS: readonly ValueKind[] = ['boolean', 'int', 'duration', 'string', 'enum', 'ip', 'host', 'path', 'url', 'argv', 'strings', 'ports', 'list', 'object'];

export function registerConvictExtensions(): void {
  for (const kind of KINDS) {
    const coerce = COERCE[kind];
    const format: convict.Format = { name: convictFormatName(kind), validate: validateLeaf };
    convict.addFormat(coerce === undefined ? format : { ...format, coerce });
  }
  convict.addParser([
    { extension: ['yml', 'yaml'], parse: parseYamlDocument },
    { extension: 'json', parse: parseJsonDocument },
  ]);
}

/**
 * convict's validate() is the loader's second line of defence: the loader's
 * own walk (tree-check.ts) has already reported every problem with its path.
 * Lists and mappings are only shape-checked here, because their items need
 * context (defaults taken from other keys) that a convict format cannot see.
 */
function validateLeaf(value: unknown, schema: convict.SchemaObj): void {
  const s: unknown = schema['vipd'];
  if (!isValueSpec(s)) throw new Error('internal: schema leaf without a vipd spec');
  const kind = baseKind(s);
  if (kind === 'list' || kind === 'object') {
    const shapeOk = kind === 'list' ? Array.isArray(value) : isMapping(value);
    if (!shapeOk && !(value === null && s.kind === 'nullable')) throw new Error(`must be a ${kind === 'list' ? 'list' : 'mapping'}`);
    return;
  }
  const problems: ConfigProblem[] = [];
  checkValue(s, value, '', { problems, resolveRef: () => undefined });
  const [first] = problems;
  if (first !== undefined) throw new Error(`expected ${first.expected}`);
}

function isValueSpec(value: unknown): value is ValueSpec {
  return isMapping(value) && typeof value['kind'] === 'string';
}

export function parseYamlDocument(text: string): unknown {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    // yaml's first line already says where: "... at line 3, column 7:".
    const firstLine = e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
    throw new ConfigParseError(`malformed YAML: ${firstLine.replace(/:$/, '')}`);
  }
  return requireMapping(doc);
}

export function parseJsonDocument(text: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigParseError(`malformed JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return requireMapping(doc);
}

/** An empty file is "nothing set" (convict skips it); a scalar or list at the top is an error. */
function requireMapping(doc: unknown): unknown {
  if (doc === null || doc === undefined || isMapping(doc)) return doc;
  throw new ConfigParseError(`the top level must be a mapping of keys (node, heartbeat, groups, ...), not ${Array.isArray(doc) ? 'a list' : typeof doc}`);
}
