/**
 * Review vi, 2: a request naming a known, active access key but signed with another secret (SignatureDoesNotMatch:
 * someone who knows the key id, not its secret; or a client given the wrong secret) was recorded under the key's owner
 * with no `detail.signatureVerified`, where every other refusal checked says whether the key's secret signed it
 * (reviews tu, um, us, ux, vf). Its signature was checked, with that key's secret, and did not match: an auditor
 * reading the key's records could not tell this attempt from one never checked. Now its record says
 * `signatureVerified: false` and that the key's secret did not sign it, on the Query API (IAM and STS), Alibaba's STS,
 * the /v1/ API and the S3 gateway. Answers unchanged.
 *
 * Real in-process server (SQLite), AWS SDK v3 clients, Alibaba's own STS client, a SigV4-signed /v1/ request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import StsModule from '@alicloud/sts20150401';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { alibabaStsClient } from './support/alibaba-sts.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, REGION, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const { AssumeRoleRequest } = StsModule;

describe("review vi2: a wrong signature on an active key is recorded as not signed by the key's secret", () => {
  let s: TestServer;
  let dave: Credentials;
  let guesser: Credentials;
  before(async () => {
    s = await startTestServer();
    dave = await userWithKey(s, 'dave');
    guesser = { accessKeyId: dave.accessKeyId, secretAccessKey: 'g'.repeat(40) };
  });
  after(async () => s?.stop());

  const says = async (action: (a: string) => boolean): Promise<void> => {
    const got = (await auditRecords(s, { principal: 'arn:aws:iam::000000000000:user/dave' })).filter((r: AuditRecord) => r.decision === 'Deny' && action(r.action));
    assert.equal(got.length, 1, JSON.stringify(got));
    const r = got[0] as AuditRecord;
    assert.equal(r.detail['accessKeyId'], dave.accessKeyId, JSON.stringify(r));
    assert.equal(r.detail['signatureVerified'], false, JSON.stringify(r));
    assert.match(String(r.detail['message']), /not signed with the key's secret/, JSON.stringify(r));
  };

  it('the Query API: IAM and STS', async () => {
    assert.equal((await sdkFailure(s.iam(guesser).send(new ListUsersCommand({})))).code, 'SignatureDoesNotMatch');
    assert.equal((await sdkFailure(s.sts(guesser).send(new GetCallerIdentityCommand({})))).code, 'SignatureDoesNotMatch');
    await says((a) => a === 'iam:ListUsers');
    await says((a) => a === 'sts:GetCallerIdentity');
  });

  it("Alibaba's STS", async () => {
    const client = alibabaStsClient(s, { accessKeyId: guesser.accessKeyId, accessKeySecret: guesser.secretAccessKey });
    await assert.rejects(client.assumeRole(new AssumeRoleRequest({ roleArn: 'acs:ram::000000000000:role/none', roleSessionName: 'x', durationSeconds: 900 })), (e: { code?: string }) => e.code === 'SignatureDoesNotMatch');
    await says((a) => a === 'sts:AssumeRole');
  });

  it('the /v1/ API and the S3 gateway', async () => {
    const who = await gatehouseJson(s.url, guesser, 'GET', '/v1/whoami');
    assert.equal(who.status, 403, JSON.stringify(who.json));
    await says((a) => a === 'GET /v1/whoami');
    const s3 = new S3Client({ endpoint: s.running.s3Url, region: REGION, forcePathStyle: true, credentials: guesser, maxAttempts: 1 });
    try {
      await assert.rejects(s3.send(new ListObjectsV2Command({ Bucket: 'vi2' })), { name: 'SignatureDoesNotMatch' });
    } finally {
      s3.destroy();
    }
    await says((a) => a.startsWith('s3:'));
  });
});
