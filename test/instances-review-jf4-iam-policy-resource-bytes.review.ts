/**
 * Review jf, 4: an IAM policy (bindings: `kind: IamPolicy`, `PUT /v1/iam-policies`) on a resource of up to 2,048
 * characters was taken whatever those characters took in UTF-8. Its store key is `iampolicy/arn/<ARN>`, the primary key
 * of the key/value table: SQLite took any length, PostgreSQL's B-tree refuses an entry over 2,704 bytes, so a training
 * model named in 900 CJK characters (2,737 bytes) was written on the embedded store and refused on PostgreSQL with
 * "The database refused a value of this request (index row size 2768 exceeds btree …)", naming no field. Resource
 * policies had the same defect and were bounded in bytes by review ax, 4; IAM policies were not.
 *
 * Why it matters: the same configuration must apply the same way on SQLite and on PostgreSQL (a deployment moving to
 * PostgreSQL must not find documents it can no longer apply), and a refusal must say which field and why.
 *
 * Now a resource an IAM policy with bindings is written on is at most 2,048 bytes of UTF-8 (the longest ARN a request
 * names), refused at `spec.resource` with its length in characters and bytes on both stores; a long ASCII ARN and a
 * CJK one within the bound are kept on both.
 *
 * Before the fix 2 of 4 tests failed (SQLite took the 2,737-byte resource; PostgreSQL refused it naming no field).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const schema = `jf4_${process.pid}`;
const A = '000000000000';
/** `n` CJK characters that do not repeat in a way PostgreSQL's index compression could shrink. */
const cjk = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('');

const policy = (name: string, resource: string) => ({
  apiVersion: 'gatehouse.dev/v1',
  kind: 'IamPolicy',
  metadata: { name },
  spec: { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:admin'] }] },
});

describe('an IAM policy on a long non-ASCII resource, on both stores (review jf, 4)', { timeout: 120_000 }, () => {
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
    it(`${store}: 900 CJK characters (2,737 bytes) are refused at spec.resource`, { skip: store === 'postgres' ? skip : undefined }, async () => {
      const s = servers[store]!;
      const resource = `arn:aws:training::${A}:model/${cjk(900)}`;
      assert.equal(Buffer.byteLength(resource), 2737);
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [policy('long', resource)] });
      assert.equal(r.status, 400, JSON.stringify(r.json).slice(0, 300));
      const details = (r.json['error'] as { details?: { path: string; message: string }[] }).details ?? [];
      assert.deepEqual(details.map((d) => d.path), ['spec.resource'], JSON.stringify(r.json).slice(0, 300));
      assert.match(details[0]!.message, /937 characters, 2737 bytes in UTF-8; .* at most 2048 bytes/);
      const listed = await gatehouseJson(s.url, s.admin, 'GET', '/v1/iam-policies');
      assert.deepEqual(listed.json['iamPolicies'], [], 'nothing was written');
    });

    it(`${store}: a 2,048-character ASCII ARN and 600 CJK characters are kept`, { skip: store === 'postgres' ? skip : undefined }, async () => {
      const s = servers[store]!;
      const head = `arn:aws:training::${A}:model/`;
      const ascii = `${head}${'a'.repeat(2048 - head.length)}`;
      const wide = `${head}${cjk(600)}`;
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [policy('ascii', ascii), policy('wide', wide)] });
      assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 300));
      const listed = await gatehouseJson(s.url, s.admin, 'GET', '/v1/iam-policies');
      const held = (listed.json['iamPolicies'] as { resource: string }[]).map((p) => p.resource);
      assert.ok(held.includes(ascii) && held.includes(wide), 'both are kept as given');
    });
  }
});
