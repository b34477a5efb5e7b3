/**
 * Review wc, 2 (a second review of review vw, 1): a pod's job is provisional until the pod's first credential request
 * confirms it, and the sweep ends one still unconfirmed a day after admission, saying the pod "did not ask for
 * credentials … kube-apiserver may have refused it". But a pod that did ask, while its account's live jobs were at
 * `--max-live-jobs`, was refused LimitExceeded and its job left provisional ("until a place is free", docs/decisions.md),
 * and nothing of its request was kept: a day after its admission the sweep ended it all the same, as the job of a pod
 * that never existed, its reason false. The pod (its capability, which only its stored spec holds, proved it exists)
 * then got 410 for good once a place was free, a Deployment's pod crash-looping on it until someone deleted it.
 *
 * Now the refused request is noted on the job (`pod.asked`, once, with an event), and the sweep ends only a provisional
 * job whose pod never asked; the pod's job is confirmed at its first request once the account has room.
 *
 * Real server, quota 2; AdmissionReviews as kube-apiserver sends them; credentials read as the pod's SDK reads them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { podAdmissionWorld, type PodAdmissionWorld } from './support/pod-admission.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;

let server: TestServer;
let acct = '';
let world: PodAdmissionWorld;
const jobs: string[] = [];
const admit = (name: string) => world.admitted(name);
const fetchCredentials = (name: string) => world.fetchCredentials(name);
const podJob = (name: string) => world.podJob(name);
const getJob = (id: string) => world.getJob(id);

before(async () => {
  world = await podAdmissionWorld({ maxLiveJobs: 2 });
  server = world.server;
  acct = server.adminFile.AccountId;
});
after(() => server?.stop());

describe('review wc2: the sweep does not end the job of a pod that asked for credentials while its account was full', () => {
  it('a pod refused LimitExceeded keeps its provisional job past a day, and gets its credentials once a place is free', async () => {
    await admit('waiting');
    await admit('refused');
    for (let i = 0; i < 2; i++) {
      const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'vision', role: 'none', imds: false });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      jobs.push(String((r.json['job'] as Json)['id']));
    }
    const full = await fetchCredentials('waiting');
    assert.equal(full.status, 409, full.body);
    assert.match(full.body, /LimitExceeded/);
    // Both admitted more than a day ago; `waiting` asked (refused), `refused` never did (kube-apiserver refused it).
    const dayAgo = new Date(Date.now() - 25 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await server.running.app.deps.store.write(async (tx) => {
      for (const name of ['waiting', 'refused']) {
        const key = `job/${podJob(name)}`;
        const text = (await tx.kv.get(key)) ?? assert.fail(`no ${key}`);
        await tx.kv.put(key, JSON.stringify({ ...(JSON.parse(text) as Json), created: dayAgo }));
      }
    });
    await server.running.app.jobs.sweep();
    const never = await getJob(podJob('refused'));
    assert.equal(never['state'], 'Stopped', JSON.stringify(never));
    const asked = await getJob(podJob('waiting'));
    assert.equal(asked['state'], 'Running', `the job of a pod that asked was ended as one that never did: ${JSON.stringify(asked)}`);
    assert.equal((asked['pod'] as Json)['provisional'], true);
    assert.equal(typeof (asked['pod'] as Json)['asked'], 'string', JSON.stringify(asked['pod']));
    const events = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${podJob('waiting')}/events`);
    assert.match(JSON.stringify(events.json), /asked for credentials while/);
    // A place frees: the pod's next request (past the refusal's hold) confirms its job.
    const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${jobs.shift() as string}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    let again = await fetchCredentials('waiting');
    for (let i = 0; i < 60 && again.status === 409; i++) {
      await new Promise((r) => setTimeout(r, 200));
      again = await fetchCredentials('waiting');
    }
    assert.equal(again.status, 200, again.body);
    const confirmed = await getJob(podJob('waiting'));
    assert.equal((confirmed['pod'] as Json)['provisional'], undefined, JSON.stringify(confirmed['pod']));
  });
});
