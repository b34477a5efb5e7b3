/**
 * Review tr, 1: a refused TokenReview (src/app/kube.ts `tokenRefused`) was recorded in the account that owns the
 * access key id the token names, and only there, whatever the refusal: a token whose signature did not verify too.
 * The key id is no secret (CloudTrail logs it; any record of the key's use shows it), so anyone who can reach
 * kube-apiserver of a cluster in account A could write refusal records ("your key was presented to cluster k1") into
 * account B's log without holding B's secret, while account A, which runs the cluster and whose resource was asked
 * for, had no record of the refusal at all: `audit query` in A found nothing of a flood of bad tokens against its own
 * cluster when they named another account's keys.
 *
 * Contract: a record goes into another account's log only on what Gatehouse itself established, never on a caller's
 * word (the Kubernetes webhook's `inPrincipalsAccount`, review sy, 4, test/audit-review-sy4-…: "undefined on the
 * cluster's word alone, which must not write into another account's log"); a cross-account request is recorded in the
 * resource owner's account, and in the caller's too with `crossAccount` (DESIGN audit; review V, P7; review sy, 4).
 *
 * Now the refusal is recorded in the cluster's account, naming the key's owner as before; it is copied into the
 * owner's account (with `crossAccount` in both) only when the token authenticated that owner — its signature verified
 * and no access entry of the cluster maps it — never for a bad signature, an expired or malformed presigned request, or
 * a key the directory only names. A key of the cluster's own account is recorded once, as before.
 *
 * Real server (SQLite), a second account made on its store, the TokenReview webhook with `k8s-aws-v1.` tokens signed
 * by SDK v3's SignatureV4 (as `aws eks get-token`).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { refusedToken } from './support/admission.ts';
import { refusedCallerIdentities } from './support/audit-from.ts';
import { startCrossAccountCluster } from './support/kube-ops-world.ts';
import type { Credentials, TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222233334444';

describe('review tr1: a refused TokenReview is in the cluster\'s account, in the key owner\'s only once authenticated', () => {
  let s: TestServer;
  let bearer = '';
  let rootB: Credentials;
  let zed: Credentials;
  let yan: Credentials;
  let bob: Credentials;
  before(async () => {
    // B's users zed (mapped by k1's access entry) and yan (not), A's user bob (not).
    const world = await startCrossAccountCluster({ alsoInB: ['yan'], bob: true, entries: ['zed'] });
    ({ s, bearer, rootB, zed, bob } = world);
    yan = world.inB['yan'] as Credentials;
  });
  after(() => s?.stop());

  const refuse = (creds: Credentials): Promise<void> => refusedToken(s.url, 'k1', bearer, creds);
  const refusals = (who: Credentials, account: string, keyId: string): Promise<AuditRecord[]> => refusedCallerIdentities(s, who, account, keyId);

  it('a token naming account B\'s key with a wrong signature is recorded in the cluster\'s account A, not in B', async () => {
    await refuse({ ...zed, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET' });
    const inA = await refusals(s.admin, A, zed.accessKeyId);
    assert.deepEqual(
      inA.map((r) => [r.account, r.principal, r.resource, r.detail['authentication'], r.detail['cluster']]),
      [[A, `arn:aws:iam::${B}:user/zed`, `arn:aws:training::${A}:cluster/k1`, 'SignatureDoesNotMatch', 'k1']],
      `account ${A} has no record of a bad token against its own cluster`,
    );
    assert.equal(inA[0]?.detail['crossAccount'], undefined, 'an owner only claimed is no established caller account');
    const inB = await refusals(rootB, B, zed.accessKeyId);
    assert.deepEqual(inB, [], `a token whose signature did not verify wrote into account ${B}'s log`);
  });

  it('account B\'s user that authenticated but has no access entry: in A, and in B with crossAccount', async () => {
    await refuse(yan);
    const crossAccount = { callerAccount: B, resourceAccount: A };
    const inA = await refusals(s.admin, A, yan.accessKeyId);
    assert.deepEqual(inA.map((r) => [r.account, r.principal, r.detail['authentication'], r.detail['crossAccount']]), [[A, `arn:aws:iam::${B}:user/yan`, 'AccessDenied', crossAccount]]);
    const inB = await refusals(rootB, B, yan.accessKeyId);
    assert.deepEqual(inB.map((r) => [r.account, r.principal, r.detail['authentication'], r.detail['crossAccount'], r.detail['cluster']]), [[B, `arn:aws:iam::${B}:user/yan`, 'AccessDenied', crossAccount, 'k1']]);
  });

  it('a key of the cluster\'s own account: one record there, as before', async () => {
    await refuse({ ...bob, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET' });
    assert.deepEqual(await refusals(rootB, B, bob.accessKeyId), []);
    const all = await refusals(s.admin, A, bob.accessKeyId);
    assert.deepEqual(all.map((r) => [r.account, r.principal, r.detail['authentication'], r.detail['crossAccount']]), [[A, `arn:aws:iam::${A}:user/bob`, 'SignatureDoesNotMatch', undefined]]);
  });
});
