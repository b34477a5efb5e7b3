/**
 * Routes of the audit log (under `/v1/`, SigV4 service `gatehouse`); readers need `gatehouse:ReadAudit` (the
 * root account's administrators have it; other accounts' principals see their own account's records):
 *   GET /v1/audit?principal=&role=&job=&action=&decision=&kind=&since=&until=&after=&limit=
 *       → {records: [...], next?}: oldest first; pass `next` as `after` for the following page
 *   GET /v1/audit/verify   → {ok, checked, head, base, broken?}   (root account only: the whole chain)
 *   GET /v1/audit/status   → {backlog, healthy, written, failures, dropped, policy}
 * `since`/`until` take ISO-8601 times or durations back from now (`15m`, `24h`, `7d`).
 */
import { failWith, ok, type Result } from '../../core/errors.ts';
import type { AuditFilter, AuditKind } from '../../core/audit/index.ts';
import type { App, Caller } from '../../app/index.ts';
import { authorizeAdmin } from '../../app/principals.ts';
import { auditArn, READ_AUDIT } from '../../app/audit.ts';
import { clusterArn, workspaceArn } from '../../core/jobs/jobs.ts';

interface Ctx {
  readonly app: App;
  readonly caller: Caller;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

interface Route {
  readonly method: string;
  readonly pattern: readonly string[];
  readonly handler: (ctx: Ctx) => Promise<Result<{ status?: number; body: unknown }>>;
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO time, or a duration back from `now`; as the ISO text the store compares. */
export function timeOf(value: string, now: number, field: string): Result<string> {
  const d = DURATION.exec(value);
  if (d) return ok(new Date(now - Number(d[1]) * (UNIT_MS[d[2] as string] as number)).toISOString());
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) return failWith('VALIDATION_ERROR', `\`${field}\` must be an ISO-8601 time (2024-05-01T12:00:00Z) or a duration back from now (15m, 24h, 7d), got \`${value}\``, field);
  return ok(new Date(t).toISOString());
}

/** The filters of a query string; unknown parameters are refused, so a typo does not silently widen a query. */
export function filterOf(query: URLSearchParams, now: number): Result<{ filter: AuditFilter; after: number; limit: number }> {
  const known = new Set(['principal', 'role', 'job', 'action', 'decision', 'kind', 'since', 'until', 'after', 'limit']);
  for (const k of query.keys()) if (!known.has(k)) return failWith('VALIDATION_ERROR', `unknown parameter \`${k}\`; filters are ${[...known].join(', ')}`, k);
  const filter: { -readonly [K in keyof AuditFilter]: AuditFilter[K] } = {};
  for (const k of ['principal', 'role', 'job', 'action', 'decision'] as const) {
    const v = query.get(k);
    if (v !== null && v !== '') filter[k] = v;
  }
  const kind = query.get('kind');
  if (kind !== null && kind !== '') filter.kind = kind as AuditKind;
  for (const k of ['since', 'until'] as const) {
    const v = query.get(k);
    if (v === null || v === '') continue;
    const t = timeOf(v, now, k);
    if (!t.ok) return t;
    filter[k] = t.value;
  }
  const after = Number(query.get('after') ?? '0');
  const limit = Number(query.get('limit') ?? '100');
  return ok({ filter, after, limit });
}

export function auditRoutes(): Route[] {
  return [
    {
      method: 'GET',
      pattern: ['audit'],
      handler: async ({ app, caller, query }) => {
        const f = filterOf(query, app.deps.now());
        if (!f.ok) return f;
        const page = await app.audit.query(caller, f.value.filter, f.value.after, f.value.limit);
        return page.ok ? ok({ body: page.value }) : page;
      },
    },
    {
      method: 'GET',
      pattern: ['audit', 'verify'],
      handler: async ({ app, caller }) => {
        // Records of the last 100 ms are in the queue: write them first, so the report covers what was done.
        await app.audit.flush();
        const r = await app.audit.verify(caller);
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'GET',
      pattern: ['audit', 'status'],
      handler: async ({ app, caller }) => {
        const a = authorizeAdmin(caller, app.deps.now(), READ_AUDIT, auditArn(caller));
        if (!a.ok) return a;
        return ok({ body: app.audit.status() });
      },
    },
  ];
}

/**
 * Changes that routes make without a use case of the app that records them (workspaces, clusters, resource
 * policies, access entries, webhook credentials), keyed by `METHOD pattern`: the action and resource their
 * record names. Everything else records itself in the app (directory, apply, STS, jobs, revocation).
 */
const EDGE_CHANGES: Readonly<Record<string, { readonly action: string; readonly resource: (ctx: Ctx) => string }>> = {
  'PUT workspaces/:name': { action: 'training:CreateWorkspace', resource: (c) => workspaceArn(c.caller.partition, c.caller.account, c.params['name'] ?? '') },
  'DELETE workspaces/:name': { action: 'training:DeleteWorkspace', resource: (c) => workspaceArn(c.caller.partition, c.caller.account, c.params['name'] ?? '') },
  'PUT clusters/:name': { action: 'training:CreateCluster', resource: (c) => clusterArn(c.caller.partition, c.caller.account, c.params['name'] ?? '') },
  'PUT resource-policies/:resource': { action: 'gatehouse:PutResourcePolicy', resource: (c) => c.params['resource'] ?? '' },
  'DELETE resource-policies/:resource': { action: 'gatehouse:DeleteResourcePolicy', resource: (c) => c.params['resource'] ?? '' },
  'POST clusters/:name/access-entries': { action: 'eks:CreateAccessEntry', resource: (c) => `${clusterArn(c.caller.partition, c.caller.account, c.params['name'] ?? '')}/access-entry/${String(c.body['principalArn'] ?? '')}` },
  'DELETE clusters/:name/access-entries/:arn': { action: 'eks:DeleteAccessEntry', resource: (c) => `${clusterArn(c.caller.partition, c.caller.account, c.params['name'] ?? '')}/access-entry/${c.params['arn'] ?? ''}` },
  'POST clusters/:name/webhook-config': { action: 'gatehouse:WebhookConfig', resource: (c) => clusterArn(c.caller.partition, c.caller.account, c.params['name'] ?? '') },
};

/**
 * Wraps the routes listed in `EDGE_CHANGES`: refused while the audit log cannot be written (fail-closed policy),
 * and recorded — done or refused — with the caller, the action, the resource and the request.
 */
export function recordEdgeChanges<R extends Route>(routes: readonly R[]): R[] {
  return routes.map((route) => {
    const change = EDGE_CHANGES[`${route.method} ${route.pattern.join('/')}`];
    if (!change) return route;
    const handler: Route['handler'] = async (ctx) => {
      const closed = ctx.app.audit.gate('the change is not made');
      if (closed) return closed;
      const r = await route.handler(ctx);
      const error = r.ok ? undefined : r.errors[0];
      if (r.ok || error?.code === 'ACCESS_DENIED') {
        ctx.app.audit.record({
          kind: 'change',
          account: ctx.caller.account,
          principal: ctx.caller.principal.arn,
          action: change.action,
          resource: change.resource(ctx),
          decision: error ? error.code : 'ok',
          ...(ctx.caller.session?.role ? { session: ctx.caller.principal.arn } : {}),
          detail: { request: ctx.body, ...(error ? { error: error.message } : {}) },
        });
      }
      return r;
    };
    return { ...route, handler };
  });
}
