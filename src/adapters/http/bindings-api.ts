/**
 * Routes of GCP-style IAM policies (under `/v1/`, SigV4 service `gatehouse`; DESIGN.md "GCP-style names"):
 *   GET /v1/iam-policies?resource=R   → {resource, account, version, bindings, etag} (empty bindings when none)
 *   GET /v1/iam-policies?limit=&after= → {iamPolicies: [...], next?}: a page of the caller's account's policies that
 *       it may read, `limit` (1–1,000, default 100) after the policy of resource `after`, in the order of their store
 *       keys (the account's own, then ARNs, then workspaces, each by name); `next`, the last one's resource, while
 *       more follow: pass it as `after` for the following page. An unknown parameter, one given twice, or `limit` or
 *       `after` with `resource` is refused (400, naming it), so a misspelt one does not list every policy.
 *   PUT /v1/iam-policies {resource, bindings, etag?, version?, account?} → the policy as stored, with its new etag
 *       (what GET answers may be sent back edited: an `account` must be the policy's own);
 *       a stale etag is 409 `ConcurrentModification` (ETAG_MISMATCH), never merged; empty bindings remove it.
 * The rules (who may read and write, ownership, the chain a policy takes part in) are src/app/bindings.ts's.
 */
import { failWith, ok, type Result } from '../../core/errors.ts';
import { shortName } from '../../core/directory/rules.ts';
import { IAM_POLICIES_PAGE_MAX, type IamPoliciesQuery } from '../../app/bindings.ts';
import type { ExtraRoute } from './admin-api.ts';

/** What `GET /v1/iam-policies` asks: one policy (`resource`), or a page of them (`limit`, `after`). */
function listQueryOf(query: URLSearchParams): Result<{ resource: string } | { page: IamPoliciesQuery }> {
  const known = ['resource', 'limit', 'after'];
  for (const k of query.keys()) if (!known.includes(k)) return failWith('VALIDATION_ERROR', `unknown parameter \`${shortName(k)}\`; \`GET /v1/iam-policies\` takes resource (one policy), or limit and after (a page of them)`, k);
  for (const k of known) if (query.getAll(k).length > 1) return failWith('VALIDATION_ERROR', `\`${k}\` is given more than once`, k);
  const resource = query.get('resource');
  const limit = query.get('limit');
  const after = query.get('after');
  if (resource !== null) {
    const paging = limit !== null ? 'limit' : after !== null ? 'after' : undefined;
    if (paging !== undefined) return failWith('VALIDATION_ERROR', `\`${paging}\` pages the listing: it does not go with \`resource\`, which reads one policy`, paging);
    return ok({ resource });
  }
  const page: { -readonly [K in keyof IamPoliciesQuery]: IamPoliciesQuery[K] } = {};
  if (limit !== null) {
    // Digits only: `Number` read `1e3` as 1000, `0x10` as 16 and ` 5` as 5.
    if (!/^[0-9]{1,7}$/.test(limit)) return failWith('VALIDATION_ERROR', `\`limit\` must be a whole number from 1 to ${IAM_POLICIES_PAGE_MAX}, got \`${shortName(limit)}\``, 'limit');
    page.limit = Number(limit);
  }
  // An empty `after` is the start, as an empty `after` of `GET /v1/audit` and `next` of `GET /v1/jobs`.
  if (after !== null && after !== '') page.after = after;
  return ok({ page });
}

export function bindingsRoutes(): ExtraRoute[] {
  return [
    {
      method: 'GET',
      pattern: ['iam-policies'],
      handler: async ({ app, caller, query }) => {
        const q = listQueryOf(query);
        if (!q.ok) return q;
        if ('page' in q.value) {
          const page = app.bindings.listPolicyPage(caller, q.value.page);
          return page.ok ? ok({ body: page.value }) : page;
        }
        const r = await app.bindings.getPolicy(caller, q.value.resource);
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
