/**
 * Review kc, 1: the IAM side of Kubernetes decisions had no `aws:RequestedRegion`, so the common region guard of
 * identity policies (`Deny` everything but `iam:*` and `sts:*` when `StringNotEquals aws:RequestedRegion [us-east-1]`,
 * as AWS's "deny access outside the requested regions" example and Control Tower's region deny write it) explicitly
 * denied every Kubernetes request of the principal it guards: a negated operator on an absent key is true. The
 * SubjectAccessReview webhook answered `denied: true` to `kubectl get pods` for a user whose token was signed for
 * us-east-1, and admission refused every pod it created (the pod acts as its service account, `kubernetes:impersonate`,
 * review ij, 1). Every other door gives the key the region the request was signed for (SigV4's credential scope: the
 * S3 gateway, STS, the Query API; review al, 1). A `k8s-aws-v1.` token is SigV4-presigned too: its region is now the
 * `aws:RequestedRegion` of the decisions made for the user it authenticates, carried from the TokenReview to the
 * SubjectAccessReviews and AdmissionReviews in the facts Gatehouse seals into `extra` (a session's, or a plain user's),
 * never a value an impersonating client (`kubectl --as-user-extra`) can set. A token signed for another region is still
 * denied, and an impersonated user, whose requests carry no token of its own, has no region, as before.
 *
 * Before the fix 3 of 5 tests failed.
 *
 * Real server; tokens presigned by SDK v3's SignatureV4 (as `aws eks get-token`), the role session from AssumeRole
 * through SDK v3; the reviews in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admitObject } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';
const V = '2012-10-17';
/** The region guard, as AWS's example writes it: nothing outside us-east-1 but the global services. */
const REGION_GUARD = { Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } } };

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

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

async function webhook(which: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${k1.bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

type User = { username: string; groups: string[]; extra: Record<string, string[]> };

async function reviewed(creds: Creds, region: string): Promise<User> {
  const s = await webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await token(creds, region) } });
  assert.equal(s['authenticated'], true, JSON.stringify(s));
  return s['user'] as User;
}

async function getPods(user: User): Promise<{ allowed: boolean; denied: boolean; reason: string }> {
  const s = await webhook('authorize', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { resourceAttributes: { verb: 'get', version: 'v1', resource: 'pods', namespace: 'ml', name: 'p' }, user: user.username, groups: user.groups, extra: user.extra },
  });
  return { allowed: s['allowed'] === true, denied: s['denied'] === true, reason: String(s['reason']) };
}

let aliceKey: Creds;

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: () => ({ 'region-guard': { Version: V, Statement: [REGION_GUARD] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'alice' });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  aliceKey = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});

after(async () => {
  await server?.stop();
});

test('a user whose token was signed for the region its guard allows may do what RBAC allows', async () => {
  const r = await getPods(await reviewed(aliceKey, 'us-east-1'));
  assert.deepEqual([r.allowed, r.denied], [true, false], r.reason);
});

test('a token signed for another region is still denied by the guard', async () => {
  const r = await getPods(await reviewed(aliceKey, 'eu-west-1'));
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
  assert.match(r.reason, /kubernetes:get .* with an explicit deny/);
});

test('the region cannot be set by an impersonating client: an impersonated user has none', async () => {
  const user = await reviewed(aliceKey, 'eu-west-1');
  // `kubectl --as <alice> --as-group ops --as-user-extra …`: no sealed facts, only what the client says.
  const forged = { username: user.username, groups: user.groups, extra: { arn: user.extra['arn'] ?? [], region: ['us-east-1'], 'aws:requestedregion': ['us-east-1'] } };
  const r = await getPods(forged);
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
});

test('a role session: the region its token was signed for, with the guard in its role policy', async () => {
  const acct = server.adminFile.AccountId;
  await server.iam().send(new CreateRoleCommand({ RoleName: 'eng', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] }) }));
  await server.iam().send(new PutRolePolicyCommand({ RoleName: 'eng', PolicyName: 'region-guard', PolicyDocument: JSON.stringify({ Version: V, Statement: [REGION_GUARD] }) }));
  const entry = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${acct}:role/eng`, kubernetesGroups: ['ops'] });
  assert.equal(entry.status, 201, JSON.stringify(entry.json));
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/eng`, RoleSessionName: 'dev-1' }))).Credentials;
  const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  const home = await getPods(await reviewed(session, 'us-east-1'));
  assert.deepEqual([home.allowed, home.denied], [true, false], home.reason);
  const away = await getPods(await reviewed(session, 'ap-south-1'));
  assert.deepEqual([away.allowed, away.denied], [false, true], away.reason);
});

test('admission lets the user create a pod (it acts as its service account) when its token was signed for us-east-1', async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ml' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const kind = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
  const home = await admitObject(server.url, 'k1', k1.bearer, 'ml', kind, await reviewed(aliceKey, 'us-east-1'), pod);
  assert.equal(home.allowed, true, home.message);
  const away = await admitObject(server.url, 'k1', k1.bearer, 'ml', kind, await reviewed(aliceKey, 'eu-west-1'), pod);
  assert.equal(away.allowed, false, 'a token of another region');
  assert.match(away.message, /kubernetes:impersonate/);
});
