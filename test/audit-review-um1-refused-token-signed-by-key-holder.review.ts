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
import * as I from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { kubeToken } from './support/admission.ts';
import { createdAccount, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222233334444';
const WRONG = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review um1: a TokenReview refused for its key or time says who signed it, and reaches the key owner when its holder did', () => {
  let s: TestServer;
  let bearer = '';
  let rootB: Credentials;
  let off: Credentials;
  let yan: Credentials;
  before(async () => {
    s = await startTestServer();
    rootB = await createdAccount(s, B, 'other');
    const iamB = new I.IAMClient({ endpoint: s.url, region: 'us-east-1', credentials: rootB, maxAttempts: 1 });
    try {
      for (const name of ['zed', 'yan']) {
        await iamB.send(new I.CreateUserCommand({ UserName: name }));
        const key = (await iamB.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
        const c = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
        if (name === 'zed') {
          await iamB.send(new I.UpdateAccessKeyCommand({ UserName: name, AccessKeyId: c.accessKeyId, Status: 'Inactive' }));
          off = c;
        } else yan = c;
      }
    } finally {
      iamB.destroy();
    }
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [doc('Cluster', 'k1', {}), doc('AccessEntry', 'yan', { cluster: 'k1', principalArn: `arn:aws:iam::${B}:user/yan`, kubernetesGroups: [], username: 'yan' })],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
    await s.running.app.refresh();
  });
  after(() => s?.stop());

  const refuse = async (creds: Credentials, signingDate?: Date): Promise<void> => {
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await kubeToken(s.url, 'k1', creds, signingDate) } };
    const r = await fetch(`${s.url}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
    const json = (await r.json()) as { status: { authenticated: boolean } };
    assert.equal(r.status, 200, JSON.stringify(json));
    assert.equal(json.status.authenticated, false, JSON.stringify(json));
  };
  const refusals = async (who: Credentials, account: string, keyId: string): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, who, 'GET', `/v1/audit?kind=decision&action=sts:GetCallerIdentity&account=${account}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as AuditRecord[]).filter((x) => x.detail['accessKeyId'] === keyId && x.detail['authentication'] !== undefined);
  };
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
