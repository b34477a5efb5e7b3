/**
 * Review og, 3: admission let a signed-out console sign-in's user pass a role to a pod.
 *
 * The contract (docs/decisions.md, "Admission takes a passer's IAM identity only from facts its own TokenReview sealed",
 * review ch, 1): a plain user's sealed identity counts while the user is the same, not disabled, "and the key to be still
 * its own and Active (as the SubjectAccessReview checks `extra.accessKeyId`)" — the user as kube-apiserver cached it
 * passes a role only while a token signed the same way would still be taken. A console sign-in (`POST
 * /v1/console/sign-in`) ends with `POST /v1/console/sign-out` (`ExpiredToken` from then on).
 *
 * What was wrong: a sign-in opened with a user's access key has no session in its caller, so the TokenReview sealed a
 * plain user's facts naming the sign-in's temporary key id, and admission checked that key as `keyProblem` does, which
 * skips every temporary key id: signed out, its user as kube-apiserver cached it still created a pod whose job runs as
 * role `trainer` (iam:PassRole decided as alice). Now the sign-in sealed with the facts (review og, 2) is checked here
 * too, and the pod is refused.
 *
 * Real server; the sign-in opened and ended as web/console.js signs its calls; its token presigned by SDK v3's
 * SignatureV4 (as `aws eks get-token`) and reviewed by the TokenReview webhook; the AdmissionReview as kube-apiserver
 * sends it.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { consoleCall, consoleSignIn } from './support/console-idle.ts';
import { admit, podCreate, reviewedUser } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' })) }));
  await admin('POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'alice', { inlinePolicies: { pass: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }) } }),
      doc('AccessEntry', 'alice', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['devs'] }),
    ],
  });
  bearer = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
});
after(async () => {
  await server?.stop();
});

test("og3: a signed-out console sign-in's cached user passes no role to a pod", async () => {
  const k = await admin('POST', '/v1/access-keys', { userName: 'alice' });
  const signIn = await consoleSignIn(server, { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) });
  const user = await reviewedUser(server.url, 'k1', bearer, signIn);
  // Signed in, alice's sign-in passes trainer (what the check below must not lose).
  const before = await admit(server.url, 'k1', bearer, podCreate(acct, 'alice', 'train-0', 'trainer', user));
  assert.equal(before['allowed'], true, JSON.stringify(before));
  const out = await consoleCall(server, signIn, 'POST', '/v1/console/sign-out');
  assert.equal(out.status, 200, JSON.stringify(out.json));
  const after = await admit(server.url, 'k1', bearer, podCreate(acct, 'alice', 'train-1', 'trainer', user));
  assert.equal(after['allowed'], false, `a pod passing trainer was admitted for a signed-out sign-in: ${JSON.stringify(after)}`);
  assert.match(String((after['status'] as { message?: string } | undefined)?.message), /console sign-in/);
});
