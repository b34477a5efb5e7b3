/**
 * Review ar, 3: `GET /v1/jobs` (and `gatehouse jobs list`) read every job stored, of every account, parsed them all,
 * filtered by account in memory and answered every visible one at once: 20,000 jobs, a 7 MB answer of 100–140 ms,
 * growing without bound with the jobs ever run (docs/benchmarks.md "Training jobs at scale"). Now the listing reads the
 * account's range of a job index (`jobacct/<account>/<created>/<id>`, holding workspace and state) a page at a time:
 * - `limit` (default 100, 1–1,000) and `next`, oldest first, each job once over the pages, jobs stored before the
 *   index (no entry) included, another account's never;
 * - `next` is opaque and refused when forged, altered, or from another listing (other filters); bad `limit`, `state`,
 *   an unknown parameter are refused naming the parameter;
 * - `workspace` and `state` filter (a stopped job moves to `state=Stopped`); a user sees only what it may list;
 * - `gatehouse jobs list` follows `next` to the end; `--limit N --json` stops at N with `next`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const OTHER = '111111111111';
let server: TestServer;
let sam: Credentials;
/** Ids of the jobs of account A, oldest first. */
const ids: string[] = [];

const doc = (id: string, account: string, i: number, ws: string, state: string): string =>
  JSON.stringify({
    id,
    account,
    partition: 'aws',
    workspace: ws,
    name: `job-${id}`,
    submitter: { arn: `arn:aws:iam::${account}:user/admin`, name: 'admin' },
    role: { mode: 'none' },
    replicas: 1,
    state,
    created: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    capabilityHash: id.padEnd(64, '0'),
  });

type Page = { status: number; json: Record<string, unknown> };
const list = (query: string, who: Credentials = server.admin): Promise<Page> => gatehouseJson(server.url, who, 'GET', `/v1/jobs${query}`) as Promise<Page>;
const jobIds = (p: Page): string[] => (p.json['jobs'] as { id: string }[]).map((j) => j.id);

/** Every page of a listing, following `next`. */
async function walk(query: string, who: Credentials = server.admin): Promise<{ ids: string[]; pages: number }> {
  const out: string[] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const p = await list(`?${query}${next !== undefined ? `&next=${encodeURIComponent(next)}` : ''}`, who);
    assert.equal(p.status, 200, JSON.stringify(p.json));
    out.push(...jobIds(p));
    next = p.json['next'] as string | undefined;
    pages++;
  } while (next !== undefined && pages < 50);
  return { ids: out, pages };
}

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'sam' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'sam', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }] }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'sam' }))).AccessKey!;
  sam = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  for (const ws of ['ws1', 'ws2']) assert.equal((await gatehouseJson(server.url, server.admin, 'PUT', `/v1/workspaces/${ws}`, { members: [{ user: 'sam' }, { user: 'admin' }] })).status, 200);
  // 250 jobs as a build before the index stored them (a document, no index entry), and 30 of another account.
  await server.running.app.deps.store.write(async (tx) => {
    for (let i = 0; i < 250; i++) {
      const id = `old${String(i).padStart(5, '0')}`;
      await tx.kv.put(`job/${id}`, doc(id, A, i, i % 2 === 0 ? 'ws1' : 'ws2', i % 5 === 0 ? 'Running' : 'Succeeded'));
      ids.push(id);
    }
    for (let i = 0; i < 30; i++) await tx.kv.put(`job/x${i}`, doc(`x${i}`, OTHER, i, 'ws1', 'Succeeded'));
  });
  // Two submitted now (indexed as they are stored), by sam.
  const made: { id: string; created: string }[] = [];
  for (let i = 0; i < 2; i++) {
    const s = await gatehouseJson(server.url, sam, 'POST', '/v1/jobs', { workspace: 'ws2', role: 'none', imds: false });
    assert.equal(s.status, 201, JSON.stringify(s.json));
    made.push(s.json['job'] as { id: string; created: string });
  }
  // Oldest first; jobs created in the same second by id.
  ids.push(...made.sort((a, b) => (a.created + a.id < b.created + b.id ? -1 : 1)).map((j) => j.id));
});
after(async () => {
  await server?.stop();
});

