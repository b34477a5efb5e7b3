/**
 * Deciding a request against compiled bindings (policy-semantics.md §A.4): the principal has the permission on
 * the resource iff some binding of the effective policy lists the principal (directly, through a group it
 * belongs to, or through `allUsers`/`allAuthenticatedUsers`), has a role that contains the permission, and has
 * no condition or one that evaluates to true. Bindings are independent. Allow policies only allow: otherwise
 * the engine has no opinion, and the union of engines denies by default.
 *
 * Members a principal matches, in the order they are tried:
 * - an unauthenticated principal: `allUsers` only, whatever identity it claims;
 * - `user:<user>`, `serviceAccount:<serviceAccount>`, its `principal://…` URI, `group:<g>` for each group;
 * - `allAuthenticatedUsers` for an authenticated user or service account — not for a principal known only by
 *   a federated `principal://` URI (GCP excludes federated identities from it);
 * - `allUsers`.
 *
 * A binding whose condition fails to evaluate, or whose role does not exist, does not apply (fail closed); the
 * decision reports it in `diagnostics`. Without `explain`, the first allowing binding decides (bindings are
 * tried member by member as above, and for one member in chain order); with it, every binding is tried, so
 * that the reasons list every allowing binding and the diagnostics every failure.
 */
import { EvalFailure, type ConditionEnv } from './cel.ts';
import type { CompiledBinding, CompiledBindings } from './compile.ts';
import type { BindingsDecision, BindingsPrincipal, DecideRequest, MatchedBinding } from './types.ts';

export interface DecideOptions {
  /** Try every binding and report them all (default false: stop at the first that allows). */
  readonly explain?: boolean;
  /** Bindings with a condition do not apply, whatever it says: what is granted without one (review dv, 1). */
  readonly unconditional?: boolean;
}

const NONE: readonly never[] = Object.freeze([]);

/** The member strings a principal matches, most specific first. */
export function principalMembers(p: BindingsPrincipal): string[] {
  if (!p.authenticated) return ['allUsers'];
  const keys: string[] = [];
  if (p.user !== undefined) keys.push(`user:${p.user}`);
  if (p.serviceAccount !== undefined) keys.push(`serviceAccount:${p.serviceAccount}`);
  // Only a principal:// URI: anything else here could impersonate another kind of member.
  if (p.principalUri !== undefined && p.principalUri.startsWith('principal://')) keys.push(p.principalUri);
  for (const g of p.groups) keys.push(`group:${g}`);
  if (p.user !== undefined || p.serviceAccount !== undefined) keys.push('allAuthenticatedUsers');
  keys.push('allUsers');
  return keys;
}

function whoIs(p: BindingsPrincipal): string {
  if (!p.authenticated) return 'an unauthenticated caller';
  if (p.user !== undefined) return `user:${p.user}`;
  if (p.serviceAccount !== undefined) return `serviceAccount:${p.serviceAccount}`;
  if (p.principalUri !== undefined) return p.principalUri;
  return 'the caller';
}

function reasonOf(b: CompiledBinding, member: string): string {
  const base = `allowed by binding of ${b.role} to ${member} on ${b.resource}`;
  if (b.condition === undefined) return base;
  return b.conditionTitle !== undefined ? `${base} (condition "${b.conditionTitle}" holds)` : `${base} (its condition holds)`;
}

function conditionFailure(b: CompiledBinding, error: string): string {
  const title = b.conditionTitle !== undefined ? ` "${b.conditionTitle}"` : '';
  return `condition${title} of binding ${b.index} (${b.role}) on ${b.resource} failed to evaluate, so the binding does not apply: ${error}`;
}

/** Why a binding that would grant the permission did not: its condition is false now. */
function conditionFalse(b: CompiledBinding): string {
  const title = b.conditionTitle !== undefined ? ` "${b.conditionTitle}"` : '';
  return `condition${title} of binding ${b.index} (${b.role}) on ${b.resource} is false for this request, so the binding does not apply`;
}

/** The state of one decision; one object, so that the no-opinion path allocates little. */
interface Scan {
  readonly request: DecideRequest;
  readonly explain: boolean;
  readonly unconditional: boolean;
  readonly seen: Set<CompiledBinding> | undefined;
  env: ConditionEnv | undefined;
  diagnostics: string[] | undefined;
  matched: MatchedBinding[] | undefined;
  /** When explaining: the bindings whose condition is false (`BindingsDecision.notMet`). */
  notMet: MatchedBinding[] | undefined;
  reasons: string[] | undefined;
  /** When explaining: roles the principal holds here that lack the permission. */
  held: Set<string> | undefined;
}

function note(s: Scan, d: string): void {
  if (s.diagnostics === undefined) s.diagnostics = [d];
  else if (!s.diagnostics.includes(d)) s.diagnostics.push(d);
}

