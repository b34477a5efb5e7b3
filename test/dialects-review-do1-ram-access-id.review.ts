/**
 * Dialects review do, finding 1: `acs:AccessId`, RAM's common condition key for the AccessKey ID a request is signed
 * with (reference §A.2, global keys), was never in a request. The engine derived no value for it and the authorize API
 * dropped it from a caller's context as a key describing the principal, so a positive condition on it granted nothing
 * and a negated one in a Deny always applied: a user could not be limited to one of its two keys, nor a leaked key
 * denied. Now every decision about a caller that signed with a key carries that key's id as `acs:AccessId`: the S3
 * gateway, the IAM Query API and the admin API, STS AssumeRole, and the authorize API's questions about the signing
 * caller itself or about the caller a `principalProof` proves (the signed key wins over a context's value). A question
 * naming a principal by ARN takes `acs:AccessId` from its context, as the client's other facts are taken. AWS
 * documents no `aws:AccessId`: none is derived, nor read as `acs:AccessId`'s other spelling.
 * Real server (SQLite), an `acs` account, `@aws-sdk/client-s3`, `client-iam`, `client-sts`, SigV4-signed /v1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '123456789012';
const v1 = (...Statement: object[]): string => JSON.stringify({ Version: '1', Statement });
const OBJECT = 'acs:oss:*:*:bkt/x';

let s: TestServer;
let admin: Credentials;
/** dev's two keys: `good` is the one its policies allow, `leaked` the one they deny. */
let good: Credentials;
let leaked: Credentials;

const s3 = s3Clients(() => s);

async function decision(who: Credentials, body: Record<string, unknown>): Promise<{ decision: string; diagnostics: string[] }> {
  const r = await gatehouseJson(s.url, who, 'POST', '/v1/authorize', { action: 'oss:GetObject', resource: OBJECT, ...body });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { decision: r.json['decision'] as string, diagnostics: r.json['diagnostics'] as string[] };
}

/** The caller's proof of identity as a resource server hands it on: the whole presigned GetCallerIdentity URL. */
const proof = async (who: Credentials): Promise<string> => `${s.url}/?${await identityProof(s.url, who)}`;

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, ACS, 'acs');
  const iam = s.iam(admin);
  await iam.send(new I.CreateUserCommand({ UserName: 'dev' }));
  const keys: Credentials[] = [];
  for (let i = 0; i < 2; i++) {
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'dev' }))).AccessKey;
    keys.push({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' });
  }
  [good, leaked] = keys as [Credentials, Credentials];
  const both = [good.accessKeyId, leaked.accessKeyId];
  // What a RAM admin writes: grants on the user's keys (a positive operator) and a Deny of the leaked one.
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'dev',
    PolicyName: 'p',
    PolicyDocument: v1(
      { Effect: 'Allow', Action: ['oss:*', 's3:*', 'ram:ListUsers', 'sts:AssumeRole', 'gatehouse:Authorize'], Resource: '*', Condition: { StringEquals: { 'acs:AccessId': both } } },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'acs:AccessId': leaked.accessKeyId } } },
    ),
  }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: v1({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }) }));
});
after(async () => {
  s3.destroyAll();
  await s?.stop();
});

