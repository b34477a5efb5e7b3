/**
 * Review to, 4: the admission webhook's own decision about a principal of another account than the cluster's (a
 * service-account token Secret refused as `kubernetes:impersonate` of the account, decided on that principal's Deny
 * statements: review ip, 1) was recorded in the cluster's account alone. Review sy, 4 records the same principal's
 * SubjectAccessReviews in its own account too when Gatehouse's TokenReview established it (docs/decisions.md, "a
 * decision across accounts is recorded in both"), and review to, 1 its pod admissions; this refusal, decided by the
 * principal's own account's policy, was left in the cluster's: that account's readers never saw its Deny refuse its
 * user there, nor the attempt.
 *
 * Now it is recorded in the principal's account too when Gatehouse's TokenReview sealed that principal,
 * `crossAccount` in both and none of the cluster's explanation (the refusal's text, the object) in the principal's;
 * named only by `extra.arn` (the cluster's word) it stays in the cluster's account.
 *
 * Real server (SQLite), IAM Query API (SDK v3), the TokenReview webhook with a `k8s-aws-v1.` token signed by SDK v3's
 * SignatureV4, AdmissionReviews as kube-apiserver sends them.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admissionReviewOf, admit, reviewedUser, SECRET_KIND, tokenSecretFor } from './support/admission.ts';
import type { Credentials, TestServer } from './support/server.ts';
import { startCrossAccountCluster, type CrossAccountCluster } from './support/kube-ops-world.ts';

const A = '000000000000';
const B = '222233334444';
const DENY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'NoImpersonation', Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: '*' }] });

describe('review to4: an admission decision about another account\'s principal is in that account\'s log too', () => {
  let s: TestServer;
  let bearer = '';
  let rootB: Credentials;
  let zed: Credentials;
  let records: CrossAccountCluster['records'];
  before(async () => {
    ({ s, bearer, rootB, zed, records } = await startCrossAccountCluster({ policyName: 'no-impersonation', policy: DENY, kubernetesGroups: ['devs'] }));
  });
  after(() => s?.stop());
  const zedArn = `arn:aws:iam::${B}:user/zed`;

  it('account B reads that its Deny refused its user zed a service account\'s token Secret in account A\'s cluster', async () => {
    const user = await reviewedUser(s.url, 'k1', bearer, zed);
    const r = await admit(s.url, 'k1', bearer, admissionReviewOf(SECRET_KIND, 'CREATE', tokenSecretFor('prod', 'deployer'), null, user));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    const inA = (await records(s.admin, `account=${A}&action=kubernetes:impersonate&principal=${encodeURIComponent(zedArn)}`)).filter((x) => x.resource.endsWith('/serviceaccounts/deployer'));
    assert.deepEqual(inA.map((x) => x.decision), ['ExplicitDeny'], JSON.stringify(inA));
    assert.equal(typeof inA[0]?.detail['reason'], 'string');
    assert.deepEqual(inA[0]?.detail['crossAccount'], { callerAccount: B, resourceAccount: A });
    const inB = (await records(rootB, `action=kubernetes:impersonate&principal=${encodeURIComponent(zedArn)}`)).filter((x) => x.resource.endsWith('/serviceaccounts/deployer'));
    assert.deepEqual(
      inB.map((x) => [x.account, x.resource, x.decision, x.accessKeyId]),
      inA.map((x) => [B, x.resource, x.decision, zed.accessKeyId]),
      `account ${B} reads no record of its Deny refusing its user in account ${A}'s cluster`,
    );
    assert.deepEqual(inB[0]?.detail, { crossAccount: { callerAccount: B, resourceAccount: A } });
  });

  it('a token Secret by a user naming zed only by extra.arn (the cluster\'s word) stays in the cluster\'s account', async () => {
    const claimed = { username: 'zed', uid: '', groups: ['system:authenticated'], extra: { arn: [zedArn] } };
    const r = await admit(s.url, 'k1', bearer, admissionReviewOf(SECRET_KIND, 'CREATE', tokenSecretFor('prod', 'builder'), null, claimed));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    const inA = (await records(s.admin, `account=${A}&action=kubernetes:impersonate&principal=${encodeURIComponent(zedArn)}`)).filter((x) => x.resource.endsWith('/serviceaccounts/builder'));
    assert.equal(inA.length, 1, JSON.stringify(inA));
    assert.equal(inA[0]?.detail['crossAccount'], undefined);
    const inB = (await records(rootB, `action=kubernetes:impersonate&principal=${encodeURIComponent(zedArn)}`)).filter((x) => x.resource.endsWith('/serviceaccounts/builder'));
    assert.deepEqual(inB, [], `account ${A}'s cluster wrote a decision it only claimed into account ${B}'s log`);
  });
});
