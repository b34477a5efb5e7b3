/**
 * Review to, 2: a SubjectAccessReview for a principal of another account than the cluster's that no longer resolves
 * (its key deactivated, the user disabled or deleted, its session revoked or expired: kube-apiserver keeps the user its
 * TokenReview answered for minutes) was recorded in the cluster's account alone, as Gatehouse's RBAC granting it
 * nothing. Review sy, 4 records a decision about such a principal in its own account too when Gatehouse's own
 * TokenReview established it (docs/decisions.md, "a decision across accounts is recorded in both"), but the refusal of
 * a principal that stopped resolving took the other path (src/app/kube.ts, the unresolved branch of `accessReview`)
 * and was left out: the account that deactivated the key or disabled the user never saw that it was still presented
 * in another account's cluster, the very record it most needs.
 *
 * Now it is recorded in the principal's account too when Gatehouse's TokenReview sealed that principal (its key, or
 * its session), `crossAccount` in both and none of the cluster's reason in the principal's copy; on `extra.arn` alone
 * (the cluster's word, which impersonation or whoever sends the reviews sets) it stays in the cluster's account, so the
 * cluster's owner cannot write into another account's log.
 *
 * Real server (SQLite), IAM Query API (SDK v3), the TokenReview webhook with a `k8s-aws-v1.` token signed by SDK v3's
 * SignatureV4, SubjectAccessReviews as kube-apiserver sends them.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reviewedUser, subjectAccessReview } from './support/admission.ts';
import { startCrossAccountCluster, type CrossAccountCluster } from './support/kube-ops-world.ts';
import type { Credentials, TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222233334444';

describe('review to2: an unresolved principal of another account, established by our TokenReview, is in its account\'s log too', () => {
  let s: TestServer;
  let bearer = '';
  let rootB: Credentials;
  let zed: Credentials;
  let records: CrossAccountCluster['records'];
  let deactivateInB: CrossAccountCluster['deactivateInB'];
  before(async () => {
    ({ s, bearer, rootB, zed, records, deactivateInB } = await startCrossAccountCluster());
  });
  after(() => s?.stop());

  it('account B reads that its user zed, its key deactivated, was still presented in account A\'s cluster', async () => {
    const user = await reviewedUser(s.url, 'k1', bearer, zed);
    await deactivateInB('zed');
    // kube-apiserver still holds the user its TokenReview answered.
    const v = await subjectAccessReview(s.url, 'k1', bearer, user, { namespace: 'ml', verb: 'get', resource: 'secrets', name: 'after-deactivation', group: '', version: 'v1' });
    assert.equal(v.allowed, false, v.reason);
    const zedArn = `arn:aws:iam::${B}:user/zed`;
    const inA = (await records(s.admin, `account=${A}&kind=decision&principal=${encodeURIComponent(zedArn)}`)).filter((r) => r.resource.endsWith('/after-deactivation'));
    assert.equal(inA.length, 1, JSON.stringify(inA));
    assert.match(String(inA[0]?.detail['reason']), /grants it nothing/);
    assert.deepEqual(inA[0]?.detail['crossAccount'], { callerAccount: B, resourceAccount: A });
    const inB = (await records(rootB, `kind=decision&principal=${encodeURIComponent(zedArn)}`)).filter((r) => r.resource.endsWith('/after-deactivation'));
    assert.deepEqual(inB.map((r) => [r.account, r.action, r.decision]), [[B, 'kubernetes:get', 'ImplicitDeny']], `account ${B} reads no record of its deactivated user's key still presented in account ${A}'s cluster`);
    assert.deepEqual(inB[0]?.detail, { crossAccount: { callerAccount: B, resourceAccount: A } });
  });

  it('a review naming a principal of account B only by extra.arn (the cluster\'s word) stays in the cluster\'s account', async () => {
    const ghost = `arn:aws:iam::${B}:user/ghost`;
    const claimed = { username: 'ghost', uid: '', groups: ['system:authenticated'], extra: { arn: [ghost] } };
    const v = await subjectAccessReview(s.url, 'k1', bearer, claimed, { namespace: 'ml', verb: 'get', resource: 'secrets', name: 'claimed', group: '', version: 'v1' });
    assert.equal(v.allowed, false, v.reason);
    const inA = (await records(s.admin, `account=${A}&kind=decision&principal=${encodeURIComponent(ghost)}`)).filter((r) => r.resource.endsWith('/claimed'));
    assert.equal(inA.length, 1, JSON.stringify(inA));
    assert.equal(inA[0]?.detail['crossAccount'], undefined);
    const inB = (await records(rootB, `kind=decision&principal=${encodeURIComponent(ghost)}`)).filter((r) => r.resource.endsWith('/claimed'));
    assert.deepEqual(inB, [], `account ${A}'s cluster wrote a refusal it only claimed into account ${B}'s log`);
  });
});
