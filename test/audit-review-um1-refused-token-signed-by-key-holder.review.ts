/**
 * Review um, 1: a TokenReview refused for its key (an inactive access key: the `credentials` step) or its time (a
 * `k8s-aws-v1.` token past its 15 minutes: the `signature` step) was recorded in the cluster's account alone, the same
 * whether the key's secret signed it or someone named the key id only, and never reached the key owner's account:
 * account B, whose disabled key was still presented to account A's cluster by its holder, could not read it, while the
 * Query API, /v1/ and the S3 gateway record such a refusal with `detail.signatureVerified` (review tu, 2 and 3) and a
 * refused principalProof that the key signed reaches its owner's account (review tu, 1).
 *
 * Contract: a record goes into another account's log only on what Gatehouse itself established, never on a caller's
 * word (review tr, 1, test/audit-review-tr1-…; the Kubernetes webhook's `inPrincipalsAccount`, review sy, 4); a
 * signature verified with the key's secret, checked as of the request's own time, is that (src/adapters/http/
 * key-holder.ts, docs/decisions.md "refused requests say who signed them"); a cross-account request is recorded in the
 * resource owner's account and in the caller's with `crossAccount` (DESIGN audit; review V, P7).
 *
 * Now such a refusal says `signatureVerified` in the cluster's account and, when true and the key is another
 * account's, is copied into the key owner's account with `crossAccount` in both; a token the key's secret did not
 * sign stays in the cluster's account alone (`signatureVerified: false`).
 *
 * Real server (SQLite), a second account, the TokenReview webhook with tokens signed by SDK v3's SignatureV4.
 *
 * Before the fix 3 of 3 tests failed.
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
const WRONG = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET';

describe('review um1: a TokenReview refused for its key or time says who signed it, and reaches the key owner when its holder did', () => {
  let s: TestServer;
  let bearer = '';
  let rootB: Credentials;
  let off: Credentials;
  let yan: Credentials;
  before(async () => {
    // B's users zed (its key made inactive: `off`) and yan (mapped by k1's access entry).
    const world = await startCrossAccountCluster({ alsoInB: ['yan'], entries: ['yan'] });
    ({ s, bearer, rootB, zed: off } = world);
    yan = world.inB['yan'] as Credentials;
    await world.deactivateInB('zed');
  });
  after(() => s?.stop());

  const refuse = (creds: Credentials, signingDate?: Date): Promise<void> => refusedToken(s.url, 'k1', bearer, creds, signingDate);
  const refusals = (who: Credentials, account: string, keyId: string): Promise<AuditRecord[]> => refusedCallerIdentities(s, who, account, keyId);
  const shape = (r: AuditRecord) => [r.account, r.principal, r.detail['authentication'], r.detail['signatureVerified'], r.detail['crossAccount'], r.detail['cluster']];
  const crossAccount = { callerAccount: B, resourceAccount: A };

  it("account B's inactive key, signed with its secret: in A and in B, signatureVerified, crossAccount", async () => {
    await refuse(off);
    const inA = await refusals(s.admin, A, off.accessKeyId);
    assert.deepEqual(inA.map(shape), [[A, `arn:aws:iam::${B}:user/zed`, 'InvalidClientTokenId', true, crossAccount, 'k1']]);
    assert.match(String(inA[0]?.detail['message']), /signed with the key's secret: its holder still uses it/);
    const inB = await refusals(rootB, B, off.accessKeyId);
    assert.deepEqual(inB.map(shape), [[B, `arn:aws:iam::${B}:user/zed`, 'InvalidClientTokenId', true, crossAccount, 'k1']], `account ${B} never read that its disabled key was still presented`);
  });

  it("account B's inactive key named with a wrong secret: in A alone, signatureVerified false", async () => {
    const before = (await refusals(rootB, B, off.accessKeyId)).length;
    await refuse({ ...off, secretAccessKey: WRONG });
    const inA = (await refusals(s.admin, A, off.accessKeyId)).filter((r) => r.detail['signatureVerified'] !== true);
    assert.deepEqual(inA.map(shape), [[A, `arn:aws:iam::${B}:user/zed`, 'InvalidClientTokenId', false, undefined, 'k1']]);
    assert.equal((await refusals(rootB, B, off.accessKeyId)).length, before, `a token the key did not sign wrote into account ${B}'s log`);
  });

  it("a token of account B's active key 20 minutes old: signed by its holder reaches B; forged stays in A", async () => {
    const stale = new Date(Date.now() - 20 * 60_000);
    await refuse(yan, stale);
    await refuse({ ...yan, secretAccessKey: WRONG }, stale);
    const inA = await refusals(s.admin, A, yan.accessKeyId);
    assert.deepEqual(
      inA.map(shape).sort((x, y) => String(x[3]).localeCompare(String(y[3]))),
      [
        [A, `arn:aws:iam::${B}:user/yan`, 'AccessDenied', false, undefined, 'k1'],
        [A, `arn:aws:iam::${B}:user/yan`, 'AccessDenied', true, crossAccount, 'k1'],
      ],
    );
    const inB = await refusals(rootB, B, yan.accessKeyId);
    assert.deepEqual(inB.map(shape), [[B, `arn:aws:iam::${B}:user/yan`, 'AccessDenied', true, crossAccount, 'k1']]);
    assert.match(String(inB[0]?.detail['message']), /signed with the key's secret \(a replayed request, or a client clock off\)/);
  });
});
