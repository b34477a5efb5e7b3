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
import { reviewedAs, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;

let server: TestServer;
let acct = '';
let bearer = '';
let scientist: UserInfo;
const pods = new Map<string, { id: string; env: Record<string, string> }>();

const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

let uid = 0;
async function admit(name: string): Promise<void> {
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', annotations: { 'gatehouse.dev/role': 'Trainer' } }, spec: { containers: [{ name: 'c', image: 'trainer:v1' }] } };
  const request = { uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, name, namespace: 'ml', operation: 'CREATE', userInfo: scientist, object, oldObject: null, dryRun: false };
  const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
  const response = ((await r.json()) as Json)['response'] as Json;
  assert.equal(response['allowed'], true, JSON.stringify(response));
  const patch = JSON.parse(Buffer.from(String(response['patch']), 'base64').toString('utf8')) as { path: string; value: unknown }[];
  const env: Record<string, string> = {};
  for (const op of patch) if (op.path === '/spec/containers/0/env') for (const e of op.value as { name: string; value: string }[]) env[e.name] = e.value;
  pods.set(name, { id: env['GATEHOUSE_JOB_ID'] ?? assert.fail(JSON.stringify(patch)), env });
}
async function fetchCredentials(name: string): Promise<{ status: number; body: string }> {
  const env = pods.get(name)?.env ?? assert.fail(`no pod ${name}`);
  const r = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
  return { status: r.status, body: await r.text() };
}
const podJob = (name: string): string => pods.get(name)?.id ?? assert.fail(`no pod ${name}`);

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
      doc('User', 'scientist', { inlinePolicies: { pass: passAll } }),
      doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/scientist`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
  scientist = await reviewedAs(server, 'k1', bearer, 'scientist');
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
