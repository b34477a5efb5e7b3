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

export function decide(compiled: CompiledBindings | readonly CompiledBindings[], request: DecideRequest, options: DecideOptions = {}): BindingsDecision {
  const sets: readonly CompiledBindings[] = 'byMember' in compiled ? [compiled] : compiled;
  const explain = options.explain === true;
  const { principal, permission } = request;
  const members = principalMembers(principal);
  let env: ConditionEnv | undefined;
  let diagnostics: string[] | undefined;
  const note = (d: string): void => {
    if (diagnostics === undefined) diagnostics = [d];
    else if (!diagnostics.includes(d)) diagnostics.push(d);
  };
  if (!principal.authenticated && (principal.user !== undefined || principal.serviceAccount !== undefined || principal.principalUri !== undefined || principal.groups.length > 0)) {
    note('the principal is not authenticated: only bindings to allUsers apply, whatever identity it names');
  }
  if (principal.principalUri !== undefined && !principal.principalUri.startsWith('principal://')) {
    note(`principal URI \`${principal.principalUri}\` is not a \`principal://\` URI and matches no member`);
  }

  let matched: MatchedBinding[] | undefined;
  let reasons: string[] | undefined;
  const seen = explain ? new Set<CompiledBinding>() : undefined;

  for (const member of members) {
    for (const set of sets) {
      const list = set.byMember.get(member);
      if (list === undefined) continue;
      for (const b of list) {
        if (seen !== undefined) {
          if (seen.has(b)) continue;
          seen.add(b);
        }
        const perms = b.permissions;
        if (perms === undefined) {
          if (b.roleProblem !== undefined) note(b.roleProblem);
          continue;
        }
        if (!perms.has(permission)) continue;
        if (b.conditionProblem !== undefined) {
          note(b.conditionProblem);
          continue;
        }
        if (b.condition !== undefined) {
          env ??= { time: request.time, resource: request.resource };
          const r = b.condition.evaluate(env);
          if (r !== true) {
            if (r instanceof EvalFailure) note(conditionFailure(b, r.error));
            continue;
          }
        }
        const m: MatchedBinding = { resource: b.resource, index: b.index, role: b.role, member };
        const reason = reasonOf(b, member);
        if (!explain) return { verdict: 'allow', reasons: [reason], diagnostics: diagnostics ?? NONE, matched: [m] };
        (matched ??= []).push(m);
        (reasons ??= []).push(reason);
      }
    }
  }
  if (matched !== undefined && reasons !== undefined) return { verdict: 'allow', reasons, diagnostics: diagnostics ?? NONE, matched };
  return {
    verdict: 'no-opinion',
    reasons: [`no binding grants \`${permission}\` on \`${request.resource.name}\` to ${whoIs(principal)}`],
    diagnostics: diagnostics ?? NONE,
    matched: NONE,
  };
}
