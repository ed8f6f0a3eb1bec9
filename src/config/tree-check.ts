/**
 * Walks the schema over the parsed file and reports every unknown key and
 * every invalid value with its exact path and origin, returning the
 * normalised tree. Each leaf's value is its environment variable when set
 * (VIPD_*, which wins over the file), else the file's, else the schema
 * default; strings from either place are read by the same checker.
 */
import { checkValue, CheckContext, INVALID, isMapping } from './check-value';
import { childPath, ConfigProblem, invalidValue, unknownKey } from './problems';
import { isLeaf, LeafDef, SCHEMA, SchemaNode } from './schema';

export interface TreeCheckResult {
  /** Normalised values; a leaf that failed holds its schema default so later checks can still run. */
  readonly tree: Record<string, unknown>;
  /** Dotted paths of leaves that failed; checks reading them are skipped. */
  readonly invalidKeys: ReadonlySet<string>;
}

export function checkTree(raw: unknown, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): TreeCheckResult {
  const tree: Record<string, unknown> = {};
  const invalidKeys = new Set<string>();
  const resolveRef = (key: string): unknown => (invalidKeys.has(key) ? undefined : lookupKey(tree, key));
  walk(SCHEMA, raw, '', tree, { problems, invalidKeys, env, resolveRef });
  return { tree, invalidKeys };
}

interface WalkState {
  readonly problems: ConfigProblem[];
  readonly invalidKeys: Set<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly resolveRef: (key: string) => unknown;
}

function walk(node: SchemaNode, raw: unknown, path: string, out: Record<string, unknown>, state: WalkState): void {
  const keys = Object.keys(node);
  // An absent section is all defaults; anything else that is not a mapping is reported.
  const section = raw === undefined ? {} : raw;
  const given = isMapping(section) ? section : {};
  if (!isMapping(section)) state.problems.push(invalidValue(path, raw, `a mapping with keys ${keys.join(', ')}`));
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(node, key)) state.problems.push(unknownKey(childPath(path, key), keys));
  }
  for (const [key, child] of Object.entries(node)) {
    const childKey = childPath(path, key);
    if (isLeaf(child)) {
      out[key] = checkLeaf(child, given[key], childKey, isMapping(section), state);
    } else {
      const sub: Record<string, unknown> = {};
      out[key] = sub;
      walk(child, given[key], childKey, sub, state);
    }
  }
}

function checkLeaf(leaf: LeafDef<unknown>, value: unknown, path: string, parentValid: boolean, state: WalkState): unknown {
  // A parent that is not a mapping was reported already; its leaves fall back silently.
  if (!parentValid) {
    state.invalidKeys.add(path);
    return leaf.default;
  }
  const envText = leaf.env === undefined ? undefined : state.env[leaf.env];
  const fromEnv = envText === undefined ? undefined : `env ${leaf.env}`;
  const effective = envText ?? (value === undefined ? leaf.default : value);
  // A required key's default is null: absent (or written as null), it is missing, not invalid.
  const missing = effective === null && leaf.default === null && leaf.vipd.kind !== 'nullable';
  const ctx: CheckContext =
    fromEnv === undefined
      ? { problems: state.problems, resolveRef: state.resolveRef }
      : { problems: state.problems, resolveRef: state.resolveRef, source: fromEnv };
  const checked = checkValue(leaf.vipd, missing ? undefined : effective, path, ctx);
  if (checked !== INVALID) return checked;
  state.invalidKeys.add(path);
  return leaf.default;
}

export function lookupKey(tree: Record<string, unknown>, dotted: string): unknown {
  let node: unknown = tree;
  for (const part of dotted.split('.')) {
    if (!isMapping(node)) return undefined;
    node = node[part];
  }
  return node;
}
