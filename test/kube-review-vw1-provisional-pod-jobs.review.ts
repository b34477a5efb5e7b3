/**
 * Review vw, 1: the admission webhook made a pod's job at the pod's CREATE admission, live and counted against its
 * account's `--max-live-jobs`. kube-apiserver runs the admission steps after the webhooks (ResourceQuota, PodSecurity,
 * other validating webhooks) and only then writes the pod (AlreadyExists), so a pod refused there left a live job that
 * counted until someone ran `gatehouse jobs stop`: a ReplicaSet over its namespace's ResourceQuota, whose controller
 * retries the pod under new generated names, filled the quota, and every job, node and pod of the account was refused
 * (Kubernetes: a webhook's side effects must be reconciled, since the object it admitted may never be persisted).
 *
 * Now a pod's job is provisional until the pod's first credential request: it is not counted among the account's live
 * jobs (at most `--max-live-jobs` provisional ones an account, their own bound); the first request confirms it and it
 * counts from then on (refused LimitExceeded while the account is full); the sweep ends one still unconfirmed a day
 * (`POD_CONFIRM_MS`) after its admission, saying why, recorded in the audit log; a confirmed one is never ended so.
 *
 * Real server, quota 3; AdmissionReviews as kube-apiserver sends them; the pods' credentials read at the URI and with
 * the token their patched environment names.
 *
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { podAdmissionWorld, type PodAdmissionWorld } from './support/pod-admission.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;

let server: TestServer;
let world: PodAdmissionWorld;
/** The live jobs the tests submitted, oldest first. */
const jobs: string[] = [];
const submit = () => gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'vision', role: 'none', imds: false });
async function submitted(): Promise<void> {
  const r = await submit();
  assert.equal(r.status, 201, JSON.stringify(r.json));
  jobs.push(String((r.json['job'] as Json)['id']));
}
async function stop(id: string): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {});
  assert.equal(r.status, 200, JSON.stringify(r.json));
}
const admit = (name: string) => world.admit(name);
const fetchCredentials = (name: string) => world.fetchCredentials(name);
const podJob = (name: string) => world.podJob(name);
const getJob = (id: string) => world.getJob(id);
const provisional = (name: string) => world.provisional(name);

before(async () => {
  world = await podAdmissionWorld({ maxLiveJobs: 3 });
  server = world.server;
});
after(() => server?.stop());

describe('review vw1: a pod’s job is provisional until the pod asks for credentials', () => {
  it('pods refused after the webhook (never asking for credentials) do not use up the account’s live jobs', async () => {
    for (const name of ['p1', 'p2', 'p3']) assert.equal((await admit(name)).allowed, true);
    // The account's quota is whole: 3 jobs go in.
    for (let i = 0; i < 3; i++) await submitted();
    for (const name of ['p1', 'p2', 'p3']) assert.equal(await provisional(name), true, `${name}'s job is not marked provisional`);
  });

  it('provisional pod jobs have their own bound, the same figure: a pod past it is refused saying why', async () => {
    await stop(jobs.shift() as string);
    const refused = await admit('p4');
    assert.equal(refused.allowed, false);
    assert.equal(refused.code, 403);
    assert.match(refused.message, new RegExp(`account ${server.adminFile.AccountId} has 3 pods admitted with a role that have not asked for credentials yet`));
    assert.match(refused.message, /ResourceQuota/);
  });

  it('the pod’s first credential request confirms its job, which then counts; refused LimitExceeded while the account is full', async () => {
    const first = await fetchCredentials('p1');
    assert.equal(first.status, 200, first.body);
    assert.equal(await provisional('p1'), false);
    const events = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${podJob('p1')}/events`);
    assert.match(JSON.stringify(events.json), /asked for credentials: it exists/);
    // 2 jobs and p1: full.
    const over = await submit();
    assert.equal(over.status, 409, JSON.stringify(over.json));
    const full = await fetchCredentials('p2');
    assert.equal(full.status, 409, full.body);
    assert.match(full.body, /LimitExceeded/);
    assert.match(full.body, new RegExp(`account ${server.adminFile.AccountId} has 3 live jobs, the most it may have`));
    assert.equal(await provisional('p2'), true);
    await stop(jobs.shift() as string);
    // The refusal is held a moment (ISSUANCE_REFUSAL_HOLD_MS); then the request confirms it.
    let again = await fetchCredentials('p2');
    for (let i = 0; i < 60 && again.status === 409; i++) {
      await new Promise((r) => setTimeout(r, 200));
      again = await fetchCredentials('p2');
    }
    assert.equal(again.status, 200, again.body);
    assert.equal(await provisional('p2'), false);
  });

  it('the sweep ends a job still unconfirmed a day after admission, recorded; never a confirmed one', async () => {
    const dayAgo = new Date(Date.now() - 25 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await server.running.app.deps.store.write(async (tx) => {
      for (const name of ['p1', 'p3']) {
        const key = `job/${podJob(name)}`;
        const text = (await tx.kv.get(key)) ?? assert.fail(`no ${key}`);
        await tx.kv.put(key, JSON.stringify({ ...(JSON.parse(text) as Json), created: dayAgo }));
      }
    });
    await server.running.app.jobs.sweep();
    const ended = await getJob(podJob('p3'));
    assert.equal(ended['state'], 'Stopped', JSON.stringify(ended));
    assert.match(String(ended['reason']), /pod ml\/p3 did not ask for credentials within 24 h of its admission: kube-apiserver may have refused it/);
    assert.equal((await getJob(podJob('p1')))['state'], 'Running');
    const records = await auditRecords(server, { action: 'training:JobStateChange' });
    assert.ok(records.some((r) => r.job === podJob('p3') && /did not ask for credentials/.test(JSON.stringify(r.detail))), JSON.stringify(records));
    const gone = await fetchCredentials('p3');
    assert.equal(gone.status, 410, gone.body);
    // Its place among the provisional ones is free again (once the account has room for it to count).
    await stop(jobs.shift() as string);
    const p5 = await admit('p5');
    assert.equal(p5.allowed, true, p5.message);
  });
});
