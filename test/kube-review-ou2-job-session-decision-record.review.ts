/**
 * Review ou, 2: a job's session acting in a Kubernetes cluster (a training job whose process runs `kubectl` with the
 * job's credentials, its token reviewed by the TokenReview webhook) had its SubjectAccessReview decisions recorded with
 * its role and session but without its job or source identity: `gatehouse audit query --job <id>` (`GET
 * /v1/audit?job=`) listed what the job did through the IAM and STS APIs, the authorize API and the S3 gateway, and none
 * of what it did, or was refused, in the cluster.
 *
 * Contract: DESIGN.md "Who uses it": the auditor "asks who did what, with which role, from which job"; docs/decisions.md
 * "Every record says who acted and from where": every record of what a caller did names, "when a role session acted its
 * `session`, `job` and `sourceIdentity`"; the authorize API records them so (src/app/audit.ts `note`).
 *
 * What was wrong: src/app/kube.ts `accessReview` wrote `role` and `session` from the principal, never the job or source
 * identity of the session whose sealed claims it opened. Now they are taken from those claims (the session Gatehouse's
 * TokenReview sealed, never from what `extra` says unsealed).
 *
 * Before the fix 2 of 2 tests failed.
 *
 * A real server (startTestServer, SQLite); the job's session fetched from its container endpoint as the SDKs fetch
 * it, its token presigned by SDK v3's SignatureV4 and reviewed by the webhooks in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { reviewedUser, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/ou2-trainer`;
const CLUSTER = `arn:aws:training::${ACCT}:cluster/k1`;
const RBAC = 'rbac.authorization.k8s.io';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let bearer = '';

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  try {
    const trust = doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ou2-trainer', AssumeRolePolicyDocument: trust }));
    // Secrets of `prod` are denied to the role's sessions: a denial is recorded whatever the allow sampling.
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ou2-trainer', PolicyName: 'no-prod-secrets', PolicyDocument: doc({ Effect: 'Deny', Action: 'kubernetes:*', Resource: `${CLUSTER}/namespaces/prod/secrets*` }) }));
  } finally {
    iam.destroy();
  }
  const g = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [g('Cluster', 'k1', {}), g('AccessEntry', 'trainer', { cluster: 'k1', principalArn: ROLE, kubernetesGroups: ['trainers'] }), g('Workspace', 'ou2', { members: [{ user: 'admin' }] })] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const rbac = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'trainers-read' }, subjects: [{ kind: 'Group', name: 'trainers', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'reader', apiGroup: RBAC } },
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});

after(async () => {
  await s?.stop();
});

/** The SubjectAccessReview webhook's answer for `user` getting `name` of `resource` in `namespace`. */
async function sar(user: UserInfo, namespace: string, resource: string, name: string): Promise<{ allowed: boolean; denied: boolean }> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { namespace, verb: 'get', version: 'v1', resource, name }, user: user.username, groups: user.groups, extra: user.extra } };
  const r = await fetch(`${s.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as { status: { allowed: boolean; denied?: boolean } };
  assert.equal(r.status, 200, JSON.stringify(json));
  return { allowed: json.status.allowed, denied: json.status.denied === true };
}

/** The audit's decision records on the cluster's resources that `query` selects, once what is queued is written. */
async function clusterDecisions(query: string): Promise<AuditRecord[]> {
  await s.running.app.audit.flush();
  const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=decision&limit=1000&${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json['records'] as AuditRecord[]).filter((x) => x.resource.startsWith(`${CLUSTER}/`));
}

test('ou2: a job’s session’s SubjectAccessReview decisions are recorded with its job, found by audit query --job', async () => {
  const submitted = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'ou2', role: ROLE, imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const c = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: String(submitted.json['capability']) } });
  assert.equal(c.status, 200);
  const j = (await c.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const session: Credentials = { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
  const user = await reviewedUser(s.url, 'k1', bearer, session);

  assert.deepEqual(await sar(user, 'ml', 'pods', 'p1'), { allowed: true, denied: false });
  assert.deepEqual(await sar(user, 'prod', 'secrets', 'db'), { allowed: false, denied: true });

  const records = await clusterDecisions(`job=${encodeURIComponent(id)}`);
  const got = records.map((x) => `${x.action} ${x.resource.slice(CLUSTER.length)} ${x.decision} ${x.job} ${x.session}`).sort();
  const session_ = `arn:aws:sts::${ACCT}:assumed-role/ou2-trainer/job-${id}`;
  assert.deepEqual(got, [`kubernetes:get /namespaces/ml/pods/p1 Allow ${id} ${session_}`, `kubernetes:get /namespaces/prod/secrets/db ExplicitDeny ${id} ${session_}`], JSON.stringify(records));
});

test('ou2: a session with a source identity has it on its SubjectAccessReview decisions; a session of no job names none', async () => {
  const a = await s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'laptop', SourceIdentity: 'carol' }));
  const session: Credentials = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
  const user = await reviewedUser(s.url, 'k1', bearer, session);
  assert.deepEqual(await sar(user, 'prod', 'secrets', 'api-key'), { allowed: false, denied: true });
  const records = (await clusterDecisions(`principal=${encodeURIComponent(`arn:aws:sts::${ACCT}:assumed-role/ou2-trainer/laptop`)}`)).filter((x) => x.resource.endsWith('/api-key'));
  assert.equal(records.length, 1, JSON.stringify(records));
  assert.equal(records[0]?.sourceIdentity, 'carol', JSON.stringify(records));
  assert.equal(records[0]?.job, undefined, JSON.stringify(records));
});
