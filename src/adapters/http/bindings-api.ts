/**
 * Routes of GCP-style IAM policies (under `/v1/`, SigV4 service `gatehouse`; DESIGN.md "GCP-style names"):
 *   GET /v1/iam-policies?resource=R   → {resource, account, version, bindings, etag} (empty bindings when none)
 *   GET /v1/iam-policies              → {iamPolicies: [...]} of the caller's account
 *   PUT /v1/iam-policies {resource, bindings, etag?, version?, account?} → the policy as stored, with its new etag
 *       (what GET answers may be sent back edited: an `account` must be the policy's own);
 *       a stale etag is 409 `ConcurrentModification` (ETAG_MISMATCH), never merged; empty bindings remove it.
 * The rules (who may read and write, ownership, the chain a policy takes part in) are src/app/bindings.ts's.
 */
import { ok } from '../../core/errors.ts';
import type { ExtraRoute } from './admin-api.ts';

export function bindingsRoutes(): ExtraRoute[] {
  return [
    {
      method: 'GET',
      pattern: ['iam-policies'],
      handler: async ({ app, caller, query }) => {
        const resource = query.get('resource');
        if (resource === null) return ok({ body: { iamPolicies: app.bindings.listPolicies(caller) } });
        const r = await app.bindings.getPolicy(caller, resource);
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'PUT',
      pattern: ['iam-policies'],
      handler: async ({ app, caller, body }) => {
        const r = await app.bindings.setPolicy(caller, body);
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
  ];
}
