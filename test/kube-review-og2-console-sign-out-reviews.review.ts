/**
 * Review og, 2: a console sign-in's Kubernetes user kept being authorized after the sign-in was signed out.
 *
 * The contract (docs/decisions.md, "IAM takes part in Kubernetes authorization only by denying", review R, R1): kube-
 * apiserver caches a TokenReview for minutes and sends the user it gave in every SubjectAccessReview, so "a user whose
 * TokenReview would now be refused gets no opinion": a session revoked, a key made inactive. A console sign-in
 * (`POST /v1/console/sign-in`, src/app/sts.ts consoleSignIn) is temporary credentials ended by `POST
 * /v1/console/sign-out` on every instance (`ExpiredToken` from then on) and by `gatehouse sts revoke-sessions --user`.
 *
 * What was wrong: a sign-in opened with a user's access key acts as that key, with no session in its caller, so the
 * TokenReview of a token signed with it gave a plain user, and the SubjectAccessReview checks only a plain user's
 * long-term key (`extra.accessKeyId`; the sign-in's is an `ASIA…` id, skipped). Signed out (its keys copied off a
 * browser profile, the reason the sign-out exists), its token was refused, but its user as kube-apiserver cached it was
 * still allowed what RBAC gives: `get secrets` answered allowed. A session's sign-in was already checked (its claims are
 * sealed, revocation read on every review). Now the TokenReview seals the sign-in (its id, issue time, end and the key it
 * was opened with) with the user's facts, and a review of that user after the sign-out, the sign-in's end, or its key
 * made inactive gets no opinion, as its token would be refused.
 *
 * Real server; the sign-in opened and ended as web/console.js signs its calls; the token presigned by SDK v3's
 * SignatureV4 (as `aws eks get-token`) with the sign-in's credentials; reviews as kube-apiserver sends them.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleCall, consoleSignIn } from './support/console-idle.ts';
import { kubeToken, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const RBAC = 'rbac.authorization.k8s.io';
let server: TestServer;
let bearer = '';
let key: Credentials;

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function webhook(which: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

const tokenReview = async (c: Credentials) => webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await kubeToken(server.url, 'k1', c) } });

const getSecrets = (user: UserInfo) =>
  webhook('authorize', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: user.username, groups: user.groups, extra: user.extra, resourceAttributes: { verb: 'get', version: 'v1', resource: 'secrets', namespace: 'ml', name: 'db' } },
  });

/** A console sign-in of alice's key, and the Kubernetes user its token's TokenReview gives (asserted allowed `get secrets`). */
async function signedInUser(): Promise<{ signIn: Credentials; user: UserInfo }> {
  const signIn = await consoleSignIn(server, key);
  const tr = await tokenReview(signIn);
  assert.equal(tr['authenticated'], true, JSON.stringify(tr));
  const user = tr['user'] as UserInfo;
  const s = await getSecrets(user);
  assert.equal(s['allowed'], true, `RBAC allows the signed-in user: ${JSON.stringify(s)}`);
  return { signIn, user };
}

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  await admin('POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {}), doc('User', 'alice', {}), doc('AccessEntry', 'alice', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['devs'] })] });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'secret-reader', apiGroup: RBAC } },
    ],
  });
  bearer = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
  const k = await admin('POST', '/v1/access-keys', { userName: 'alice' });
  key = { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) };
});
after(async () => {
  await server?.stop();
});

test('og2: a signed-out console sign-in of a key gets no opinion for the user kube-apiserver cached', async () => {
  const { signIn, user } = await signedInUser();
  const out = await consoleCall(server, signIn, 'POST', '/v1/console/sign-out');
  assert.equal(out.status, 200, JSON.stringify(out.json));
  const again = await tokenReview(signIn);
  assert.equal(again['authenticated'], false, 'its token is refused from now on');
  const s = await getSecrets(user);
  assert.equal(s['allowed'], false, `the signed-out sign-in's cached user is still allowed: ${JSON.stringify(s)}`);
  assert.equal(s['denied'], undefined, 'no opinion, not an IAM deny');
  assert.match(String(s['reason']), /console sign-in/);
});

test("og2: a console sign-in whose key was made inactive gets no opinion, as its token is refused", async () => {
  const { signIn, user } = await signedInUser();
  await admin('PATCH', `/v1/access-keys/${key.accessKeyId}`, { status: 'Inactive', userName: 'alice' });
  try {
    const again = await tokenReview(signIn);
    assert.equal(again['authenticated'], false, 'its token is refused from now on');
    const s = await getSecrets(user);
    assert.equal(s['allowed'], false, `the cached user of a sign-in whose key is inactive is still allowed: ${JSON.stringify(s)}`);
    assert.equal(s['denied'], undefined);
  } finally {
    await admin('PATCH', `/v1/access-keys/${key.accessKeyId}`, { status: 'Active', userName: 'alice' });
  }
});
