/**
 * Review pk, 4: a pod the admission webhook refused was recorded (`training:AdmitPod`, decision Deny) with the ARN of
 * the session that asked as its principal and nothing else of it: not its role (`actingRole`), not the session, the
 * job it belongs to, its source identity or the key that signed its token. A job submission refused is recorded with
 * all of them (`actorOf`: jobs.ts `recordStart`), and so is the same session's SubjectAccessReview (review ou, 3): so
 * `audit query --role <the session's role>` found what the session did in the cluster except its attempt to run a pod as
 * a role it may not pass, and which key tried it said nowhere.
 *
 * Contract: issue 7 (every denial recorded with who asked: role, session, job); docs/decisions.md "Audit records of a
 * caller's action name it whole" (review pa: each record names the caller as `actorOf` does). Now the record names
 * the acting session as Gatehouse's TokenReview sealed it: `session`, the pod's role as `role` with the session's as
 * `actingRole`, its job and source identity when it has them, and its key. Real server, SDK v3, an AdmissionReview as
 * kube-apiserver sends it with the user the TokenReview webhook answered.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit, podCreate } from './support/admission.ts';
import { ciSessionOnK1, type CiSession } from './support/kube-session.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let ci: CiSession;
let acct = '';

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  ci = await ciSessionOnK1(server, () => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
});
after(async () => {
  await server?.stop();
});

test('pk4: a refused pod names the session that asked, its role and its key', async () => {
  const trainer = `arn:aws:iam::${acct}:role/trainer`;
  const ciRole = `arn:aws:iam::${acct}:role/ci`;
  const sessionArn = `arn:aws:sts::${acct}:assumed-role/ci/build-7`;
  // Role ci has no iam:PassRole: the pod is refused.
  const r = await admit(server.url, 'k1', ci.bearer, podCreate(acct, 'unused', 'pk4-pod', trainer, ci.user));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  const refused = (await auditRecords(server, { action: 'training:AdmitPod' })).filter((x) => x.decision === 'Deny');
  assert.equal(refused.length, 1, JSON.stringify(refused));
  const rec = refused[0];
  assert.ok(rec);
  assert.equal(rec.principal, sessionArn);
  assert.equal(rec.role, trainer, 'the role the pod named');
  assert.equal(rec.actingRole, ciRole, 'the role of the session that asked');
  assert.equal(rec.session, sessionArn);
  assert.equal(rec.accessKeyId, ci.session.accessKeyId);
  // Found by the acting role, as its SubjectAccessReviews are.
  const byRole = await auditRecords(server, { action: 'training:AdmitPod', role: ciRole });
  assert.equal(byRole.length, 1, JSON.stringify(byRole));
});
