/**
 * Review wc, 3 (a second review of review vw, 1): a pod's job is provisional until its pod asks for credentials, and
 * past `--max-live-jobs` provisional ones a pod is refused at admission, told to "stop those of pods that do not exist
 * (`gatehouse jobs list`, `gatehouse jobs stop ID`)"; README says `jobs get` shows `pod.provisional`. Neither showed it:
 * `jobs list` printed a provisional pod job as it printed a confirmed one (Running, its name `<cluster>-pod-<ns>-<pod>`),
 * and `jobs get` printed no pod line at all (only `--json` held `pod.provisional`), so the operator could not tell which
 * of an account's pod jobs were those of pods that never asked, the ones the refusal says to stop.
 *
 * Now `jobs list` says `Running (provisional)` in its STATE column for such a job, and `jobs get` prints its pod and
 * whether its job is provisional, and why.
 *
 * Real server; AdmissionReviews as kube-apiserver sends them; the gatehouse CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { podAdmissionWorld, type PodAdmissionWorld } from './support/pod-admission.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;

let server: TestServer;
let acct = '';
let world: PodAdmissionWorld;

const admit = (name: string) => world.admitted(name);
const fetchCredentials = (name: string) => world.fetchCredentials(name);
const podJob = (name: string) => world.podJob(name);

before(async () => {
  world = await podAdmissionWorld();
  server = world.server;
  acct = server.adminFile.AccountId;
  await admit('asked');
  await admit('silent');
  const r = await fetchCredentials('asked');
  assert.equal(r.status, 200, r.body);
});
after(() => server?.stop());

describe('review wc3: the CLI shows which pod jobs are provisional', () => {
  it('jobs list: a provisional pod job’s STATE says so, a confirmed one’s does not', async () => {
    const r = await cliAgainst(server, ['jobs', 'list']);
    assert.equal(r.status, 0, r.err);
    const row = (id: string): string => r.out.split('\n').find((l) => l.startsWith(`${id} `)) ?? assert.fail(`no row of ${id} in\n${r.out}`);
    assert.match(row(podJob('silent')), /\bRunning \(provisional\)/, r.out);
    assert.doesNotMatch(row(podJob('asked')), /provisional/, r.out);
    assert.match(row(podJob('asked')), /\bRunning\b/, r.out);
  });

  it('jobs get: the pod, and whether its job is provisional and why', async () => {
    const silent = await cliAgainst(server, ['jobs', 'get', podJob('silent')]);
    assert.equal(silent.status, 0, silent.err);
    assert.match(silent.out, /^pod: +ml\/silent, provisional: it has not asked for credentials yet/m, silent.out);
    const asked = await cliAgainst(server, ['jobs', 'get', podJob('asked')]);
    assert.equal(asked.status, 0, asked.err);
    assert.match(asked.out, /^pod: +ml\/asked$/m, asked.out);
  });
});
