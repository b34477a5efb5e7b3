/**
 * Review sy, 4: a SubjectAccessReview decided for a principal of another account than the cluster's (an access entry
 * may map any principal that exists: `createAccessEntry`, review nr, 1) was recorded in the cluster's account alone.
 * The decision is that principal's request, made with its own credentials (the `k8s-aws-v1.` token its key signed),
 * on another account's resource: the S3 gateway and the authorize API record such a cross-account decision in both
 * accounts (src/app/audit.ts `auditedAuthorizer`, review V, P7, as CloudTrail delivers a cross-account data event to
 * both), and the Kubernetes webhook did not. The principal's account, which reads its own account's records only
 * (GET /v1/audit), saw nothing of what its user or role sessions did or were refused in that cluster; `audit query
 * --principal` or `--access-key-id` there found nothing.
 *
 * Now such a decision is recorded in the principal's account too, with `crossAccount` in both copies and none of the
 * cluster account's explanation (its RBAC bindings and reasons) in the principal's, as the resource owner's copy of
 * the other doors leaves out the caller's rules: when Gatehouse's own TokenReview established that principal (its
 * sealed session or key), never on the cluster's word alone (`extra.arn`, which impersonation or whoever sends the
 * reviews sets at will), which would let one account write into another's log. A principal of the cluster's own
 * account is recorded once, as before.
 *
 * Real server (SQLite), admin API (SigV4), the TokenReview webhook with a `k8s-aws-v1.` token signed by SDK v3's
 * SignatureV4 (as `aws eks get-token`), SubjectAccessReviews as kube-apiserver sends them.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reviewedUser, subjectAccessReview } from './support/admission.ts';
import type { Credentials, TestServer } from './support/server.ts';
import { startCrossAccountCluster, type CrossAccountCluster } from './support/kube-ops-world.ts';

const A = '000000000000';
const B = '222233334444';
const GROUP = 'rbac.authorization.k8s.io';
const DENY_DELETE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: '*' }] });
const binding = (name: string, user: string) => ({ apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name, namespace: 'ml' }, subjects: [{ kind: 'User', name: user, apiGroup: GROUP }], roleRef: { kind: 'Role', name: 'secrets', apiGroup: GROUP } });

describe('review sy4: a Kubernetes decision about another account\'s principal is in that account\'s log too', () => {
  let s: TestServer;
  let bearer = '';
  let rootB: Credentials;
  let zed: Credentials;
  let bob: Credentials;
  let records: CrossAccountCluster['records'];
  before(async () => {
    ({ s, bearer, rootB, zed, bob, records } = await startCrossAccountCluster({ policyName: 'no-delete', policy: DENY_DELETE, kubernetesGroups: [], bob: true, objects: [{ apiVersion: `${GROUP}/v1`, kind: 'Role', metadata: { name: 'secrets', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }, binding('zed', 'zed')] }));
  });
  after(() => s?.stop());

  it('account B reads what its user zed was allowed and refused in account A\'s cluster', async () => {
    const user = await reviewedUser(s.url, 'k1', bearer, zed);
    assert.equal(user.username, 'zed');
    const allowed = await subjectAccessReview(s.url, 'k1', bearer, user, { namespace: 'ml', verb: 'get', resource: 'secrets', name: 's1', group: '', version: 'v1' });
    assert.equal(allowed.allowed, true, allowed.reason);
    const refused = await subjectAccessReview(s.url, 'k1', bearer, user, { namespace: 'ml', verb: 'delete', resource: 'secrets', name: 's1', group: '', version: 'v1' });
    assert.equal(refused.allowed, false, refused.reason);
    const zedArn = `arn:aws:iam::${B}:user/zed`;
    // The cluster's account has both, with its explanation.
    const inA = await records(s.admin, `account=${A}&kind=decision&principal=${encodeURIComponent(zedArn)}`);
    assert.deepEqual(inA.map((r) => [r.action, r.decision]), [['kubernetes:get', 'Allow'], ['kubernetes:delete', 'ExplicitDeny']]);
    assert.equal(typeof inA[0]?.detail['reason'], 'string');
    assert.deepEqual(inA[0]?.detail['crossAccount'], { callerAccount: B, resourceAccount: A });
    // The principal's account reads them too.
    const inB = await records(rootB, `kind=decision&principal=${encodeURIComponent(zedArn)}`);
    assert.deepEqual(inB.map((r) => [r.account, r.action, r.decision, r.resource]), inA.map((r) => [B, r.action, r.decision, r.resource]), `account ${B} reads no record of what its user did in account ${A}'s cluster`);
    assert.deepEqual(inB[0]?.detail, { crossAccount: { callerAccount: B, resourceAccount: A } });
  });

  it('a review naming zed without what Gatehouse\'s TokenReview sealed (the cluster\'s word alone) stays in the cluster\'s account', async () => {
    // kube-apiserver (the cluster's owner) says who asks: `extra.arn` is set at will by impersonation, or by anyone who
    // can send the webhook reviews. Only a principal Gatehouse's TokenReview established is written into its account.
    const zedArn = `arn:aws:iam::${B}:user/zed`;
    const claimed = { username: 'zed', uid: '', groups: ['system:authenticated'], extra: { arn: [zedArn] } };
    await subjectAccessReview(s.url, 'k1', bearer, claimed, { namespace: 'ml', verb: 'get', resource: 'secrets', name: 'claimed', group: '', version: 'v1' });
    const inA = (await records(s.admin, `account=${A}&kind=decision&principal=${encodeURIComponent(zedArn)}`)).filter((r) => r.resource.endsWith('/secrets/claimed'));
    assert.equal(inA.length, 1, JSON.stringify(inA));
    const inB = (await records(rootB, `kind=decision&principal=${encodeURIComponent(zedArn)}`)).filter((r) => r.resource.endsWith('/secrets/claimed'));
    assert.deepEqual(inB, [], `account ${A}'s cluster wrote a decision it only claimed into account ${B}'s log`);
  });

  it('a principal of the cluster\'s own account is recorded once', async () => {
    const user = await reviewedUser(s.url, 'k1', bearer, bob);
    const v = await subjectAccessReview(s.url, 'k1', bearer, user, { namespace: 'ml', verb: 'delete', resource: 'pods', name: 'p', group: '', version: 'v1' });
    assert.equal(v.allowed, false, v.reason);
    const all = await records(s.admin, `kind=decision&principal=${encodeURIComponent(`arn:aws:iam::${A}:user/bob`)}&action=kubernetes:delete`);
    assert.deepEqual(all.map((r) => [r.account, r.decision]), [[A, 'ExplicitDeny']]);
    assert.equal(all[0]?.detail['crossAccount'], undefined);
  });
});
