/**
 * Review kd, 2, against a real server (`POST /v1/authorize`): a service's tag key (`s3:ExistingObjectTag/K`,
 * `s3:RequestObjectTag/K`, `ec2:ResourceTag/K`, `iam:ResourceTag/K`…) takes one value in a question's context, as
 * `aws:ResourceTag/K` already did.
 *
 * A tag key has one value on a resource or in a request: the Service Authorization Reference types every
 * `<service>:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/${TagKey}` and `s3:RequestObjectTag/${TagKey}` as `String`
 * (single-valued; the list of keys is the `ArrayOfString` `…TagKeys`), as the reference's §A.1.8 says of the `aws:` tag
 * keys ("String, single per K").
 *
 * What was wrong: only the `aws:`/`acs:` tag keys were held to one value (review N, N2; hn, 7). A service's tag key
 * took a list, and a negated operator needs every value to hold: the usual guard `Deny … StringNotEquals
 * s3:ExistingObjectTag/classification public` ("only public objects") did not apply to `["public", "secret"]`, nor
 * `Deny ec2:* StringNotEquals ec2:ResourceTag/env dev` to `["dev", "prod"]`: a value no resource or request can
 * carry lifted a Deny that its real value meets. The decision came out Allow.
 *
 * What is now so: such a key given several values is refused (400 REQUEST_INVALID_CONTEXT naming the key, as for
 * `aws:ResourceTag/K`); one value, or a list of one, is decided as before.
 *
 * A tag key is single-valued per spelling, not merged across spellings: tags whose keys differ only in case are two tags
 * (S3's tag keys are case-sensitive; the reference, §A.1.7: "If the context holds two tags differing only in case, the
 * key-name match hits both but only one value can match"), each one value under its own spelling. Checked merged, an
 * object tagged `Team` and `team` would have been refused every decision by the gateway, and two spellings of
 * `aws:RequestTag/K` in one question were refused (400) already. Other single-valued keys are still checked merged
 * (`aws:SourceIp` and `AWS:SOURCEIP` together are two values, refused).
 *
 * Before the fix 3 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const USER = 'arn:aws:iam::000000000000:user/kd2-ops';
const BUCKET = 'kd2-data';
let server: TestServer;
let reader: Credentials;
const clients: S3.S3Client[] = [];

function s3(credentials: Credentials = server.admin): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

async function ask(action: string, resource: string, context: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: USER, action, resource, context });
}

before(async () => {
  server = await startTestServer();
  await userWithPolicy(server, 'kd2-ops', JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:*', 'ec2:*'], Resource: '*' },
      { Sid: 'OnlyPublic', Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringNotEquals: { 's3:ExistingObjectTag/classification': 'public' } } },
      { Sid: 'OnlyTagged', Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringNotEquals: { 's3:RequestObjectTag/classification': ['public', 'internal'] } } },
      { Sid: 'OnlyDev', Effect: 'Deny', Action: 'ec2:*', Resource: '*', Condition: { StringNotEquals: { 'ec2:ResourceTag/env': 'dev' } } },
    ],
  }));
  reader = await userWithPolicy(server, 'kd2-reader', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'eng' } } }] }));
  await s3().send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await s3().send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'both', Body: 'b', Tagging: 'Team=finance&team=eng' }));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
});

describe('kd2: a service tag key takes one value', () => {
  it('several values for s3:ExistingObjectTag/K or s3:RequestObjectTag/K are refused, naming the key', async () => {
    for (const [action, key, values] of [
      ['s3:GetObject', 's3:ExistingObjectTag/classification', ['public', 'secret']],
      ['s3:PutObject', 's3:RequestObjectTag/classification', ['internal', 'secret']],
    ] as const) {
      const r = await ask(action, 'arn:aws:s3:::kd2-elsewhere/k', { [key]: values });
      assert.equal(r.status, 400, `${key}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), new RegExp(`${key.replace('/', '\\/')}\` is single-valued`));
    }
  });

  it('several values for <service>:ResourceTag/K are refused', async () => {
    const r = await ask('ec2:TerminateInstances', 'arn:aws:ec2:us-east-1:000000000000:instance/i-1', { 'ec2:ResourceTag/env': ['dev', 'prod'] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /ec2:ResourceTag\/env` is single-valued/);
  });

  it('one value (or a list of one) is decided as before', async () => {
    const decision = async (action: string, resource: string, context: Record<string, unknown>): Promise<unknown> => {
      const r = await ask(action, resource, context);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json['decision'];
    };
    assert.equal(await decision('s3:GetObject', 'arn:aws:s3:::kd2-elsewhere/k', { 's3:ExistingObjectTag/classification': 'secret' }), 'ExplicitDeny');
    assert.equal(await decision('s3:GetObject', 'arn:aws:s3:::kd2-elsewhere/k', { 's3:ExistingObjectTag/classification': ['public'] }), 'Allow');
    assert.equal(await decision('ec2:TerminateInstances', 'arn:aws:ec2:us-east-1:000000000000:instance/i-1', { 'ec2:ResourceTag/env': 'prod' }), 'ExplicitDeny');
    assert.equal(await decision('ec2:TerminateInstances', 'arn:aws:ec2:us-east-1:000000000000:instance/i-1', { 'ec2:ResourceTag/env': 'dev' }), 'Allow');
    // The list of keys stays a list.
    assert.equal(await decision('s3:PutObject', 'arn:aws:s3:::kd2-elsewhere/k', { 's3:RequestObjectTag/classification': 'internal', 's3:RequestObjectTagKeys': ['classification', 'team'] }), 'Allow');
  });

  it('tags that differ only in case: the gateway serves an object tagged Team and team, and the authorize API takes two spellings', async () => {
    assert.equal(await (await s3().send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'both' }))).Body?.transformToString(), 'b');
    assert.equal(await (await s3(reader).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'both' }))).Body?.transformToString(), 'b');
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: 'arn:aws:iam::000000000000:user/kd2-reader', action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/both` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'Allow');
    const t = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/x`, context: { 'aws:RequestTag/Team': 'a', 'aws:RequestTag/team': 'b' } });
    assert.equal(t.status, 200, JSON.stringify(t.json));
  });

  it('a list under one spelling, and another single-valued key given in two cases, are still refused', async () => {
    for (const context of [{ 'aws:RequestTag/team': ['a', 'b'] }, { 'aws:SourceIp': '10.0.0.1', 'AWS:SOURCEIP': '10.0.0.2' }]) {
      const r = await ask('s3:PutObject', 'arn:aws:s3:::kd2-elsewhere/x', context);
      assert.equal(r.status, 400, `${JSON.stringify(context)}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /single-valued/);
    }
  });
});