describe('acs:AccessId is the key a request is signed with (dialects review do, 1)', () => {
  it('S3 gateway: the allowed key creates a bucket, the leaked one is refused', async () => {
    await s3(good).send(new S3.CreateBucketCommand({ Bucket: 'do1-bucket' }));
    const [code, status] = await s3Refusal(s3(leaked).send(new S3.ListObjectsV2Command({ Bucket: 'do1-bucket' })));
    assert.deepEqual([code, status], ['AccessDenied', 403]);
    await s3(good).send(new S3.ListObjectsV2Command({ Bucket: 'do1-bucket' }));
  });

  it('IAM Query API and admin API: ram:ListUsers with the allowed key only', async () => {
    const users = await s.iam(good).send(new I.ListUsersCommand({}));
    assert.ok(users.Users?.some((u) => u.UserName === 'dev'));
    assert.equal((await sdkFailure(s.iam(leaked).send(new I.ListUsersCommand({})))).code, 'AccessDenied');
    assert.equal((await gatehouseJson(s.url, good, 'GET', '/v1/users')).status, 200);
    assert.equal((await gatehouseJson(s.url, leaked, 'GET', '/v1/users')).status, 403);
  });

  it('STS AssumeRole: the allowed key assumes the role, the leaked one is refused', async () => {
    const out = await s.sts(good).send(new AssumeRoleCommand({ RoleArn: `acs:ram::${ACS}:role/r`, RoleSessionName: 's1' }));
    assert.ok(out.Credentials?.AccessKeyId);
    assert.equal((await sdkFailure(s.sts(leaked).send(new AssumeRoleCommand({ RoleArn: `acs:ram::${ACS}:role/r`, RoleSessionName: 's1' })))).code, 'AccessDenied');
  });

  it('authorize API, a question about the signing caller: its key, whatever the context says', async () => {
    assert.equal((await decision(good, {})).decision, 'Allow');
    assert.equal((await decision(leaked, {})).decision, 'ExplicitDeny');
    const claimed = await decision(leaked, { context: { 'acs:AccessId': good.accessKeyId } });
    assert.equal(claimed.decision, 'ExplicitDeny', 'the signed key is a fact of the request, not the asker’s to restate');
    assert.ok(claimed.diagnostics.some((d) => d.includes('`acs:AccessId`') && d.includes('signed')), JSON.stringify(claimed.diagnostics));
  });

  it('authorize API, a principalProof: the key that signed the proof', async () => {
    assert.equal((await decision(admin, { principalProof: await proof(good) })).decision, 'Allow');
    assert.equal((await decision(admin, { principalProof: await proof(leaked) })).decision, 'ExplicitDeny');
    const claimed = await decision(admin, { principalProof: await proof(leaked), context: { 'acs:AccessId': good.accessKeyId } });
    assert.equal(claimed.decision, 'ExplicitDeny');
  });

  it('authorize API, a principal named by ARN: acs:AccessId from the context, as the client’s other facts', async () => {
    const dev = `acs:ram::${ACS}:user/dev`;
    assert.equal((await decision(admin, { principal: dev, context: { 'acs:AccessId': good.accessKeyId } })).decision, 'Allow');
    assert.equal((await decision(admin, { principal: dev, context: { 'ACS:accessid': leaked.accessKeyId } })).decision, 'ExplicitDeny');
    // Not given: absent, so the positive grant does not apply (fails closed).
    assert.equal((await decision(admin, { principal: dev })).decision, 'ImplicitDeny');
    const two = await gatehouseJson(s.url, admin, 'POST', '/v1/authorize', { principal: dev, action: 'oss:GetObject', resource: OBJECT, context: { 'acs:AccessId': [good.accessKeyId, leaked.accessKeyId] } });
    assert.equal(two.status, 400, 'a request is signed with one key: a list is refused');
    assert.match(JSON.stringify(two.json), /single-valued/);
  });

  it('no aws:AccessId: AWS documents none, and it is not read as acs:AccessId', async () => {
    const iam = s.iam(admin);
    await iam.send(new I.CreateUserCommand({ UserName: 'awsy' }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'awsy' }))).AccessKey;
    const awsy = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'awsy',
      PolicyName: 'p',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*', Condition: { StringEquals: { 'aws:AccessId': awsy.accessKeyId } } }] }),
    }));
    assert.equal((await decision(awsy, {})).decision, 'ImplicitDeny');
    assert.equal((await decision(admin, { principal: `acs:ram::${ACS}:user/awsy`, context: { 'acs:AccessId': awsy.accessKeyId } })).decision, 'ImplicitDeny');
  });
});
