/**
 * Review nn, finding 3: a pod's own processes, or anyone who can read the pod's spec, could end the pod's job, and with
 * it revoke the credentials of a pod still running.
 *
 * The contract: "A pod job ends on the pod's DELETE admission only" (docs/decisions.md, pods; review ce, 4: the job ends on
 * the DELETE that removes the pod), and "Such jobs are not swept by heartbeat: a pod has no launcher" (Job.pod: "it ends
 * when the pod is deleted, not by heartbeat"). The pod's capability is written into its spec in clear (README, "A pod's
 * credentials are as readable as the pod"), and the launcher's routes of the credential port (`POST /v1/launcher/end`,
 * `/v1/launcher/heartbeat`) took it as a launcher's: a POST of `{"exitCode": 0}` with it marked the pod's job Succeeded
 * ("reported by its launcher") and revoked every session of a pod still running, so a principal allowed only to read
 * pods in the namespace could cut any pod there off its role. A pod's job has no launcher now: both routes answer 403
 * to its capability, which still reads its credentials.
 *
 * Real server; AdmissionReviews as kube-apiserver sends them; the pod's capability from its patched environment.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { reviewedUser } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let token = '';
type Json = Record<string, unknown>;

async function admit(request: Json): Promise<Json> {
  const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
  const json = (await r.json()) as Json;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['response'] as Json;
}

const PodKind = { group: '', version: 'v1', kind: 'Pod' };
const resource = { group: '', version: 'v1', resource: 'pods' };

/** Creates pod `name` running as role `trainer`: its stored form (as the DELETEs' oldObject) and its credential environment. */
async function runningPod(name: string): Promise<{ pod: Json; env: Record<string, string> }> {
  const pod: Json = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', annotations: { 'gatehouse.dev/role': 'trainer' } }, spec: { containers: [{ name: 'main', image: 'trainer:1' }], terminationGracePeriodSeconds: 30 } };
  // The admin, as the TokenReview of a token of its own makes it.
  const userInfo = await reviewedUser(server.url, 'k1', token, server.admin);
  const r = await admit({ uid: `c-${name}`, kind: PodKind, resource, name, namespace: 'ml', operation: 'CREATE', userInfo, object: pod, dryRun: false });
  assert.equal(r['allowed'], true, JSON.stringify(r));
  const patch = JSON.parse(Buffer.from(String(r['patch']), 'base64').toString('utf8')) as { op: string; path: string; value: unknown }[];
  const env: Record<string, string> = {};
  for (const op of patch) if (op.path === '/spec/containers/0/env') for (const e of op.value as { name: string; value: string }[]) env[e.name] = e.value;
  const job = patch.find((op) => op.path.endsWith('/annotations') || op.path.endsWith('gatehouse.dev~1job'));
  const annotations = { 'gatehouse.dev/role': 'trainer', 'gatehouse.dev/job': env['GATEHOUSE_JOB_ID'] ?? '' };
  assert.ok(job !== undefined && env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] !== undefined, JSON.stringify(patch));
  // As stored once scheduled and started.
  const stored: Json = { ...pod, metadata: { ...(pod['metadata'] as Json), uid: `uid-${name}`, annotations }, spec: { ...(pod['spec'] as Json), nodeName: 'node-1', containers: [{ name: 'main', image: 'trainer:1', env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }] }, status: { phase: 'Running' } };
  return { pod: stored, env };
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'admin' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/admin`, kubernetesGroups: ['admins'] } },
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  token = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});
after(() => server?.stop());

const post = (env: Record<string, string>, path: string, body?: string): Promise<Response> =>
  fetch(`${new URL(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin}${path}`, { method: 'POST', headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '', 'content-type': 'application/json' }, ...(body !== undefined ? { body } : {}) });

async function stateOf(id: string): Promise<string> {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['state']);
}

describe('review nn3: a pod has no launcher', () => {
  it('its capability does not end its job, and its credentials keep working', async () => {
    const { env } = await runningPod('p-end');
    const id = env['GATEHOUSE_JOB_ID'] ?? '';
    const before = await stateOf(id);
    const end = await post(env, '/v1/launcher/end', '{"exitCode":0}');
    assert.equal(end.status, 403, `the pod's capability ended its job: ${await end.text()}`);
    assert.equal(await stateOf(id), before);
    const r = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
    assert.equal(r.status, 200, await r.text());
  });

  it('its capability is no heartbeat', async () => {
    const { env } = await runningPod('p-beat');
    const beat = await post(env, '/v1/launcher/heartbeat');
    assert.equal(beat.status, 403, await beat.text());
  });
});
