/**
 * Review ip, 1 (kube): a Secret of type `kubernetes.io/service-account-token` refused at admission because its user is
 * explicitly denied `kubernetes:impersonate` on the service account it names (review ij, 5) was written to the audit log
 * as `training:AdmitWorkload` on the Secret's path, a job record with no role: an action no one did (no workload was
 * admitted), on a resource no Deny named, so `audit query --action kubernetes:impersonate`, the action the refusal names
 * and the one `kubectl --as` and `kubectl create token` are recorded under, did not find it. It is now recorded as the
 * decision it is: `kubernetes:impersonate` on `<cluster>/namespaces/<ns>/serviceaccounts/<account>`, ExplicitDeny, for
 * the principal whose Deny refused it, the Secret named in its detail.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; AdmissionReviews
 * as kube-apiserver sends them; the audit log read through the app and through `gatehouse audit query`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecords, cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admissionReviewOf, admit, SECRET_KIND, tokenSecretFor } from './support/admission.ts';

let server: TestServer;
let k1: AliceOnK1;

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({ 'not-deployer': { Version: '2012-10-17', Statement: [{ Sid: 'NotDeployer', Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` }] } }),
    group: 'devs',
    rbac: [],
  });
  const r = await admit(server.url, 'k1', k1.bearer, admissionReviewOf(SECRET_KIND, 'CREATE', tokenSecretFor('prod', 'deployer'), null, k1.user));
  assert.equal(r['allowed'], false, JSON.stringify(r));
});

after(async () => {
  await server?.stop();
});

test('the refused token Secret is recorded as the impersonation of the account the Deny names', async () => {
  const account = `${k1.cluster}/namespaces/prod/serviceaccounts/deployer`;
  const records = (await auditRecords(server, { action: 'kubernetes:impersonate' })).filter((x) => x.resource === account);
  assert.equal(records.length, 1, JSON.stringify(records));
  const [r] = records;
  assert.equal(r?.kind, 'decision');
  assert.equal(r?.decision, 'ExplicitDeny');
  assert.match(r?.principal ?? '', /^arn:aws:iam::\d{12}:user\/alice$/);
  const detail = r?.detail as Record<string, unknown>;
  assert.equal(detail['cluster'], 'k1');
  assert.deepEqual(detail['object'], { kind: 'Secret', namespace: 'prod', name: 'deployer-token' });
  assert.equal(detail['operation'], 'CREATE');
  assert.match(String(detail['reason']), /^secret prod\/deployer-token is a token of service account prod\/deployer/);
  const workload = await auditRecords(server, { action: 'training:AdmitWorkload' });
  assert.deepEqual(workload, [], 'no workload was admitted or refused');
});

test('gatehouse audit query --action kubernetes:impersonate finds it', async () => {
  const r = await cliAgainst(server, ['audit', 'query', '--action', 'kubernetes:impersonate', '--json']);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /serviceaccounts\/deployer/);
  assert.match(r.out, /deployer-token/);
});
