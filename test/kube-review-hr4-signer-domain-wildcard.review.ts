/**
 * Review hr, 4: an IAM deny on approving one signer's certificate requests was bypassed by the signer-domain check that
 * follows it. To approve a CertificateSigningRequest, kube-apiserver's admission (`plugin/pkg/admission/certificates`
 * `IsAuthorizedForSignerName`) asks whether the user may `approve` the `signers` object named by the request's
 * signerName (`kubernetes.io/kube-apiserver-client`), and when that is not allowed, asks again for the signer's whole
 * domain, name `kubernetes.io/*`, and approves if that is allowed. With a Deny of `kubernetes:approve` on
 * `<cluster>/signers.certificates.k8s.io/kubernetes.io/kube-apiserver-client` (client certificates for any user name
 * and group, `system:masters` included) and RBAC that lets her approve signers, alice's first review was denied, the
 * second, viewed as `…/signers.certificates.k8s.io/kubernetes.io/*` (a literal `*` that no Deny pattern names), was
 * allowed, and the request was approved. The domain review stands for every signer of the domain, as a review naming
 * no object stands for every object (review K, K3): it is now denied when IAM denies one signer of that domain, in the
 * webhook and in the authorize API.
 *
 * Before the fix 2 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as the admission plugin sends them (`apiGroup` certificates.k8s.io,
 * version `*`, resource `signers`, no namespace); the authorize API as the root admin asks it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;
const RBAC = 'rbac.authorization.k8s.io';
const CERTS = 'certificates.k8s.io';

const approve = (signer: string) => k1.sar({ resourceAttributes: { verb: 'approve', group: CERTS, version: '*', resource: 'signers', name: signer } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'no-client-certs': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:approve', Resource: `${cluster}/signers.${CERTS}/kubernetes.io/kube-apiserver-client` }] },
    }),
    group: 'approvers',
    rbac: [
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'csr-approver' }, rules: [{ apiGroups: [CERTS], resources: ['signers'], verbs: ['approve'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'approvers' }, subjects: [{ kind: 'Group', name: 'approvers', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'csr-approver', apiGroup: RBAC } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('the denied signer is denied, by name and through its domain', async () => {
  const exact = await approve('kubernetes.io/kube-apiserver-client');
  assert.deepEqual([exact.allowed, exact.denied], [false, true], exact.reason);
  const domain = await approve('kubernetes.io/*');
  assert.deepEqual([domain.allowed, domain.denied], [false, true], domain.reason);
  assert.match(domain.reason, /kubernetes:approve on resource: arn:aws:training::\d{12}:cluster\/k1\/signers\.certificates\.k8s\.io\/kubernetes\.io\/kube-apiserver-client /);
});

test('the authorize API says the same of the domain', async () => {
  assert.equal(await k1.ask('kubernetes:approve', `/signers.${CERTS}/kubernetes.io/*`), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:approve', `/signers.${CERTS}/example.com/*`), 'Allow');
});

test('another signer of the domain, by name, is allowed', async () => {
  const other = await approve('kubernetes.io/kubelet-serving');
  assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
});

test('another domain is allowed', async () => {
  const other = await approve('example.com/*');
  assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
});