/** Tries the bindings of one member (`prefix` + `name` as written in the policy); true when one allows. */
function scan(s: Scan, list: readonly CompiledBinding[], prefix: string, name: string): boolean {
  const permission = s.request.permission;
  let allowed = false;
  for (const b of list) {
    if (s.seen !== undefined) {
      if (s.seen.has(b)) continue;
      s.seen.add(b);
    }
    const perms = b.permissions;
    if (perms === undefined) {
      if (b.roleProblem !== undefined) note(s, b.roleProblem);
      continue;
    }
    if (!perms.has(permission)) {
      if (s.explain) (s.held ??= new Set()).add(b.role);
      continue;
    }
    if (b.conditionProblem !== undefined) {
      note(s, b.conditionProblem);
      continue;
    }
    if (b.condition !== undefined) {
      if (s.unconditional) continue;
      s.env ??= { time: s.request.time, resource: s.request.resource };
      const r = b.condition.evaluate(s.env);
      if (r !== true) {
        if (r instanceof EvalFailure) note(s, conditionFailure(b, r.error));
        else if (s.explain) {
          note(s, conditionFalse(b));
          (s.notMet ??= []).push({ resource: b.resource, index: b.index, role: b.role, member: prefix + name, condition: b.condition.expression });
        }
        continue;
      }
    }
    const member = prefix + name;
    (s.matched ??= []).push(b.condition !== undefined ? { resource: b.resource, index: b.index, role: b.role, member, condition: b.condition.expression } : { resource: b.resource, index: b.index, role: b.role, member });
    (s.reasons ??= []).push(reasonOf(b, member));
    allowed = true;
    if (!s.explain) return true;
  }
  return allowed && !s.explain;
}

export function decide(compiled: CompiledBindings | readonly CompiledBindings[], request: DecideRequest, options: DecideOptions = {}): BindingsDecision {
  const sets: readonly CompiledBindings[] = 'byMember' in compiled ? [compiled] : compiled;
  const explain = options.explain === true;
  const p = request.principal;
  const s: Scan = { request, explain, unconditional: options.unconditional === true, seen: explain ? new Set() : undefined, env: undefined, diagnostics: undefined, matched: undefined, notMet: undefined, reasons: undefined, held: undefined };
  const uri = p.principalUri !== undefined && p.principalUri.startsWith('principal://') ? p.principalUri : undefined;
  if (!p.authenticated && (p.user !== undefined || p.serviceAccount !== undefined || p.principalUri !== undefined || p.groups.length > 0)) {
    note(s, 'the principal is not authenticated: only bindings to allUsers apply, whatever identity it names');
  }
  if (p.principalUri !== undefined && uri === undefined) note(s, `principal URI \`${p.principalUri}\` is not a \`principal://\` URI and matches no member`);

  // Members in the order of principalMembers(); for each, the sets in chain order.
  found: if (p.authenticated) {
    if (p.user !== undefined) {
      for (const set of sets) {
        const l = set.byKind.user.get(p.user);
        if (l !== undefined && scan(s, l, 'user:', p.user)) break found;
      }
    }
    if (p.serviceAccount !== undefined) {
      for (const set of sets) {
        const l = set.byKind.serviceAccount.get(p.serviceAccount);
        if (l !== undefined && scan(s, l, 'serviceAccount:', p.serviceAccount)) break found;
      }
    }
    if (uri !== undefined) {
      for (const set of sets) {
        const l = set.byKind.principal.get(uri);
        if (l !== undefined && scan(s, l, '', uri)) break found;
      }
    }
    for (const g of p.groups) {
      for (const set of sets) {
        const l = set.byKind.group.get(g);
        if (l !== undefined && scan(s, l, 'group:', g)) break found;
      }
    }
    if (p.user !== undefined || p.serviceAccount !== undefined) {
      for (const set of sets) {
        const l = set.byKind.allAuthenticatedUsers;
        if (l.length > 0 && scan(s, l, 'allAuthenticatedUsers', '')) break found;
      }
    }
  }
  if (s.matched === undefined || explain) {
    for (const set of sets) {
      const l = set.byKind.allUsers;
      if (l.length > 0 && scan(s, l, 'allUsers', '')) break;
    }
  }

  const diagnostics = s.diagnostics ?? NONE;
  if (s.matched !== undefined && s.reasons !== undefined) return { verdict: 'allow', reasons: s.reasons, diagnostics, matched: s.matched };
  const held = s.held !== undefined && s.held.size > 0 ? `; the role${s.held.size === 1 ? '' : 's'} it holds here (${[...s.held].join(', ')}) ${s.held.size === 1 ? 'does' : 'do'} not include it` : '';
  const reasons = [`no binding grants \`${request.permission}\` on \`${request.resource.name}\` to ${whoIs(p)}${held}`];
  return s.notMet !== undefined ? { verdict: 'no-opinion', reasons, diagnostics, matched: NONE, notMet: s.notMet } : { verdict: 'no-opinion', reasons, diagnostics, matched: NONE };
}
