/**
 * The RBAC engine behind the authorizer contract (src/core/authorizer): allow → allow, no opinion → no
 * opinion; RBAC never denies, so a request no engine allows is denied by the union's default.
 *
 * Bindings to missing roles are reported among the reasons, prefixed `RBAC:`, and not as `errors`: upstream's
 * RBAC authorizer returns NoOpinion with them in its reason and no error, so the union goes on to the next
 * authorizer. In Gatehouse's union an error fails closed, and a dangling binding — which grants nothing, and
 * which Kubernetes allows (a binding may be created before its role) — would then deny every request of every
 * user it names, even those another binding or engine allows.
 */
import type { Authorizer, AuthorizerResult } from '../authorizer/index.ts';
import type { CompiledRbac } from './compile.ts';
import type { RbacAttributes, RbacDecision } from './types.ts';

export function rbacResult(d: RbacDecision): AuthorizerResult {
  const notes = d.errors.map((e) => `RBAC: ${e.message}`);
  if (d.verdict === 'allow') return { verdict: 'allow', reasons: notes.length === 0 ? d.reasons : [...d.reasons, ...notes], errors: [] };
  return { verdict: 'no-opinion', reasons: notes, errors: [] };
}

/** An authorizer over one compiled cluster; `name` defaults to `rbac`. */
export function rbacAuthorizer(cluster: CompiledRbac, name = 'rbac'): Authorizer<RbacAttributes> {
  return { name, authorize: (attrs) => rbacResult(cluster.authorize(attrs)) };
}