describe('review ar3: jobs are listed a page at a time from the account index', () => {
  it('a page of 100 by default, with next; every job once over the pages, oldest first, none of another account', async () => {
    const first = await list('');
    assert.equal(first.status, 200, JSON.stringify(first.json));
    // Before: all 252 at once, and no `next`.
    assert.equal(jobIds(first).length, 100);
    assert.equal(typeof first.json['next'], 'string');
    const all = await walk('limit=100');
    assert.deepEqual(all.ids, ids);
    assert.equal(all.pages, 3);
    const big = await walk('limit=1000');
    assert.deepEqual(big.ids, ids);
    assert.equal(big.pages, 1, 'the last page carries no next');
  });

  it('bad limit, state, parameters and tokens are refused, naming the parameter', async () => {
    for (const [q, param] of [['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?limit=1e2', 'limit'], ['?state=Done', 'state'], ['?workspace=a%2Fb', 'workspace'], ['?status=Running', 'status'], ['?limit=5&limit=6', 'limit']] as const) {
      const p = await list(q);
      assert.equal(p.status, 400, `${q}: ${JSON.stringify(p.json)}`);
      assert.match(JSON.stringify(p.json), new RegExp(param), q);
    }
    const first = await list('?limit=10');
    const next = String(first.json['next']);
    const forged = [
      'gh1.00000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      Buffer.from(JSON.stringify(['jobs', 10, 'old00009'])).toString('base64url'),
      `${next.slice(0, -2)}${next.endsWith('AA') ? 'BB' : 'AA'}`,
    ];
    for (const f of forged) {
      const p = await list(`?next=${encodeURIComponent(f)}`);
      assert.equal(p.status, 400, JSON.stringify(p.json));
      assert.match(JSON.stringify(p.json), /next/);
    }
    // A token of another listing: other filters.
    const ws1 = await list('?workspace=ws1&limit=5');
    const other = await list(`?next=${encodeURIComponent(String(ws1.json['next']))}`);
    assert.equal(other.status, 400, JSON.stringify(other.json));
    const same = await list(`?workspace=ws1&limit=5&next=${encodeURIComponent(String(ws1.json['next']))}`);
    assert.equal(same.status, 200, JSON.stringify(same.json));
  });

  it('workspace and state filter; a stop moves a job to state=Stopped; a user lists what it may', async () => {
    const ws1 = await walk('workspace=WS1&limit=40');
    assert.deepEqual(ws1.ids, ids.filter((id, i) => i < 250 && i % 2 === 0));
    const running = await walk('state=Running');
    assert.deepEqual(running.ids, ids.filter((_, i) => i < 250 && i % 5 === 0));
    const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${ids[0]}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    assert.deepEqual((await walk('state=Stopped')).ids, [ids[0]]);
    assert.ok(!(await walk('state=Running')).ids.includes(ids[0] as string));
    // sam submitted two (Queued) and may list only those.
    const mine = await walk('limit=7', sam);
    assert.deepEqual(mine.ids, ids.slice(250));
    assert.deepEqual((await walk('state=Queued', sam)).ids, ids.slice(250));
  });

  it('gatehouse jobs list follows next to the end; --limit N --json stops at N with next', async () => {
    const all = await cliAgainst(server, ['jobs', 'list', '--json']);
    assert.equal(all.status, 0, all.err);
    assert.deepEqual((JSON.parse(all.out) as { jobs: { id: string }[] }).jobs.map((j) => j.id), ids);
    const five = await cliAgainst(server, ['jobs', 'list', '--limit', '5', '--json', '--workspace', 'ws2']);
    assert.equal(five.status, 0, five.err);
    const v = JSON.parse(five.out) as { jobs: { id: string }[]; next?: string };
    assert.deepEqual(v.jobs.map((j) => j.id), ids.filter((_, i) => i < 250 && i % 2 === 1).slice(0, 5));
    const rest = await cliAgainst(server, ['jobs', 'list', '--json', '--workspace', 'ws2', '--next', String(v.next)]);
    assert.equal(rest.status, 0, rest.err);
    assert.deepEqual((JSON.parse(rest.out) as { jobs: { id: string }[] }).jobs.map((j) => j.id), ids.filter((_, i) => (i < 250 && i % 2 === 1) || i >= 250).slice(5));
  });
});
