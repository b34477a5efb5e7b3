/**
 * Review gl, 2, against a real server (the S3 gateway with `@aws-sdk/client-s3`, and `/v1/authorize`):
 * `aws:ViaAWSService` is in every signed request, `false`, as AWS puts it in the request context of a principal's own
 * calls.
 *
 * What was wrong: the key was in no request. AWS's global condition keys page says it "is always included in the request
 * context for most services" and "returns `false` when the principal makes the call directly"; AWS's own "Denies access
 * to AWS based on the source IP" policy denies `*` when `NotIpAddress aws:SourceIp` **and** `Bool aws:ViaAWSService
 * false` (so that services acting for the principal are not cut off). With the key absent, `Bool` is false and that
 * Deny never applied: a user held to the office network read and wrote S3 from anywhere. The Allow the same page gives
 * (`Bool aws:ViaAWSService false` with `IpAddress aws:SourceIp`) granted nothing.
 *
 * What is now so: every decision about a signed principal carries `aws:ViaAWSService` = `false` (Gatehouse makes no
 * call with a principal's credentials on its behalf); an authorize API question may still give another value, as it
 * gives `aws:SourceIp`. Anonymous requests have none.
 *
 * Before the fix, the denied user's GetObject and PutObject were served, the authorize API answered Allow, and the
 * allowed user was refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminS3Client, s3Clients, s3Refusal } from './support/s3.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

const BUCKET = 'gl2-office-only';
const OBJECTS = `arn:aws:s3:::${BUCKET}/*`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let admin: S3.S3Client;
const s3 = s3Clients(() => server);
const user = (name: string, policy: string) => userWithPolicy(server, name, policy);

before(async () => {
  server = await startTestServer();
  admin = adminS3Client(server);
  await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'data.csv', Body: 'a,b' }));
});

after(async () => {
  s3.destroyAll();
  admin?.destroy();
  await server?.stop();
});

describe('gl 2: aws:ViaAWSService is false in a principal\'s own requests', () => {
  it('AWS\'s "deny based on the source IP" policy denies a request from outside the network, at the gateway and in /v1/authorize', async () => {
    // reference_policies_examples_aws_deny-ip: the Deny of everything from outside 192.0.2.0/24, services acting for the principal aside.
    const outside = s3(await user('gl2-office', doc(
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: OBJECTS },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] }, Bool: { 'aws:ViaAWSService': 'false' } } },
    )));
    assert.deepEqual((await s3Refusal(outside.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'data.csv' })))).slice(0, 2), ['AccessDenied', 403]);
    assert.deepEqual((await s3Refusal(outside.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'new.csv', Body: 'x' })))).slice(0, 2), ['AccessDenied', 403]);
    const asked = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${server.adminFile.AccountId}:user/gl2-office`, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/data.csv`, context: { 'aws:SourceIp': '198.51.100.7' } });
    assert.equal(asked.status, 200);
    assert.equal(asked.json['decision'], 'ExplicitDeny');
    // From inside the network the Deny does not apply; a service acting for the principal (a question saying so) neither.
    const inside = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${server.adminFile.AccountId}:user/gl2-office`, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/data.csv`, context: { 'aws:SourceIp': '192.0.2.9' } });
    assert.equal(inside.json['decision'], 'Allow');
    const via = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${server.adminFile.AccountId}:user/gl2-office`, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/data.csv`, context: { 'aws:SourceIp': '198.51.100.7', 'aws:ViaAWSService': true } });
    assert.equal(via.json['decision'], 'Allow');
  });

  it('the Allow of a direct call from an address (Bool aws:ViaAWSService false with IpAddress) allows it', async () => {
    // reference_policies_condition-keys, aws:SourceIp: "PrincipalPutObjectIfIpAddress".
    const direct = s3(await user('gl2-direct', doc(
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: OBJECTS, Condition: { Bool: { 'aws:ViaAWSService': 'false' }, IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } } },
    )));
    await direct.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'direct.csv', Body: 'c,d' }));
    assert.equal(await (await direct.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'direct.csv' }))).Body?.transformToString(), 'c,d');
  });
});
