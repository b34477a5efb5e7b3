/**
 * Review to, 1: a pod admission (the admission webhook's PassRole decision) by a principal of another account than the
 * cluster's (an access entry may map any principal: `createAccessEntry`, review nr, 1) was recorded in the cluster's
 * account alone, as `training:AdmitPod`. The pod is that principal's request, made with its own credentials (the
 * `k8s-aws-v1.` token its key signed) and decided on its own policies (its `iam:PassRole`): review sy, 4 records the
 * same principal's SubjectAccessReviews in its account too, as the S3 gateway and the authorize API record a
 * cross-account decision in both accounts (src/app/audit.ts `auditedAuthorizer`, review V, P7; docs/decisions.md, "a
 * decision across accounts is recorded in both"). The principal's account, which reads only its own records (GET
 * /v1/audit), never saw its user try to pass a role to a pod in another account's cluster (a role of another account
 * is never passed, docs/semantics.md "Passing a role", so every such attempt is refused and recorded).
 *
 * Now such an admission is recorded in the principal's account too, `crossAccount` in both copies and none of the
 * cluster account's explanation (the refusal's text) in the principal's: only when Gatehouse's own TokenReview
 * established the principal (its sealed session or key, or a template's grant Gatehouse signed), never on `extra.arn`
 * alone (the cluster's word, which impersonation sets at will), so that no account writes into another's log.
 *
 * Real server (SQLite), admin API (SigV4), the TokenReview webhook with a `k8s-aws-v1.` token signed by SDK v3's
 * SignatureV4, AdmissionReviews as kube-apiserver sends them.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit, podCreate, reviewedUser } from './support/admission.ts';
import type { Credentials, TestServer } from './support/server.ts';
import { startCrossAccountCluster, type CrossAccountCluster } from './support/kube-ops-world.ts';

const A = '000000000000';
const B = '222233334444';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
const PASS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${A}:role/trainer` }] });

describe('review to1: a pod admission by another account\'s principal is in that account\'s log too', () => {
  let s: TestServer;
  let bearer = '';
  let rootB: Credentials;
  let zed: Credentials;
  let bob: Credentials;
  let records: CrossAccountCluster['records'];
  before(async () => {
    ({ s, bearer, rootB, zed, bob, records } = await startCrossAccountCluster({ policyName: 'pass', policy: PASS, kubernetesGroups: ['devs'], bob: true, prepare: async (server) => { await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST })); } }));
  });
  after(() => s?.stop());
  const zedArn = `arn:aws:iam::${B}:user/zed`;

  it('account B reads that its user zed tried to pass a role to a pod in account A\'s cluster', async () => {
    // A role of another account is never passed (docs/semantics.md, "Passing a role"): the attempt is refused, and it is
    // the attempt account B's readers need to see.
    const user = await reviewedUser(s.url, 'k1', bearer, zed);
    const no = await admit(s.url, 'k1', bearer, podCreate(B, 'zed', 'refused', `arn:aws:iam::${A}:role/trainer`, user));
    assert.equal(no['allowed'], false, JSON.stringify(no));
    const inA = await records(s.admin, `account=${A}&action=training:AdmitPod&principal=${encodeURIComponent(zedArn)}`);
    assert.deepEqual(inA.map((r) => [r.resource.split('/').pop(), r.decision, r.role]), [['refused', 'Deny', `arn:aws:iam::${A}:role/trainer`]]);
    assert.equal(typeof inA[0]?.detail['error'], 'string');
    assert.deepEqual(inA[0]?.detail['crossAccount'], { callerAccount: B, resourceAccount: A });
    const inB = await records(rootB, `action=training:AdmitPod&principal=${encodeURIComponent(zedArn)}`);
    assert.deepEqual(
      inB.map((r) => [r.account, r.resource, r.decision, r.accessKeyId]),
      inA.map((r) => [B, r.resource, r.decision, zed.accessKeyId]),
      `account ${B} reads no record of its user trying to pass a role in account ${A}'s cluster`,
    );
    // Nothing of the cluster account's explanation (the refusal's text, the role as account A stores it): the role as
    // zed's pod named it.
    assert.deepEqual(inB[0]?.detail, { crossAccount: { callerAccount: B, resourceAccount: A }, roleAnnotation: `arn:aws:iam::${A}:role/trainer` });
    assert.equal(inB[0]?.role, undefined);
  });

  it('a pod naming zed without what Gatehouse\'s TokenReview sealed (the cluster\'s word alone) stays in the cluster\'s account', async () => {
    const r = await admit(s.url, 'k1', bearer, podCreate(B, 'zed', 'claimed', `arn:aws:iam::${A}:role/trainer`));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    const inA = (await records(s.admin, `account=${A}&action=training:AdmitPod&principal=${encodeURIComponent(zedArn)}`)).filter((x) => x.resource.endsWith('/claimed'));
    assert.equal(inA.length, 1, JSON.stringify(inA));
    const inB = (await records(rootB, `action=training:AdmitPod&principal=${encodeURIComponent(zedArn)}`)).filter((x) => x.resource.endsWith('/claimed'));
    assert.deepEqual(inB, [], `account ${A}'s cluster wrote an admission it only claimed into account ${B}'s log`);
  });

  it('a principal of the cluster\'s own account is recorded once', async () => {
    const user = await reviewedUser(s.url, 'k1', bearer, bob);
    const v = await admit(s.url, 'k1', bearer, podCreate(A, 'bob', 'bobs', 'trainer', user));
    assert.equal(v['allowed'], true, JSON.stringify(v));
    const all = await records(s.admin, `action=training:AdmitPod&principal=${encodeURIComponent(`arn:aws:iam::${A}:user/bob`)}`);
    assert.deepEqual(all.map((r) => r.account), [A]);
    assert.equal(all[0]?.detail['crossAccount'], undefined);
  });
});
