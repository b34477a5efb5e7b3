/**
 * Review ou, 6: a question to the authorize API about a job's session named by its ARN
 * (`arn:aws:sts::A:assumed-role/R/job-<id>`) on a cluster's resources was decided as a bare session of the role, without
 * the session tags its job gives it (`gatehouse:workspace`, `gatehouse:job`), while the SubjectAccessReview webhook
 * decides that session's own reviews with them. Policies scope jobs by those tags (src/core/sts/session.ts:
 * "policies scope by them (`${aws:PrincipalTag/gatehouse:workspace}`)"), so the two doors disagreed both ways: a Deny of
 * deleting pods for jobs of workspace `teama` (`StringEquals aws:PrincipalTag/gatehouse:workspace`) was ExplicitDeny in
 * the webhook and Allow from the authorize API; and "a job touches only its workspace's namespace"
 * (`NotResource …/namespaces/${aws:PrincipalTag/gatehouse:workspace}/*`) was allowed by the webhook in `teama` and
 * ExplicitDeny from the authorize API.
 *
 * Contract: DESIGN.md "one authorizer contract" (the authorize API and the webhooks decide alike); docs/decisions.md "A
 * role session named by ARN": a job's session "is decided with what its job gives it, read from the job's record
 * (`jobSessionOf`)", and "Questions on a cluster's resources … as the SubjectAccessReview webhook does"; review ft: the
 * webhook decides a session's IAM side as the session (tags and session policies).
 *
 * What was wrong: src/app/authorize.ts `resolveNamed` skipped the job's record on a cluster's resources. Now a job's
 * session is resolved from it there too (its tags, source identity and session policy), as everywhere else.
 *
 * Before the fix 2 of 4 tests failed.
 *
 * A real server (startTestServer, SQLite); the job's session fetched from its container endpoint as the SDKs fetch it,
 * its token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview and SubjectAccessReview webhooks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { reviewedUser, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const CLUSTER = `arn:aws:training::${ACCT}:cluster/k1`;
const RBAC = 'rbac.authorization.k8s.io';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let bearer = '';

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  try {
    const trust = doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });
    // Jobs of `teama` may not delete pods anywhere; jobs of any workspace touch only their workspace's namespace.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ou6-no-delete', AssumeRolePolicyDocument: trust }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ou6-no-delete', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${CLUSTER}/*`, Condition: { StringEquals: { 'aws:PrincipalTag/gatehouse:workspace': 'teama' } } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ou6-own-namespace', AssumeRolePolicyDocument: trust }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ou6-own-namespace', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Deny', Action: 'kubernetes:*', NotResource: `${CLUSTER}/namespaces/\${aws:PrincipalTag/gatehouse:workspace}/*` }) }));
  } finally {
    iam.destroy();
  }
  const g = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      g('Cluster', 'k1', {}),
      g('AccessEntry', 'no-delete', { cluster: 'k1', principalArn: `arn:aws:iam::${ACCT}:role/ou6-no-delete`, kubernetesGroups: ['trainers'] }),
      g('AccessEntry', 'own-namespace', { cluster: 'k1', principalArn: `arn:aws:iam::${ACCT}:role/ou6-own-namespace`, kubernetesGroups: ['trainers'] }),
      g('Workspace', 'teama', { members: [{ user: 'admin' }] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const rbac = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'trainers-pods' }, subjects: [{ kind: 'Group', name: 'trainers', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'pods', apiGroup: RBAC } },
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});

after(async () => {
  await s?.stop();
});

/** A job of workspace `teama` with role `role`: its session ARN and the Kubernetes user its token is reviewed as. */
async function jobOf(role: string): Promise<{ arn: string; user: UserInfo }> {
  const submitted = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'teama', role: `arn:aws:iam::${ACCT}:role/${role}`, imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const c = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: String(submitted.json['capability']) } });
  assert.equal(c.status, 200);
  const j = (await c.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const user = await reviewedUser(s.url, 'k1', bearer, { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token });
  return { arn: `arn:aws:sts::${ACCT}:assumed-role/${role}/job-${id}`, user };
}

/** What the webhook and the authorize API (by the session's ARN, single and batch) answer for `verb` on pod `ns/p`. */
async function both(job: { arn: string; user: UserInfo }, verb: string, ns: string): Promise<{ webhook: string; api: string[] }> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { namespace: ns, verb, version: 'v1', resource: 'pods', name: 'p' }, user: job.user.username, groups: job.user.groups, extra: job.user.extra } };
  const r = await fetch(`${s.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const st = ((await r.json()) as { status: { allowed: boolean; denied?: boolean } }).status;
  const webhook = st.allowed ? 'Allow' : st.denied === true ? 'ExplicitDeny' : 'ImplicitDeny';
  const q = { principal: job.arn, action: `kubernetes:${verb}`, resource: `${CLUSTER}/namespaces/${ns}/pods/p` };
  const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', q);
  assert.equal(a.status, 200, JSON.stringify(a.json));
  const b = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: [q] });
  assert.equal(b.status, 200, JSON.stringify(b.json));
  return { webhook, api: [String(a.json['decision']), String((b.json['results'] as Record<string, unknown>[])[0]?.['decision'])] };
}

test('ou6: a Deny on the job’s workspace tag: ExplicitDeny from both doors', async () => {
  const job = await jobOf('ou6-no-delete');
  assert.deepEqual(await both(job, 'delete', 'prod'), { webhook: 'ExplicitDeny', api: ['ExplicitDeny', 'ExplicitDeny'] });
  assert.deepEqual(await both(job, 'get', 'prod'), { webhook: 'Allow', api: ['Allow', 'Allow'] });
});

test('ou6: a job kept to its workspace’s namespace: allowed there, denied elsewhere, by both doors', async () => {
  const job = await jobOf('ou6-own-namespace');
  assert.deepEqual(await both(job, 'get', 'teama'), { webhook: 'Allow', api: ['Allow', 'Allow'] });
  assert.deepEqual(await both(job, 'get', 'teamb'), { webhook: 'ExplicitDeny', api: ['ExplicitDeny', 'ExplicitDeny'] });
});

test('ou6: a default-role job’s session (its session policy allows no kubernetes: action) is still allowed by RBAC, as in the webhook', async () => {
  const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/teamd', { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::ou6-teamd' });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const submitted = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'teamd', role: 'default', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const entry = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${ACCT}:role/GatehouseTrainingDefaultRole`, kubernetesGroups: ['trainers'] });
  assert.equal(entry.status, 201, JSON.stringify(entry.json));
  const c = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: String(submitted.json['capability']) } });
  assert.equal(c.status, 200);
  const j = (await c.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const user = await reviewedUser(s.url, 'k1', bearer, { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token });
  assert.deepEqual(await both({ arn: `arn:aws:sts::${ACCT}:assumed-role/GatehouseTrainingDefaultRole/job-${id}`, user }, 'get', 'teamd'), { webhook: 'Allow', api: ['Allow', 'Allow'] });
});

test('ou6: the role’s own ARN (any session, no job’s tags) is still decided with the role’s policies', async () => {
  const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ACCT}:role/ou6-no-delete`, action: 'kubernetes:delete', resource: `${CLUSTER}/namespaces/prod/pods/p` });
  assert.equal(a.json['decision'], 'Allow', JSON.stringify(a.json));
});
