/**
 * Review pk, 5: a Secret of type `kubernetes.io/service-account-token` refused at admission (its user denied
 * `kubernetes:impersonate` on the service account, review ip1) was recorded with the asking principal, and for a role's
 * session its role and session, but not the key that signed its token (`accessKeyId`), nor its job or source identity:
 * every other record of a caller's action names them (`actorOf`, review mi 2; the session's own SubjectAccessReviews,
 * reviews nh 1 and ou 3), and `audit query --access-key-id <the key>` — how one finds what a leaked key tried — missed
 * an attempt to mint a token acting as a service account.
 *
 * Contract: docs/decisions.md "Audit records of a caller's action name it whole" (review pa); issue 7 (every denial
 * recorded with who asked). Now the refusal names them as Gatehouse's TokenReview sealed them. Real server, SDK v3
 * (AssumeRole of the session), its token reviewed by the TokenReview webhook, an AdmissionReview as kube-apiserver
 * sends it.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { admissionReviewOf, admit, SECRET_KIND, tokenSecretFor } from './support/admission.ts';
import { ciSessionOnK1, type CiSession } from './support/kube-session.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let ci: CiSession;

before(async () => {
  server = await startTestServer();
  ci = await ciSessionOnK1(server, (cluster) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` }] }),
  );
});
after(async () => {
  await server?.stop();
});

test('pk5: the refused token Secret names the key that signed the session’s token', async () => {
  const r = await admit(server.url, 'k1', ci.bearer, admissionReviewOf(SECRET_KIND, 'CREATE', tokenSecretFor('prod', 'deployer'), null, ci.user));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  const account = `${ci.cluster}/namespaces/prod/serviceaccounts/deployer`;
  const records = (await auditRecords(server, { action: 'kubernetes:impersonate' })).filter((x) => x.resource === account);
  assert.equal(records.length, 1, JSON.stringify(records));
  const [rec] = records;
  assert.match(rec?.session ?? '', /:assumed-role\/ci\/build-7$/);
  assert.equal(rec?.accessKeyId, ci.session.accessKeyId);
  // Found by the key, as the session's other records are.
  const byKey = (await auditRecords(server, { accessKeyId: ci.session.accessKeyId })).filter((x) => x.action === 'kubernetes:impersonate');
  assert.equal(byKey.length, 1, JSON.stringify(byKey));
});
