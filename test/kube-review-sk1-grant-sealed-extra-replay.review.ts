/**
 * Review sk, 1: a workload's grant (`gatehouse.dev/role-grant`, on its pod template and so on every pod made from it,
 * readable by whoever may get Deployments or pods in the namespace) carried its author's sealed TokenReview extra
 * verbatim: a plain user's `gatehouse.dev/user` (valid for an hour) or a session's `gatehouse.dev/session` (valid for the
 * session's life). Base64url JSON, so any reader copied it, and a Kubernetes user allowed to impersonate (`kubectl --as
 * <author> --as-user-extra arn=<author's ARN> --as-user-extra gatehouse.dev/user=<copied>`) had pod admission open it as
 * that author's identity and pass the role on the author's iam:PassRole, which review ch, 1 made impersonation unable to
 * do. A grant now carries the author's facts sealed for grants of that cluster (another binding), which admission never
 * takes from `extra`; grants made before still serve their controllers' pods.
 *
 * Before the fix 2 of 5 tests failed.
 *
 * Real server; tokens presigned by SDK v3's SignatureV4 (as `aws eks get-token`), the role session from AssumeRole
 * through SDK v3; the AdmissionReviews in the JSON kube-apiserver sends (the impersonated user as kube-apiserver hands it
 * on: username, groups and extra as the impersonation headers set them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { admitObject, reviewedUser, type JsonPatch, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const V = '2012-10-17';
const NS = 'ml';
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
let alice: Creds;
let session: Creds;

const POD = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' };
const pod = (name: string, annotations: Record<string, string> = { 'gatehouse.dev/role': 'runner' }, owner?: object) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, annotations, ...(owner !== undefined ? { ownerReferences: [owner] } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});
const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name }, annotations: { 'gatehouse.dev/role': 'runner' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
});
const controller = { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} };
const owner = (rs: string) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: '6f1d0000-0000-0000-0000-000000000001', controller: true, blockOwnerDeletion: true });

const admit = (kind: typeof POD, user: unknown, object: Record<string, unknown>) => admitObject(server.url, 'k1', bearer, NS, kind, user, object);
const reviewed = (creds: Creds): Promise<UserInfo> => reviewedUser(server.url, 'k1', bearer, creds);

/** The grant the webhook put on a Deployment `user` made, and its payload as any reader of the Deployment decodes it. */
async function grantOf(user: UserInfo, name: string): Promise<{ grant: string; payload: Record<string, string> }> {
  const d = await admit(DEPLOYMENT, user, deployment(name));
  assert.equal(d.allowed, true, d.message);
  const grant = (d.patch as JsonPatch).find((p) => p.path.endsWith('role-grant'))?.value;
  assert.equal(typeof grant, 'string', JSON.stringify(d.patch));
  const payload = JSON.parse(Buffer.from(String(grant).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, string>;
  return { grant: String(grant), payload };
}

/** `kubectl --as <user> --as-group … --as-user-extra …`: kube-apiserver hands on exactly what the headers say. */
function impersonating(user: UserInfo, extra: Record<string, readonly string[]>): UserInfo {
  return { username: user.username, groups: user.groups, extra: { arn: user.extra['arn'] ?? [], ...extra } } as UserInfo;
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const trust = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
  await server.iam().send(new CreateRoleCommand({ RoleName: 'runner', AssumeRolePolicyDocument: trust }));
  await server.iam().send(new CreateRoleCommand({ RoleName: 'eng', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] }) }));
  await server.iam().send(new PutRolePolicyCommand({ RoleName: 'eng', PolicyName: 'pass', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] }) }));
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'alice', { inlinePolicies: { pass: { Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] } } }),
      doc('AccessEntry', 'alice', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'eng', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/eng`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'alice' });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  alice = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/eng`, RoleSessionName: 'dev-1' }))).Credentials;
  session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
});

after(async () => {
  await server?.stop();
});

test("alice's own token: her pod naming the role is admitted", async () => {
  const r = await admit(POD, await reviewed(alice), pod('own'));
  assert.equal(r.allowed, true, r.message);
});

test("a plain user's identity copied from her Deployment's grant, replayed by impersonation: the pod is refused", async () => {
  const user = await reviewed(alice);
  const { payload } = await grantOf(user, 'serve');
  const copied = payload['u'];
  assert.equal(typeof copied, 'string', 'a user\'s grant carries her facts');
  const r = await admit(POD, impersonating(user, { 'gatehouse.dev/user': [copied as string] }), pod('stolen-u'));
  assert.equal(r.allowed, false, 'the grant\'s copy of her identity is not her TokenReview\'s');
  assert.match(r.message, /PassRole|pass role|cannot pass/i);
});

test("a session's claims copied from its Deployment's grant, replayed by impersonation: the pod is refused", async () => {
  const user = await reviewed(session);
  const { payload } = await grantOf(user, 'train');
  const copied = payload['s'];
  assert.equal(typeof copied, 'string', "a session's grant carries its claims");
  const r = await admit(POD, impersonating(user, { sessionName: user.extra['sessionName'] ?? [], 'gatehouse.dev/session': [copied as string] }), pod('stolen-s'));
  assert.equal(r.allowed, false, "the grant's copy of the session is not its TokenReview's");
});

test("the grants still serve the pods the ReplicaSet controller makes: a user's and a session's", async () => {
  for (const [creds, name] of [[alice, 'web'], [session, 'batch']] as const) {
    const { grant } = await grantOf(await reviewed(creds), name);
    const p = await admit(POD, controller, pod(`${name}-5d8f-x1`, { 'gatehouse.dev/role': 'runner', 'gatehouse.dev/role-grant': grant }, owner(`${name}-5d8f`)));
    assert.equal(p.allowed, true, `${name}: ${p.message}`);
  }
});

test('a grant pasted on a pod by a user without PassRole serves no one', async () => {
  // The grant itself is bound to its author; a user without PassRole pasting it on a pod is refused (as before).
  const { grant } = await grantOf(await reviewed(alice), 'api');
  const r = await admit(POD, { username: 'mallory', groups: ['system:authenticated'], extra: {} }, pod('pasted', { 'gatehouse.dev/role': 'runner', 'gatehouse.dev/role-grant': grant }));
  assert.equal(r.allowed, false);
});
