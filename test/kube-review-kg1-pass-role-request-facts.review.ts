/**
 * Review kg, 1: admission's PassRole decision for a pod naming a role (`gatehouse.dev/role`) was made without the keys
 * of the request the creator's token was signed for: no `acs:AccessId` (the key) and no `aws:RequestedRegion` (the
 * region), which admission's service-account check and the SubjectAccessReview webhook have had since reviews kc 1 and
 * kc 4. A negated operator on an absent key is true, so RAM's approved-key guard (`Deny` `*` unless `StringEquals
 * acs:AccessId [<approved key>]`) and a region guard written with `Action: *` refused, "with an explicit deny",
 * `iam:PassRole` for every pod of the principal they guard, although kube-apiserver had let it create the pod. Now the
 * PassRole is decided with the key and region Gatehouse's TokenReview sealed (the session's, or the plain user's
 * `gatehouse.dev/user` facts), never with what `extra` claims; a workload's grant carries the author's sealed facts, so
 * the pods a controller makes from its template are decided with them too. A token signed with another key, or for
 * another region, is still refused.
 *
 * Before the fix 3 of 5 tests failed.
 *
 * Real server; tokens presigned by SDK v3's SignatureV4 (as `aws eks get-token`), the role session from AssumeRole
 * through SDK v3; the AdmissionReviews in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateRoleCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { admitObject, type JsonPatch, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const V = '2012-10-17';
const NS = 'ml';
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
let approved: Creds;
let other: Creds;

const POD = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' };
const pod = (name: string, annotations: Record<string, string> = { 'gatehouse.dev/role': 'runner' }, owner?: object) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, annotations, ...(owner !== undefined ? { ownerReferences: [owner] } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

/** A `k8s-aws-v1.` token for k1 presigned for `region` (`aws eks get-token --region`). */
async function token(creds: Creds, region: string): Promise<string> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ service: 'sts', region, credentials: creds, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-k8s-aws-id': 'k1' } },
    { expiresIn: 60 },
  );
  return `k8s-aws-v1.${Buffer.from(`${u.protocol}//${u.host}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`).toString('base64url')}`;
}

async function reviewed(creds: Creds, region = 'us-east-1'): Promise<UserInfo> {
  const r = await fetch(`${server.url}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await token(creds, region) } }) });
  const json = (await r.json()) as { status: { authenticated: boolean; user: UserInfo; error?: string } };
  assert.equal(json.status.authenticated, true, json.status.error);
  return json.status.user;
}

const admit = (kind: typeof POD, user: unknown, object: Record<string, unknown>) => admitObject(server.url, 'k1', bearer, NS, kind, user, object);

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const trust = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
  await server.iam().send(new CreateRoleCommand({ RoleName: 'runner', AssumeRolePolicyDocument: trust }));
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'alice', { inlinePolicies: { pass: { Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] } } }),
      doc('AccessEntry', 'alice', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
  const key = async (): Promise<Creds> => {
    const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'alice' });
    assert.equal(k.status, 201, JSON.stringify(k.json));
    return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
  };
  approved = await key();
  other = await key();
  // RAM's approved-key guard and a region guard, both on every action.
  const guards = {
    Version: V,
    Statement: [
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'acs:AccessId': [approved.accessKeyId] } } },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } } },
    ],
  };
  await server.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'guards', PolicyDocument: JSON.stringify(guards) }));
});

after(async () => {
  await server?.stop();
});

test('signed with the approved key for us-east-1: the pod naming a role is admitted', async () => {
  const r = await admit(POD, await reviewed(approved), pod('p1'));
  assert.equal(r.allowed, true, r.message);
});

test('signed with another key, or for another region: still refused, with an explicit deny of PassRole', async () => {
  for (const [creds, region] of [[other, 'us-east-1'], [approved, 'eu-west-1']] as const) {
    const r = await admit(POD, await reviewed(creds, region), pod('p2'));
    assert.equal(r.allowed, false, `${creds.accessKeyId} ${region}`);
    assert.match(r.message, /(iam:PassRole|kubernetes:impersonate) .*explicit deny/);
  }
});

test('a key claimed in extra without the sealed facts does not count', async () => {
  const user = await reviewed(other);
  const { 'gatehouse.dev/user': _sealed, ...claimed } = user.extra;
  const forged = { ...user, extra: { ...claimed, accessKeyId: [approved.accessKeyId] } };
  const r = await admit(POD, forged, pod('p3'));
  assert.equal(r.allowed, false, 'no sealed facts: the passer is unknown');
});

test('a workload by the approved key: its grant is made, and the pod the ReplicaSet controller makes from it is admitted', async () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'serve', namespace: NS },
    spec: { selector: { matchLabels: { app: 'serve' } }, template: { metadata: { labels: { app: 'serve' }, annotations: { 'gatehouse.dev/role': 'runner' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  };
  const d = await admit(DEPLOYMENT, await reviewed(approved), deployment);
  assert.equal(d.allowed, true, d.message);
  const grant = (d.patch as JsonPatch).find((p) => p.path.endsWith('role-grant'))?.value;
  assert.equal(typeof grant, 'string', JSON.stringify(d.patch));
  const controller = { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} };
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'serve-5d8f', uid: '6f1d0000-0000-0000-0000-000000000001', controller: true, blockOwnerDeletion: true };
  const p = await admit(POD, controller, pod('serve-5d8f-x1', { 'gatehouse.dev/role': 'runner', 'gatehouse.dev/role-grant': grant as string }, owner));
  assert.equal(p.allowed, true, p.message);
});

test('a role session: PassRole decided with the region its token was signed for', async () => {
  await server.iam().send(new CreateRoleCommand({ RoleName: 'eng', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] }) }));
  const policy = { Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } } }] };
  await server.iam().send(new PutRolePolicyCommand({ RoleName: 'eng', PolicyName: 'pass', PolicyDocument: JSON.stringify(policy) }));
  const entry = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${acct}:role/eng`, kubernetesGroups: ['devs'] });
  assert.equal(entry.status, 201, JSON.stringify(entry.json));
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/eng`, RoleSessionName: 'dev-1' }))).Credentials;
  const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  const home = await admit(POD, await reviewed(session, 'us-east-1'), pod('p4'));
  assert.equal(home.allowed, true, home.message);
  const away = await admit(POD, await reviewed(session, 'ap-south-1'), pod('p5'));
  assert.equal(away.allowed, false, 'a token of another region');
});
