/**
 * Helper bh, 1: `GET /v1/iam-policies` (no `resource`) answered every IAM policy of the account in one body, unpaged,
 * while the other listings of the admin API page (`GET /v1/jobs`, `/v1/jobs/{id}/events`, `/v1/audit`); and no
 * command listed the policies. Now the listing answers a page, as those do:
 * - `limit` (1–1,000, default 100) policies after the policy of resource `after`, with `next` (the last one's
 *   resource) while more follow and none on the last page; in the order of their store keys (the account's own, ARNs,
 *   workspaces); a policy removed between pages does not lose the place; a caller sees only what it may read, pages
 *   counted in those;
 * - a bad `limit` or `after`, an unknown parameter, one twice, or `limit`/`after` with `resource` is refused (400
 *   `ValidationError`, naming the parameter in the message and the error's path);
 * - `gatehouse iam-policy list` follows the pages to the end (1,050 policies: two pages of 1,000 at most), and takes
 *   `--limit` and `--after`; a bad `--limit` is a usage error before any request.
 * Real server; the policies are written by one `POST /v1/apply`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const POLICIES = 1050;
const model = (i: number): string => `arn:aws:training::${A}:model/bh-${String(i).padStart(4, '0')}`;

let server: TestServer;
/** Every policy of account A the admin lists, in the listing's order (its own first, ARNs by name: models sorted). */
let all: string[] = [];

interface Page {
  iamPolicies: { resource: string; etag: string; bindings: unknown[] }[];
  next?: string;
}
const list = async (query: string, who: Credentials = server.admin): Promise<{ status: number; json: Record<string, unknown> }> =>
  gatehouseJson(server.url, who, 'GET', `/v1/iam-policies${query}`);
const page = async (query: string, who: Credentials = server.admin): Promise<Page> => {
  const r = await list(query, who);
  assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 500));
  return r.json as unknown as Page;
};
const resources = (p: Page): string[] => p.iamPolicies.map((x) => x.resource);

before(async () => {
  server = await startTestServer();
  const documents = [
    ...Array.from({ length: POLICIES }, (_, i) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: `bh-${i}` }, spec: { resource: model(i), bindings: [{ role: 'roles/ml.viewer', members: ['user:admin'] }] } })),
    { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'bh-account' }, spec: { resource: `account/${A}`, bindings: [{ role: 'roles/ml.viewer', members: ['user:admin'] }] } },
  ];
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents });
  assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 500));
  all = [`account/${A}`, ...Array.from({ length: POLICIES }, (_, i) => model(i))];
});
after(async () => {
  await server?.stop();
});

