/**
 * Review pa, 3: a refusal the S3 gateway decides itself (not the policy engine) was recorded without the key that
 * signed the request and without the session's source identity. S3 answers AccessDenied, not NoSuchKey, to a reader
 * that may not list the bucket, and refuses another account's bucket-policy calls (405): both are recorded by the
 * gateway as `s3:` refusals, and those records named the principal, role, session, job and address, but not
 * `accessKeyId`. So `audit query --access-key-id ASIA…` (the first question about a leaked key, review mi, 4) listed
 * the key's GetObject decisions and not the refusal that came of the same request, and a key probing for object names
 * left no trace under its id; the source identity, set to follow a person through roles, was missing too.
 *
 * The contract: docs/decisions.md, "Every record says who acted and from where" (`actorOf`: the key that signed the
 * request, CloudTrail's `userIdentity.accessKeyId`, and the session's `sourceIdentity` on every record of what a caller
 * did), and the IAM User Guide on SourceIdentity ("logged in CloudTrail for all actions taken with the role session").
 * Now the gateway's own refusals are recorded with `actorOf` as every other record of a caller is. Real server on
 * 127.0.0.1, a session from AssumeRole with a source identity (SDK v3), the S3 client of SDK v3.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { adminS3Client, s3ClientAs, s3Refusal } from './support/s3.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const BUCKET = 'pa3-bucket';

interface Rec {
  readonly action: string;
  readonly resource: string;
  readonly decision?: string;
  readonly accessKeyId?: string;
  readonly sourceIdentity?: string;
  readonly sourceIp?: string;
  readonly detail: { readonly reasons?: readonly string[] };
}

describe("review pa3: the S3 gateway's own refusals name the signing key and the source identity", () => {
  let s: TestServer;
  let session: Credentials;
  before(async () => {
    s = await startTestServer();
    await adminS3Client(s).send(new CreateBucketCommand({ Bucket: BUCKET }));
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'reader-pa3', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }] }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'reader-pa3', PolicyName: 'get', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
    const c = (await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/reader-pa3`, RoleSessionName: 'probe', SourceIdentity: 'jane-pa3' }))).Credentials;
    session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    const client = s3ClientAs(s, session);
    const [name, status] = await s3Refusal(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'no-such-object' })));
    assert.deepEqual([name, status], ['AccessDenied', 403]);
    client.destroy();
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s?.stop();
  });

  const listRefusal = (records: readonly Rec[]): Rec | undefined => records.find((r) => r.action === 's3:ListBucket' && r.resource === `arn:aws:s3:::${BUCKET}`);

  it("the refusal of a missing key's listing names the key that signed it and the session's source identity", async () => {
    const q = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?principal=${encodeURIComponent(`arn:aws:sts::${ACCT}:assumed-role/reader-pa3/probe`)}&limit=1000`);
    assert.equal(q.status, 200, JSON.stringify(q.json));
    const r = listRefusal((q.json as { records: Rec[] }).records);
    assert.ok(r, JSON.stringify(q.json));
    assert.equal(r.decision, 'ImplicitDeny');
    assert.match(r.detail.reasons?.[0] ?? '', /^s3: /);
    assert.equal(r.accessKeyId, session.accessKeyId, JSON.stringify(r));
    assert.equal(r.sourceIdentity, 'jane-pa3', JSON.stringify(r));
    assert.equal(r.sourceIp, '127.0.0.1');
  });

  it('`accessKeyId=` lists it with the GetObject decision of the same request', async () => {
    const q = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?accessKeyId=${session.accessKeyId}&kind=decision&limit=1000`);
    assert.equal(q.status, 200, JSON.stringify(q.json));
    const records = (q.json as { records: Rec[] }).records;
    assert.ok(records.some((r) => r.action === 's3:GetObject'), JSON.stringify(records));
    assert.ok(listRefusal(records), `the refusal is not among the key's records: ${JSON.stringify(records)}`);
  });
});
