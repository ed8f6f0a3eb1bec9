import { VipdError } from '../../../src/errors';

/**
 * The part of IAM policy evaluation an instance role's identity policy
 * needs: Allow/Deny statements of Action and Resource patterns (`*` and `?`
 * wildcards, case-insensitive actions, case-sensitive ARNs). A call is
 * allowed when no statement denies it and every resource it touches is
 * allowed by a statement naming its action. Conditions, NotAction and
 * NotResource are refused when the policy is loaded: a lab that silently
 * ignored them would allow what AWS denies.
 */
export interface IamStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface IamPolicy {
  readonly statements: readonly IamStatement[];
}

export type IamDecision = { readonly allowed: true } | { readonly allowed: false; readonly resource: string };

export function parseIamPolicy(input: unknown, where = 'policy'): IamPolicy {
  const doc = asObject(input, where);
  if (doc.Version !== '2012-10-17') fail(where, 'Version must be "2012-10-17"');
  const raw = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const statements = raw.map((s, i): IamStatement => {
    const at = `${where}.Statement[${i}]`;
    const st = asObject(s, at);
    for (const unsupported of ['Condition', 'NotAction', 'NotResource', 'Principal', 'NotPrincipal']) {
      if (st[unsupported] !== undefined) fail(at, `${unsupported} is not evaluated by the lab`);
    }
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') fail(`${at}.Effect`, 'must be Allow or Deny');
    return { effect: st.Effect, actions: strings(st.Action, `${at}.Action`), resources: strings(st.Resource, `${at}.Resource`) };
  });
  if (statements.length === 0) fail(where, 'has no statement');
  return { statements };
}

/**
 * `resources`: the ARNs the call acts on, or ["*"] for an action without
 * resource-level permissions (only a statement whose Resource matches the
 * literal "*", i.e. is "*", allows it).
 */
export function evaluateIam(policy: IamPolicy, action: string, resources: readonly string[]): IamDecision {
  const matchesAction = (s: IamStatement): boolean => s.actions.some((p) => glob(p.toLowerCase(), action.toLowerCase()));
  for (const resource of resources) {
    const applicable = policy.statements.filter((s) => matchesAction(s) && s.resources.some((p) => glob(p, resource)));
    if (applicable.some((s) => s.effect === 'Deny') || !applicable.some((s) => s.effect === 'Allow')) return { allowed: false, resource };
  }
  return { allowed: true };
}

function glob(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

function strings(v: unknown, where: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' && x !== ''))
    fail(where, 'must be a non-empty string or list of strings');
  return list as string[];
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'must be an object');
  return v as Record<string, unknown>;
}

function fail(where: string, message: string): never {
  throw new VipdError('VIPD_E_CONFIG', `IAM ${where}: ${message}`);
}
