/**
 * Review ct, 1: a refused authentication records the access key id it claimed (`detail.accessKeyId`), and the claim was
 * kept whenever it looked like a word (`[A-Za-z0-9._-]{4,128}`), though src/app/auth-failures.ts said only ids as
 * they are issued (`AKIA…`, `ASIA…`, `LTAI…`, `STS.…`) were. Credentials given the wrong way round (the secret in
 * AWS_ACCESS_KEY_ID: a misread form, a swapped profile) sign with `Credential=<secret>/…`, and the refusal put the
 * secret access key, or the part of it before its first `/`, into the audit log, which every reader of the account's
 * audit log (`gatehouse:ReadAudit`) sees, and which a record cannot be taken out of (the chain): here the admin's own
 * secret, by an SDK signing with swapped keys, and a secret in the SigV4 header, a presigned URL and S3's SigV2.
 * An id as issued is still recorded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

/** A secret as Gatehouse issues them (base64 of 30 bytes), with no `/` or `+`, and one with a `/` after 20 characters. */
const SECRETS = ['wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY0', 'Zq3vT8yLmN2pR5sW7xKd/9fHjB4cE6gA1oU0iYtQ'];
const DATE = new Date().toISOString().replace(/[-:]|\.\d+/g, '');

describe('review ct1: a secret sent where the access key id goes is not recorded', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  async function records(): Promise<AuditRecord[]> {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?limit=1000');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json as { records: AuditRecord[] }).records;
  }

  /** The claimed key ids recorded that are a part of one of `secrets` (8 characters or more). */
  const leaked = (all: AuditRecord[], secrets: readonly string[]): string[] =>
    all.map((r) => r.detail['accessKeyId']).filter((id): id is string => typeof id === 'string' && id.length >= 8 && secrets.some((x) => x.includes(id)));

  it('an SDK signing with the admin key id and secret swapped', async () => {
    const swapped = new STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: { accessKeyId: s.admin.secretAccessKey, secretAccessKey: s.admin.accessKeyId } });
    await assert.rejects(swapped.send(new GetCallerIdentityCommand({})));
    swapped.destroy();
    const all = await records();
    assert.ok(all.some((r) => r.action === 'sts:GetCallerIdentity' && r.detail['authentication'] !== undefined), 'the refusal is recorded');
    assert.deepEqual(leaked(all, [s.admin.secretAccessKey]), []);
    assert.ok(!JSON.stringify(all).includes(s.admin.secretAccessKey));
  });

  it('a secret in the SigV4 header, a presigned URL and an S3 SigV2 header', async () => {
    for (const secret of SECRETS) {
      const scope = `${DATE.slice(0, 8)}/${REGION}`;
      const header = `AWS4-HMAC-SHA256 Credential=${secret}/${scope}/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
      await (await fetch(`${s.url}/`, { method: 'POST', headers: { authorization: header, 'x-amz-date': DATE, 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListUsers&Version=2010-05-08' })).text();
      const q = new URLSearchParams({ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': `${secret}/${scope}/sts/aws4_request`, 'X-Amz-Date': DATE, 'X-Amz-Expires': '60', 'X-Amz-SignedHeaders': 'host', 'X-Amz-Signature': '0'.repeat(64) });
      await (await fetch(`${s.url}/?Action=GetCallerIdentity&Version=2011-06-15&${q}`)).text();
      await (await fetch(`${s.running.s3Url}/bucket/key`, { headers: { authorization: `AWS ${secret}:c2lnbmF0dXJl`, date: new Date().toUTCString() } })).text();
    }
    const all = await records();
    assert.ok(all.filter((r) => r.detail['authentication'] !== undefined).length >= 2 * 3, 'the refusals are recorded');
    assert.deepEqual(leaked(all, SECRETS), []);
  });

  it('an id as issued is still recorded', async () => {
    const unknown = 'AKIAUNKNOWNKEYID2345';
    const header = `AWS4-HMAC-SHA256 Credential=${unknown}/${DATE.slice(0, 8)}/${REGION}/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
    await (await fetch(`${s.url}/`, { method: 'POST', headers: { authorization: header, 'x-amz-date': DATE, 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListUsers&Version=2010-05-08' })).text();
    assert.ok((await records()).some((r) => r.detail['accessKeyId'] === unknown));
  });
});
