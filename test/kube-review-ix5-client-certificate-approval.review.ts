/**
 * Review ix, 5: approving client certificates got past an IAM deny on impersonating. A CertificateSigningRequest for
 * the signer `kubernetes.io/kube-apiserver-client`, once approved, is signed by kube-controller-manager with the
 * cluster's client CA, for whatever subject the request names: a certificate with CN
 * `system:serviceaccount:prod:deployer` authenticates as that service account (RBAC matches ServiceAccount subjects by
 * that username), CN `bob` as bob, O `system:masters` in that group. Kubernetes' own docs treat `approve` on this signer
 * as the power to mint any identity. kube-apiserver asks `approve` on `signers` named
 * `kubernetes.io/kube-apiserver-client` (then `kubernetes.io/*`) and never names the identity, so with `Deny
 * kubernetes:impersonate` on prod's service accounts, on the user bob and on the group system:masters, alice was refused
 * `kubectl --as` and `kubectl create token` for them but could approve her own request for a certificate of
 * `deployer`, or of bob. Such an approval, of that signer or of its domain, now also stands for `kubernetes:impersonate`
 * of each user, group and service account one of the approver's Deny statements names (as a token request naming no
 * account stands for each account, review ia, 3), in the webhook and the authorize API; an approval of the kubelet
 * client signer (`kubernetes.io/kube-apiserver-client-kubelet`, CN `system:node:<name>` only) of each node's user a Deny
 * names. Other signers (kubelet serving, another domain) are decided as before.
 *
 * Before the fix 4 of 5 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as the CSR admission plugin sends them (`apiGroup` certificates.k8s.io,
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
      'not-prod-accounts': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/*` }] },
      'not-bob-nor-masters': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: [`${cluster}/users/bob`, `${cluster}/groups/system:masters`] }] },
      'not-nodes': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/users/system:node:*` }] },
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

test('approving client certificates (any subject) is denied to whom IAM denies impersonating an identity', async () => {
  const exact = await approve('kubernetes.io/kube-apiserver-client');
  assert.deepEqual([exact.allowed, exact.denied], [false, true], exact.reason);
  assert.match(exact.reason, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/(namespaces\/prod\/serviceaccounts\/|users\/bob|groups\/system:masters)/);
});

test('through the signer domain too (asked when the signer itself is refused)', async () => {
  const domain = await approve('kubernetes.io/*');
  assert.deepEqual([domain.allowed, domain.denied], [false, true], domain.reason);
});

test('the authorize API says the same', async () => {
  assert.equal(await k1.ask('kubernetes:approve', `/signers.${CERTS}/kubernetes.io/kube-apiserver-client`), 'ExplicitDeny');
});

test('approving kubelet client certificates is impersonating a node, denied where that is', async () => {
  const kubelet = await approve('kubernetes.io/kube-apiserver-client-kubelet');
  assert.deepEqual([kubelet.allowed, kubelet.denied], [false, true], kubelet.reason);
  assert.match(kubelet.reason, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/users\/system:node:/);
});

test('signers that issue no client identity, and other domains, are decided as before', async () => {
  for (const signer of ['kubernetes.io/kubelet-serving', 'example.com/serving', 'example.com/*']) {
    const r = await approve(signer);
    assert.deepEqual([r.allowed, r.denied], [true, false], `${signer}: ${r.reason}`);
  }
});
