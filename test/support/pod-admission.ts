/**
 * Pods admitted through Gatehouse's webhook, for the provisional pod job reviews (vw1, wc1–wc4): a server with cluster
 * k1 (its webhook bearer), role Trainer trusting compute.gatehouse.dev, workspace vision (admin a member) and user
 * scientist, who may pass every role and is mapped into k1 by an access entry. A pod is admitted by its CREATE
 * AdmissionReview as scientist naming Trainer, in namespace ml; its credential request is the one its SDK makes, from
 * the environment the webhook's patch gave it.
 */
import assert from 'node:assert/strict';
import { reviewedAs } from './admission.ts';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, type TestServer } from './server.ts';

type Json = Record<string, unknown>;

/** An admission's answer: allowed, or refused with its status code and message. */
export interface Admission {
  readonly allowed: boolean;
  readonly code: number | undefined;
  readonly message: string;
}

export interface PodAdmissionWorld {
  readonly server: TestServer;
  /** The CREATE admission of pod `name`; an allowed pod's job id and environment are kept for the calls below. */
  admit(name: string): Promise<Admission>;
  /** `admit`, which must allow. */
  admitted(name: string): Promise<void>;
  /** Pod `name`'s credential request, as its SDK makes it. */
  fetchCredentials(name: string): Promise<{ status: number; body: string }>;
  /** The id of pod `name`'s job. */
  podJob(name: string): string;
  /** `GET /v1/jobs/<id>`, which must answer 200. */
  getJob(id: string): Promise<Json>;
  /** Whether pod `name`'s job is still provisional. */
  provisional(name: string): Promise<boolean>;
}

/** The world above on a server started with `options`. */
export async function podAdmissionWorld(options: Parameters<typeof startTestServer>[0] = {}): Promise<PodAdmissionWorld> {
  const server = await startTestServer(options);
  const acct = server.adminFile.AccountId;
  const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Workspace', 'vision', { members: [{ user: 'admin' }] }),
      doc('Cluster', 'k1', {}),
      doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
      doc('User', 'scientist', { inlinePolicies: { pass: passAll } }),
      doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/scientist`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  const bearer = String(config.json['token']);
  const scientist = await reviewedAs(server, 'k1', bearer, 'scientist');
  const pods = new Map<string, { id: string; env: Record<string, string> }>();
  let uid = 0;

  const admit = async (name: string): Promise<Admission> => {
    const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', annotations: { 'gatehouse.dev/role': 'Trainer' } }, spec: { containers: [{ name: 'c', image: 'trainer:v1' }] } };
    const request = { uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, name, namespace: 'ml', operation: 'CREATE', userInfo: scientist, object, oldObject: null, dryRun: false };
    const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
    const json = (await r.json()) as Json;
    assert.equal(r.status, 200, JSON.stringify(json));
    const response = json['response'] as Json;
    const status = response['status'] as { code?: number; message?: string } | undefined;
    if (response['allowed'] === true) {
      const patch = JSON.parse(Buffer.from(String(response['patch']), 'base64').toString('utf8')) as { path: string; value: unknown }[];
      const env: Record<string, string> = {};
      for (const op of patch) if (op.path === '/spec/containers/0/env') for (const e of op.value as { name: string; value: string }[]) env[e.name] = e.value;
      pods.set(name, { id: env['GATEHOUSE_JOB_ID'] ?? assert.fail(JSON.stringify(patch)), env });
    }
    return { allowed: response['allowed'] === true, code: status?.code, message: String(status?.message ?? '') };
  };
  const podJob = (name: string): string => pods.get(name)?.id ?? assert.fail(`no pod ${name}`);
  const getJob = async (id: string): Promise<Json> => {
    const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };
  return {
    server,
    admit,
    admitted: async (name) => {
      const a = await admit(name);
      assert.ok(a.allowed, `pod ${name} refused: ${a.code ?? ''} ${a.message}`);
    },
    fetchCredentials: async (name) => {
      const env = pods.get(name)?.env ?? assert.fail(`no pod ${name}`);
      const r = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
      return { status: r.status, body: await r.text() };
    },
    podJob,
    getJob,
    provisional: async (name) => ((await getJob(podJob(name)))['pod'] as Json)['provisional'] === true,
  };
}
