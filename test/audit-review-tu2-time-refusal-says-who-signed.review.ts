/**
 * Review tu, 2: a request refused for its time (outside ±15 minutes of the server clock, a presigned URL expired or
 * dated ahead) is refused before its signature is checked, and recorded under the owner of the key it names
 * (src/app/auth-failures.ts) as "the request time is more than 15 minutes in the past": the same record whether the
 * key's holder sent it (a replayed request, a client whose clock is off) or someone who knows only the key id (key
 * ids are not secrets: CloudTrail logs them). The key owner reading its log could not tell which, so a refusal read as
 * its key being used, and a forgery as its own client's clock. AWS documents the ±15-minute window as protection
 * against replayed requests (SigV4 docs, "Elements of an AWS API request signature": X-Amz-Date), and what an
 * operator needs to know of a replayed request is that the key's secret signed it.
 *
 * Now the front doors (IAM and STS Query API, the /v1/ API, the S3 gateway's SigV4) check such a request's signature
 * as of its own time with the key's secret, and its record says `detail.signatureVerified` (true: signed with the
 * key's secret, refused, not a use; false: not signed with it) in its message too. The key's last use does not move.
 *
 * Real in-process server (SQLite), AWS SDK v3 clients with a clock offset, a SigV4-signed /v1/ request dated an hour ago.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetAccessKeyLastUsedCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditRecords, REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const HOUR = 3_600_000;

describe('review tu2: a request refused for its time says whether the key\'s secret signed it', () => {
  let s: TestServer;
  let bob: Credentials;
  let forger: Credentials;
  const clients: { destroy(): void }[] = [];
  before(async () => {
    s = await startTestServer();
    bob = await userWithKey(s, 'bob');
    forger = { accessKeyId: bob.accessKeyId, secretAccessKey: 'f'.repeat(40) };
    await s.running.app.refresh();
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.stop();
  });

  const refused = async (p: Promise<unknown>): Promise<void> => {
    await assert.rejects(p);
  };
  /** The refusal records of bob's key for `action`, oldest first. */
  const records = async (action: string): Promise<AuditRecord[]> => (await auditRecords(s, { principal: 'arn:aws:iam::000000000000:user/bob', action })).filter((r) => r.decision === 'Deny' && r.detail['accessKeyId'] === bob.accessKeyId).slice();
  const says = (r: AuditRecord | undefined, verified: boolean): void => {
    assert.ok(r !== undefined, 'recorded');
    assert.equal(r.detail['signatureVerified'], verified, JSON.stringify(r));
    assert.match(String(r.detail['message']), verified ? /signed with the key's secret .*not a use of the key/ : /not signed with the key's secret/);
  };

  it('STS and IAM (Query API): signed an hour ago, or an hour ahead, with the key\'s secret, or with another', async () => {
    const sts = (c: Credentials, offset: number) => {
      const client = new STSClient({ endpoint: s.url, region: REGION, credentials: c, maxAttempts: 1, systemClockOffset: offset });
      clients.push(client);
      return client;
    };
    await refused(sts(bob, -HOUR).send(new GetCallerIdentityCommand({})));
    await refused(sts(forger, -HOUR).send(new GetCallerIdentityCommand({})));
    const got = await records('sts:GetCallerIdentity');
    assert.equal(got.length, 2, JSON.stringify(got));
    says(got[0], true);
    says(got[1], false);
    const iam = new IAMClient({ endpoint: s.url, region: REGION, credentials: bob, maxAttempts: 1, systemClockOffset: HOUR });
    clients.push(iam);
    await refused(iam.send(new ListUsersCommand({})));
    says((await records('iam:ListUsers'))[0], true);
    const used = await s.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: bob.accessKeyId }));
    assert.equal(used.AccessKeyLastUsed?.LastUsedDate, undefined, 'a refused request is no use of the key');
  });

  it('the /v1/ API: a request dated an hour ago', async () => {
    const u = new URL(s.url);
    const sign = async (c: Credentials) => {
      const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: c, sha256: Sha256 });
      const signed = await signer.sign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/v1/whoami', headers: { host: u.host } }, { signingDate: new Date(Date.now() - HOUR) });
      const r = await fetch(`${u.origin}/v1/whoami`, { headers: signed.headers });
      assert.equal(r.status, 403, await r.text());
    };
    await sign(bob);
    await sign(forger);
    const got = await records('GET /v1/whoami');
    assert.equal(got.length, 2, JSON.stringify(got));
    says(got[0], true);
    says(got[1], false);
  });

  it('the S3 gateway: a request signed an hour ago (RequestTimeTooSkewed)', async () => {
    const s3 = (c: Credentials) => {
      const client = new S3Client({ endpoint: s.running.s3Url, region: REGION, forcePathStyle: true, credentials: c, maxAttempts: 1, systemClockOffset: -HOUR });
      clients.push(client);
      return client;
    };
    await refused(s3(bob).send(new ListObjectsV2Command({ Bucket: 'tu2' })));
    await refused(s3(forger).send(new ListObjectsV2Command({ Bucket: 'tu2' })));
    const got = (await auditRecords(s, { principal: 'arn:aws:iam::000000000000:user/bob' })).filter((r) => r.action.startsWith('s3:') && r.decision === 'Deny');
    assert.equal(got.length, 2, JSON.stringify(got));
    says(got[0], true);
    says(got[1], false);
  });
});
