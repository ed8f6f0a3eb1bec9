/**
 * The two file formats a configuration may be written in, chosen by the
 * file's extension (loader.ts). Both yield the document's top-level mapping,
 * or null for an empty file ("nothing set": every key takes its default).
 */
import { parse as parseYaml } from 'yaml';
import { isMapping } from './check-value';

/** Thrown by our parsers so the loader can tell a malformed file from other failures. */
export class ConfigParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigParseError';
  }
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

/** An empty file is "nothing set"; a scalar or list at the top is an error. */
function requireMapping(doc: unknown): unknown {
  if (doc === null || doc === undefined || isMapping(doc)) return doc;
  throw new ConfigParseError(`the top level must be a mapping of keys (node, heartbeat, groups, ...), not ${Array.isArray(doc) ? 'a list' : typeof doc}`);
}
