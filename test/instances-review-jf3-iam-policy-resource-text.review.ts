/**
 * Review jf, 3: an IAM policy (bindings, `kind: IamPolicy`, `PUT /v1/iam-policies`) took any resource ARN without
 * whitespace, NUL, other control characters and unpaired surrogates included, though no store keeps those as given.
 * On SQLite, `spec.resource: "arn:aws:training::A:model/m\u0000x"` was read back under the key of `…model/m` (node:sqlite
 * reads text cut at the NUL), and the listing showed it in place of that resource's policy (review jf, 1 made that a
 * refusal naming no field); on PostgreSQL
 * it was a 400 in the database's words naming no field. A lone surrogate (`…model/m\ud800`) was answered "create" and
 * kept under the key of `…model/m\ufffd` on both stores, colliding with the policy of that well-formed name.
 *
 * Why it matters: a write the store cannot keep as given must be refused before it, on both stores alike, naming the
 * field, as resource policies' ARNs are (a control character) and now are (an unpaired surrogate, review jf, 2).
 *
 * Now such a resource is refused by the bindings' parser: 400 at `spec.resource` (`resource` on the API) naming the
 * character and its position, nothing written; the policy of `…model/m` stays as it was.
 *
 * Before the fix 2 of 2 tests failed (on SQLite and on PostgreSQL).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const schema = `jf3_${process.pid}`;
const A = '000000000000';
const MODEL = `arn:aws:training::${A}:model/m`;

const policy = (name: string, resource: string, role: string) => ({
  apiVersion: 'gatehouse.dev/v1',
  kind: 'IamPolicy',
  metadata: { name },
  spec: { resource, bindings: [{ role, members: ['user:admin'] }] },
});

describe('an IAM policy on a resource with NUL or a lone surrogate, on both stores (review jf, 3)', { timeout: 120_000 }, () => {
  const servers: Record<string, TestServer> = {};
  before(async () => {
    servers['sqlite'] = await startTestServer();
    if (skip === undefined) servers['postgres'] = await startTestServer({ postgres: { url: PG_URL, schema } });
  });
  after(async () => {
    for (const s of Object.values(servers)) await s.stop().catch(() => undefined);
    if (skip === undefined) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  for (const store of ['sqlite', 'postgres'] as const) {
    it(`${store}: is refused at spec.resource, and the policy of the resource it would land on is kept`, { skip: store === 'postgres' ? skip : undefined }, async () => {
      const s = servers[store]!;
      const base = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [policy('base', MODEL, 'roles/ml.viewer')] });
      assert.equal(base.status, 200, JSON.stringify(base.json));
      for (const [resource, what] of [
        [`${MODEL}\u0000x`, /control character U\+0000 at position 38/],
        [`${MODEL}\ud800`, /unpaired UTF-16 surrogate/],
      ] as const) {
        const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [policy('odd', resource, 'roles/owner')] });
        assert.equal(r.status, 400, JSON.stringify(r.json));
        const details = (r.json['error'] as { details?: { path: string; message: string }[] }).details ?? [];
        assert.deepEqual(details.map((d) => d.path), ['spec.resource'], JSON.stringify(r.json));
        assert.match(details[0]!.message, what);
      }
      const listed = await gatehouseJson(s.url, s.admin, 'GET', '/v1/iam-policies');
      const held = (listed.json['iamPolicies'] as { resource: string; bindings: { role: string }[] }[]).map((p) => [p.resource, p.bindings.map((b) => b.role)]);
      assert.deepEqual(held, [[MODEL, ['roles/ml.viewer']]], 'only the policy of model/m, as it was written');
    });
  }
});