describe('helper bh, 1: IAM policies are listed a page at a time', () => {
  it('pages: default 100 with next; two pages of 600 cover every policy once, in order, the last without next', async () => {
    const first = await page('');
    // Before: all 1,051 policies in one answer, without `next`.
    assert.equal(first.iamPolicies.length, 100);
    assert.deepEqual(resources(first), all.slice(0, 100));
    assert.equal(first.next, all[99]);

    const one = await page('?limit=600');
    assert.deepEqual([one.iamPolicies.length, one.next], [600, all[599]]);
    const two = await page(`?limit=600&after=${encodeURIComponent(one.next ?? '')}`);
    assert.equal(two.next, undefined, 'the last page has no next');
    assert.deepEqual([...resources(one), ...resources(two)], all);
    // A full last page (exactly `limit` left) has no `next` either: no page is empty.
    const exact = await page(`?limit=451&after=${encodeURIComponent(all[599] ?? '')}`);
    assert.deepEqual([exact.iamPolicies.length, exact.next], [451, undefined]);
    // An empty `after` starts from the first policy.
    assert.deepEqual(resources(await page('?limit=2&after=')), all.slice(0, 2));
  });

  it('the place holds when the policy `next` names is removed between pages', async () => {
    const one = await page('?limit=3');
    assert.equal(one.next, all[2]);
    const gone = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: all[2], bindings: [] });
    assert.equal(gone.status, 200, JSON.stringify(gone.json));
    try {
      assert.deepEqual(resources(await page(`?limit=3&after=${encodeURIComponent(one.next ?? '')}`)), all.slice(3, 6));
    } finally {
      const back = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: all[2], bindings: [{ role: 'roles/ml.viewer', members: ['user:admin'] }] });
      assert.equal(back.status, 200, JSON.stringify(back.json));
    }
  });

  it('a caller who may read a few policies pages through those only', async () => {
    const reader = await userWithKey(server, 'bh-reader');
    const iam = server.iam();
    const readable = [all[10], all[500], all[1049]] as string[];
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bh-reader', PolicyName: 'read-three', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'gatehouse:GetIamPolicy', Resource: readable }] }) }));
    const one = await page('?limit=2', reader);
    assert.deepEqual([resources(one), one.next], [readable.slice(0, 2), readable[1]]);
    const two = await page(`?limit=2&after=${encodeURIComponent(one.next ?? '')}`, reader);
    assert.deepEqual([resources(two), two.next], [readable.slice(2), undefined]);
    // Exactly the readable ones in one page: no `next` that leads to an empty page.
    assert.equal((await page('?limit=3', reader)).next, undefined);
  });

  it('refuses a bad parameter with 400, naming it', async () => {
    const cases: [string, string, RegExp][] = [
      ['?limit=0', 'limit', /^`limit` must be a whole number from 1 to 1000, got `0`$/],
      ['?limit=1001', 'limit', /^`limit` must be a whole number from 1 to 1000, got `1001`$/],
      ['?limit=x', 'limit', /^`limit` must be a whole number from 1 to 1000, got `x`$/],
      ['?limit=1e3', 'limit', /^`limit` must be a whole number/],
      ['?limit=', 'limit', /^`limit` must be a whole number/],
      ['?after=not-a-resource', 'after', /^`after` must be the resource of a listed policy, as the `next` of the previous page is: resource `not-a-resource` is not an ARN/],
      ['?after=account%2F12', 'after', /^`after` must be the resource of a listed policy.*send that `next`, or no `after` to start from the first policy$/],
      ['?page=2', 'page', /^unknown parameter `page`; `GET \/v1\/iam-policies` takes resource \(one policy\), or limit and after \(a page of them\)$/],
      ['?limit=1&limit=2', 'limit', /^`limit` is given more than once$/],
      [`?resource=${encodeURIComponent(all[0] ?? '')}&limit=5`, 'limit', /^`limit` pages the listing: it does not go with `resource`, which reads one policy$/],
      [`?resource=${encodeURIComponent(all[0] ?? '')}&after=${encodeURIComponent(all[1] ?? '')}`, 'after', /^`after` pages the listing/],
    ];
    for (const [query, field, message] of cases) {
      const r = await list(query);
      assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.json).slice(0, 300)}`);
      const error = r.json['error'] as { code: string; message: string; details: { path: string }[] };
      assert.equal(error.code, 'ValidationError', query);
      assert.match(error.message, message, query);
      assert.equal(error.details[0]?.path, field, query);
    }
  });

  it('iam-policy list follows every page; --limit and --after; a bad --limit is a usage error', async () => {
    const json = await cliAgainst(server, ['iam-policy', 'list', '--json']);
    assert.equal(json.status, 0, json.err);
    const listed = JSON.parse(json.out) as Page;
    assert.deepEqual([resources(listed), listed.next], [all, undefined]);

    const text = await cliAgainst(server, ['iam-policy', 'list']);
    assert.equal(text.status, 0, text.err);
    const lines = text.out.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^RESOURCE\s+BINDINGS\s+MEMBERS\s+ETAG$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), all);

    const part = await cliAgainst(server, ['iam-policy', 'list', '--limit', '1020', '--json']);
    assert.equal(part.status, 0, part.err);
    const head = JSON.parse(part.out) as Page;
    assert.deepEqual([resources(head), head.next], [all.slice(0, 1020), all[1019]]);
    const rest = await cliAgainst(server, ['iam-policy', 'list', '--after', head.next ?? '', '--json']);
    assert.equal(rest.status, 0, rest.err);
    assert.deepEqual(resources(JSON.parse(rest.out) as Page), all.slice(1020));

    const bad = await cliAgainst(server, ['iam-policy', 'list', '--limit', '0']);
    assert.equal(bad.status, 2, bad.out);
    assert.match(bad.err, /--limit must be an integer from 1 to 10000000, got `0`/);
    const badAfter = await cliAgainst(server, ['iam-policy', 'list', '--after', 'nope']);
    assert.equal(badAfter.status, 8, badAfter.out);
    assert.match(badAfter.err, /`after` must be the resource of a listed policy/);
  });
});
