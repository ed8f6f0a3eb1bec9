/**
 * Walks the schema over what convict loaded (file + defaults + environment)
 * and reports every unknown key and every invalid value with its exact path
 * and origin. convict's own validate() would stop at one message string per
 * key and cannot see inside list items; this walk returns structured
 * problems and the normalised tree.
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

export interface TreeCheckOptions {
  /** Check only the keys present (a raw file without defaults); absent keys are not "missing". */
  readonly partial?: boolean;
}

export function checkTree(raw: unknown, env: NodeJS.ProcessEnv, problems: ConfigProblem[], options: TreeCheckOptions = {}): TreeCheckResult {
  const tree: Record<string, unknown> = {};
  const invalidKeys = new Set<string>();
  const resolveRef = (key: string): unknown => (invalidKeys.has(key) ? undefined : lookupKey(tree, key));
  walk(SCHEMA, raw, '', tree, { problems, invalidKeys, env, resolveRef, partial: options.partial === true });
  return { tree, invalidKeys };
}

interface WalkState {
  readonly problems: ConfigProblem[];
  readonly invalidKeys: Set<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly resolveRef: (key: string) => unknown;
  readonly partial: boolean;
}

function walk(node: SchemaNode, raw: unknown, path: string, out: Record<string, unknown>, state: WalkState): void {
  const keys = Object.keys(node);
  const given = isMapping(raw) ? raw : {};
  if (!isMapping(raw)) state.problems.push(invalidValue(path, raw, `a mapping with keys ${keys.join(', ')}`));
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(node, key)) state.problems.push(unknownKey(childPath(path, key), keys));
  }
  for (const [key, child] of Object.entries(node)) {
    const childKey = childPath(path, key);
    if (state.partial && given[key] === undefined) continue;
    if (isLeaf(child)) {
      out[key] = checkLeaf(child, given[key], childKey, isMapping(raw), state);
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
  // convict stores "no value" for a required key as its null default: report it as missing.
  const missing = value === null && leaf.default === null && leaf.vipd.kind !== 'nullable';
  const fromEnv = leaf.env !== undefined && state.env[leaf.env] !== undefined ? `env ${leaf.env}` : undefined;
  const ctx: CheckContext = fromEnv === undefined ? { problems: state.problems, resolveRef: state.resolveRef } : { problems: state.problems, resolveRef: state.resolveRef, source: fromEnv };
  const checked = checkValue(leaf.vipd, missing ? undefined : value, path, ctx);
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
