/**
 * Review tu, 3: the attempts made with a key once it was disabled are recorded under the key's owner and listed among
 * the key's records (docs/decisions.md, review nh, 3): the point is to see whether a leaked key's holder is still
 * trying it. But the key's refusal (InvalidClientTokenId, S3's InvalidAccessKeyId) was decided before the signature
 * was checked, so the record read the same whether the leaked secret signed the request or someone named the key id
 * alone (key ids are not secrets: CloudTrail logs them, and they travel in every request). AWS's incident guidance for
 * an exposed key is to deactivate it, then watch for further use of it; a record that cannot tell its holder from a
 * guesser answers neither.
 *
 * Now the Query API, the /v1/ API and the S3 gateway (SigV4) check the signature of a request refused for its key
 * (inactive, or an expired or revoked session) with that key's secret, and the record says `detail.signatureVerified`
 * and, when true, that its holder still uses it. The answer is unchanged (an inactive key is still not told from an
 * unknown one), and nothing is noted as a use.
 *
 * Real in-process server (SQLite), AWS SDK v3 clients, a SigV4-signed /v1/ request.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const CAROL = 'arn:aws:iam::000000000000:user/carol';

describe('review tu3: a request refused for its disabled key says whether the key\'s secret signed it', () => {
  let s: TestServer;
  let carol: Credentials;
  let guesser: Credentials;
  const clients: { destroy(): void }[] = [];
  before(async () => {
    s = await startTestServer();
    carol = await userWithKey(s, 'carol');
    guesser = { accessKeyId: carol.accessKeyId, secretAccessKey: 'g'.repeat(40) };
    await s.iam().send(new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: carol.accessKeyId, Status: 'Inactive' }));
    await s.running.app.refresh();
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.stop();
  });

  const records = async (match: (r: AuditRecord) => boolean): Promise<AuditRecord[]> => (await auditRecords(s, { principal: CAROL })).filter((r) => r.decision === 'Deny' && r.detail['accessKeyId'] === carol.accessKeyId && match(r));
  const says = (r: AuditRecord | undefined, verified: boolean): void => {
    assert.ok(r !== undefined, 'recorded');
    assert.equal(r.detail['signatureVerified'], verified, JSON.stringify(r));
    assert.match(String(r.detail['message']), verified ? /signed with the key's secret: its holder still uses it/ : /not signed with the key's secret/);
  };

  it('STS and the /v1/ API: the disabled key\'s own secret, and a guess', async () => {
    for (const c of [carol, guesser]) {
      const sts = new STSClient({ endpoint: s.url, region: REGION, credentials: c, maxAttempts: 1 });
      clients.push(sts);
      await assert.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });
      const who = await gatehouseJson(s.url, c, 'GET', '/v1/whoami');
      assert.equal(who.status, 403, JSON.stringify(who.json));
    }
    const sts = await records((r) => r.action === 'sts:GetCallerIdentity');
    assert.equal(sts.length, 2, JSON.stringify(sts));
    says(sts[0], true);
    says(sts[1], false);
    const api = await records((r) => r.action === 'GET /v1/whoami');
    assert.equal(api.length, 2, JSON.stringify(api));
    says(api[0], true);
    says(api[1], false);
  });

  it('the S3 gateway: InvalidAccessKeyId, signed by the key\'s secret or not', async () => {
    for (const c of [carol, guesser]) {
      const s3 = new S3Client({ endpoint: s.running.s3Url, region: REGION, forcePathStyle: true, credentials: c, maxAttempts: 1 });
      clients.push(s3);
      await assert.rejects(s3.send(new ListObjectsV2Command({ Bucket: 'tu3' })), { name: 'InvalidAccessKeyId' });
    }
    const got = await records((r) => r.action.startsWith('s3:'));
    assert.equal(got.length, 2, JSON.stringify(got));
    says(got[0], true);
    says(got[1], false);
  });
});
