/**
 * Routes of the authorize API and of resource policies (under `/v1/`, SigV4 service `gatehouse`):
 *   POST   /v1/authorize        {principal?, action, resource, context?} → {decision, reasons, matched, diagnostics, evaluationMicros}
 *   POST   /v1/authorize:batch  {requests: [...]} (≤ 1,000) → {results: [...]} in order
 *   POST   /v1/simulate         the same question, answered by the same code path, recorded nowhere
 *   POST   /v1/who-can          {action, resource, context?} → every user and role of the caller's account allowed it
 *   POST   /v1/escalation-paths {principal?, context?} → what a user or role (or each of the account's) can come to
 *                                act as, and the ways to more rights (src/app/escalation.ts)
 *   GET    /v1/resource-policies                 GET|PUT|DELETE /v1/resource-policies/{resource ARN, encoded}
 */
import { failWith, ok, type Result } from '../../core/errors.ts';
import type { App, Caller } from '../../app/index.ts';
import { authorizeAdmin } from '../../app/principals.ts';
import { ResourcePolicies, resourcePolicyKey, type StoredResourcePolicy } from '../../app/resource-policies.ts';
import { questionOf } from '../../app/authorize.ts';

interface Ctx {
  readonly app: App;
  readonly caller: Caller;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
}

interface Route {
  readonly method: string;
  readonly pattern: readonly string[];
  readonly handler: (ctx: Ctx) => Promise<Result<{ status?: number; body: unknown }>>;
}

/** Who may attach a policy to a resource: the owning account's principals allowed `gatehouse:PutResourcePolicy` on it. */
function mayManage(app: App, caller: Caller, action: string, resource: string): Result<unknown> {
  const owner = app.resourcePolicies.ownerOf(resource);
  if (owner !== undefined && owner !== caller.account) return failWith('ACCESS_DENIED', `resource ${resource} belongs to account ${owner}; only that account may manage its policy`);
  return authorizeAdmin(caller, app.deps.now(), `gatehouse:${action}`, resource);
}

export function authorizeRoutes(): Route[] {
  const decide: Route['handler'] = async ({ app, caller, body }) => {
    const q = questionOf(body);
    if (!q.ok) return q;
    const r = await app.authorizer.authorize(caller, q.value);
    return r.ok ? ok({ body: r.value }) : r;
  };
  return [
    { method: 'POST', pattern: ['authorize'], handler: decide },
    {
      method: 'POST',
      pattern: ['simulate'],
      handler: async ({ app, caller, body }) => {
        const q = questionOf(body);
        if (!q.ok) return q;
        const r = await app.authorizer.simulate(caller, q.value);
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['who-can'],
      handler: async ({ app, caller, body }) => {
        const q = questionOf(body);
        if (!q.ok) return q;
        const input = q.value;
        if (input.principal !== undefined) return failWith('VALIDATION_ERROR', '`principal` is not a field of who-can: every user and role of your account is asked about', 'principal');
        const r = await app.whoCan(caller, input);
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['escalation-paths'],
      handler: async ({ app, caller, body }) => {
        for (const k of Object.keys(body)) {
          if (k !== 'principal' && k !== 'context') return failWith('VALIDATION_ERROR', `unknown field \`${k}\`: escalation-paths takes \`principal\` and \`context\``, k);
        }
        const principal = body['principal'];
        if (principal !== undefined && (typeof principal !== 'string' || principal === '')) return failWith('VALIDATION_ERROR', '`principal` must be the ARN of a user or role of your account', 'principal');
        const context = body['context'];
        if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) return failWith('VALIDATION_ERROR', '`context` must be an object: {KEY: VALUE or [VALUES]}', 'context');
        const r = await app.escalation(caller, { ...(principal !== undefined ? { principal } : {}), ...(context !== undefined ? { context: context as Record<string, unknown> } : {}) });
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['authorize:batch'],
      handler: async ({ app, caller, body }) => {
        // The envelope too: a top-level `principal` would be dropped and every item decided for the signing caller.
        for (const k of Object.keys(body)) {
          if (k !== 'requests') return failWith('VALIDATION_ERROR', `unknown field \`${k}\`: a batch is {"requests": [...]}, each request naming its own \`principal\``, k);
        }
        const r = await app.authorizer.authorizeBatch(caller, body['requests']);
        return r.ok ? ok({ body: { results: r.value } }) : r;
      },
    },
    {
      method: 'GET',
      pattern: ['resource-policies'],
      handler: async ({ app, caller }) => ok({ body: { resourcePolicies: app.resourcePolicies.list(caller.account).map((p) => ({ ...p, document: JSON.parse(p.document) as unknown })) } }),
    },
    {
      method: 'GET',
      pattern: ['resource-policies', ':resource'],
      handler: async ({ app, caller, params }) => {
        const p = app.resourcePolicies.get(params['resource'] ?? '');
        if (!p || p.account !== caller.account) return failWith('NO_SUCH_ENTITY', `no resource policy on ${params['resource']}`);
        return ok({ body: { ...p, document: JSON.parse(p.document) as unknown } });
      },
    },
    {
      method: 'PUT',
      pattern: ['resource-policies', ':resource'],
      handler: async ({ app, caller, params, body }) => {
        const resource = params['resource'] ?? '';
        const a = mayManage(app, caller, 'PutResourcePolicy', resource);
        if (!a.ok) return a;
        const doc = body['document'];
        const text = typeof doc === 'string' ? doc : JSON.stringify(doc ?? null);
        const r = await app.deps.store.write<Result<StoredResourcePolicy>>(async (tx, abort) => {
          const put = await ResourcePolicies.put(app.deps, tx, { resource, account: caller.account, document: text });
          if (!put.ok) abort(put);
          return put;
        });
        if (!r.ok) return r;
        await app.refresh();
        return ok({ body: { ...r.value, document: JSON.parse(r.value.document) as unknown } });
      },
    },
    {
      method: 'DELETE',
      pattern: ['resource-policies', ':resource'],
      handler: async ({ app, caller, params }) => {
        const resource = params['resource'] ?? '';
        const a = mayManage(app, caller, 'DeleteResourcePolicy', resource);
        if (!a.ok) return a;
        const existing = app.resourcePolicies.get(resource);
        if (!existing || existing.account !== caller.account) return failWith('NO_SUCH_ENTITY', `no resource policy on ${resource}`);
        await app.deps.store.write((tx) => tx.kv.delete(resourcePolicyKey(resource)));
        await app.refresh();
        return ok({ status: 204, body: null });
      },
    },
  ];
}
