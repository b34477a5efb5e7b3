/**
 * Review bx, 4. `GET /v1/resource-policies` answered every resource policy of the account in one body, each with its
 * document (up to 20,480 characters a policy): an account with a policy on each of its 10,000 buckets (S3's default
 * bucket quota) was answered some 200 MB at once, built in memory, and `gatehouse resource-policies list` read it all to
 * print two columns. A query parameter was not read at all, so `?limit=10` was answered everything too. The other
 * listings of policies page (`GET /v1/iam-policies`, `GET /v1/jobs`).
 *
 * Now it pages as `GET /v1/iam-policies` does: `limit` (1–1,000, default 100) policies after the one of resource
 * `after`, in the order of their ARNs, with `next` while more follow; an unknown parameter, one given twice or a
 * `limit` out of range is refused (400, naming it). `gatehouse resource-policies list` follows the pages (every policy
 * unless `--limit`; `--after` starts after a resource). Real server (SQLite), SigV4-signed; the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const N = 130;
const arn = (i: number): string => `arn:aws:s3:::bx4-${String(i).padStart(3, '0')}`;
const doc = (resource: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${resource}/*` }] });

type Page = { resourcePolicies?: { resource: string; document?: unknown }[]; next?: string; error?: { details?: { path?: string }[] } };

describe('GET /v1/resource-policies pages, as the other listings of policies', () => {
  let s: TestServer;
  const list = async (query: string): Promise<{ status: number; json: Page }> => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/resource-policies${query}`);
    return { status: r.status, json: r.json as Page };
  };

  before(async () => {
    s = await startTestServer();
    // Written out of order: the listing is in the order of the ARNs.
    const order = Array.from({ length: N }, (_, i) => (i * 37) % N);
    for (let i = 0; i < order.length; i += 10) {
      await Promise.all(order.slice(i, i + 10).map(async (k) => {
        const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(arn(k))}`, { document: doc(arn(k)) });
        assert.equal(r.status, 200, JSON.stringify(r.json));
      }));
    }
  });
  after(() => s?.stop());

  it('a page of 100 by default, with next; the next page from there; in the order of the ARNs', async () => {
    const first = await list('');
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const one = first.json.resourcePolicies ?? [];
    assert.deepEqual(one.map((p) => p.resource), Array.from({ length: 100 }, (_, i) => arn(i)));
    assert.ok(one[0]?.document !== undefined, 'each policy keeps its document');
    assert.equal(first.json.next, arn(99));
    const second = await list(`?after=${encodeURIComponent(first.json.next ?? '')}`);
    assert.deepEqual((second.json.resourcePolicies ?? []).map((p) => p.resource), Array.from({ length: N - 100 }, (_, i) => arn(100 + i)));
    assert.equal(second.json.next, undefined, JSON.stringify(second.json.next));
  });

  it('limit chooses the page size, up to 1,000; the last page has no next', async () => {
    const small = await list('?limit=7');
    assert.equal(small.json.resourcePolicies?.length, 7);
    assert.equal(small.json.next, arn(6));
    const all = await list('?limit=1000');
    assert.equal(all.json.resourcePolicies?.length, N);
    assert.equal(all.json.next, undefined);
    const exact = await list(`?limit=${N}`);
    assert.equal(exact.json.next, undefined, 'no next when nothing follows');
  });

  for (const [query, path] of [['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?limit=1e2', 'limit'], ['?limit=5&limit=6', 'limit'], ['?max=5', 'max']] as const) {
    it(`${query} is refused, naming ${path}`, async () => {
      const r = await list(query);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error?.details?.[0]?.path, path, JSON.stringify(r.json));
    });
  }

  it('gatehouse resource-policies list prints every policy, page by page; --limit and --after a part', async () => {
    const r = await cliAgainst(s, ['resource-policies', 'list']);
    assert.equal(r.status, 0, r.err);
    for (let i = 0; i < N; i++) assert.ok(r.out.includes(arn(i)), `${arn(i)} listed`);
    const part = await cliAgainst(s, ['resource-policies', 'list', '--limit', '3', '--after', arn(9), '--json']);
    assert.equal(part.status, 0, part.err);
    const j = JSON.parse(part.out) as Page;
    assert.deepEqual(j.resourcePolicies?.map((p) => p.resource), [arn(10), arn(11), arn(12)]);
    assert.equal(j.next, arn(12));
  });
});
