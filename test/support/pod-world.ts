/**
 * The world of reviews ce 4 and nn 3: a test server with cluster `k1` (its admin an access entry in group `admins`),
 * role `trainer` trusting compute.gatehouse.dev, and the cluster's webhook token; pods created running as `trainer`
 * through the admission webhook, as kube-apiserver sends their AdmissionReviews.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { reviewedUser } from './admission.ts';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, type TestServer } from './server.ts';

type Json = Record<string, unknown>;

/** An AdmissionReview request's `kind` and `resource` of a Pod. */
export const POD_REQUEST_KIND = { group: '', version: 'v1', kind: 'Pod' };
export const POD_REQUEST_RESOURCE = { group: '', version: 'v1', resource: 'pods' };

export interface PodWorld {
  readonly server: TestServer;
  /** The admin's account. */
  readonly account: string;
  /** The cluster's webhook bearer token. */
  readonly token: string;
  /** The admission webhook's `response` to `request` (200 asserted). */
  admit(request: Json): Promise<Json>;
  /** Creates pod `name` running as role `trainer`: its stored form (as a DELETE's oldObject) and its credential environment. */
  runningPod(name: string): Promise<{ pod: Json; env: Record<string, string> }>;
  stop(): Promise<void>;
}

export async function startPodWorld(): Promise<PodWorld> {
  const server = await startTestServer();
  const account = server.adminFile.AccountId;
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'admin' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${account}:user/admin`, kubernetesGroups: ['admins'] } },
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const token = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);

  async function admit(request: Json): Promise<Json> {
    const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
    const json = (await r.json()) as Json;
    assert.equal(r.status, 200, JSON.stringify(json));
    return json['response'] as Json;
  }

  async function runningPod(name: string): Promise<{ pod: Json; env: Record<string, string> }> {
    const pod: Json = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', annotations: { 'gatehouse.dev/role': 'trainer' } }, spec: { containers: [{ name: 'main', image: 'trainer:1' }], terminationGracePeriodSeconds: 30 } };
    // The admin, as the TokenReview of a token of its own makes it.
    const userInfo = await reviewedUser(server.url, 'k1', token, server.admin);
    const r = await admit({ uid: `c-${name}`, kind: POD_REQUEST_KIND, resource: POD_REQUEST_RESOURCE, name, namespace: 'ml', operation: 'CREATE', userInfo, object: pod, dryRun: false });
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

  return { server, account, token, admit, runningPod, stop: () => server.stop() };
}
