/**
 * Review ag, finding 7: the job sweep (every 5 s on every instance, src/main/server.ts) read and parsed every job ever
 * stored, ended ones included, to find the few live ones: 20,000 ended jobs took 110 ms each time on SQLite, whose
 * reads hold the event loop, so every request (credential serving, authorize) waited behind it, and more as history
 * grew. Now live jobs are indexed (`joblive/<id>`, written with the job, deleted in the transaction that ends it) and a
 * sweep reads the jobs the index names; every job is still read at the first sweep and once a minute, which indexes
 * a live job stored by a writer that does not index (an earlier version; a pod's job). Real server (SQLite), its
 * store's reads watched; the sweep called as the server's timer calls it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { ReadTx } from '../src/app/ports/store.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
let server: TestServer;
/** Every prefix a sweep's reads listed. */
const listed: string[] = [];

const kv = (key: string) => server.running.app.deps.store.read((tx) => tx.kv.get(key));
const ended = (id: string) => JSON.stringify({ id, account: A, partition: 'aws', workspace: 'w', name: `job-${id}`, submitter: { arn: `arn:aws:iam::${A}:user/admin`, name: 'admin' }, role: { mode: 'none' }, replicas: 1, state: 'Succeeded', created: '2026-01-01T00:00:00Z', ended: '2026-01-01T01:00:00Z', exitCode: 0, capabilityHash: id.padEnd(64, '0') });

before(async () => {
  server = await startTestServer();
  const store = server.running.app.deps.store;
  await store.write(async (tx) => {
    for (let i = 0; i < 2000; i++) await tx.kv.put(`job/old${String(i).padStart(6, '0')}`, ended(`old${String(i).padStart(6, '0')}`));
  });
  const read = store.read.bind(store);
  // Watch what the reads list (while a sweep runs: see `sweep`).
  (store as { read: typeof store.read }).read = ((fn: (tx: ReadTx) => Promise<unknown>) =>
    read((tx) => fn(new Proxy(tx, { get: (t, k) => (k === 'kv' ? { ...t.kv, get: t.kv.get.bind(t.kv), list: (p: string) => (listed.push(p), t.kv.list(p)) } : Reflect.get(t, k)) })))) as typeof store.read;
  // The user before the workspace naming it: a member must name a user that exists (review ak, 5).
  await server.iam().send(new I.CreateUserCommand({ UserName: 'sam' }));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'sam' }, { user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

/** One sweep, and the prefixes it listed. */
async function sweep(): Promise<string[]> {
  listed.length = 0;
  await server.running.app.jobs.sweep();
  return [...listed];
}

describe('review ag7: the sweep reads the live jobs, not every job ever stored', () => {
  test('after the first, a sweep lists no job documents', async () => {
    await sweep();
    const second = await sweep();
    // Before the fix: every sweep listed `job/` (2,000 ended jobs and the rest).
    assert.ok(!second.includes('job/'), `the second sweep listed ${JSON.stringify(second)}`);
  });

  test("a live job is indexed, ended by the sweep when its submitter is disabled, and leaves the index", async () => {
    const iam = server.iam();
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'sam', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }] }) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'sam' }))).AccessKey!;
    const sam: Credentials = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    const submitted = await gatehouseJson(server.url, sam, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    const id = String((submitted.json['job'] as { id: string }).id);
    assert.equal(await kv(`joblive/${id}`), id);
    const disabled = await gatehouseJson(server.url, server.admin, 'POST', '/v1/users/sam/disable');
    assert.equal(disabled.status, 200, JSON.stringify(disabled.json));
    await sweep();
    const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
    assert.equal(job.json['state'], 'Stopped', JSON.stringify(job.json));
    assert.equal(await kv(`joblive/${id}`), undefined);
  });

  test('a live job stored without its entry (another writer) is read at the next full sweep, a minute on, and indexed', async () => {
    const id = 'unindexed0001';
    await server.running.app.deps.store.write((tx) => tx.kv.put(`job/${id}`, ended(id).replace('"Succeeded"', '"Running"')));
    assert.ok(!(await sweep()).includes('job/'));
    assert.equal(await kv(`joblive/${id}`), undefined);
    // A minute on (the server's clock, as the sweep reads it).
    const deps = server.running.app.deps as { now: () => number };
    const real = deps.now;
    deps.now = () => real() + 61_000;
    try {
      assert.ok((await sweep()).includes('job/'), 'a full sweep');
    } finally {
      deps.now = real;
    }
    assert.equal(await kv(`joblive/${id}`), id);
  });
});
