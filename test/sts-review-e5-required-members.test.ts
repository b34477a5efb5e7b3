/**
 * STS review E5: AssumeRole's session tags are validated as AWS validates them (src/adapters/http/sts-api.ts,
 * src/core/sts/session.ts). SDK v3 sends what it is given (it checks no required member): a session tag without its
 * `Value` was issued as a tag with an empty value; an empty `Policy` was refused with "must have length less than or
 * equal to 2048". Now: ValidationError, in AWS's words.
 * Real SDK, real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/tagged`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ACTIONS = ['sts:AssumeRole', 'sts:TagSession'];

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ACTIONS, Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ACTIONS }) }));
});
after(async () => s?.stop());

const assume = (input: Partial<S.AssumeRoleCommandInput>) => s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'e5', ...input }));

test('a session tag without its Value is a ValidationError, not a tag with an empty value', async () => {
  const f = await sdkFailure(assume({ Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'env' } as S.Tag] }));
  assert.equal(f.code, 'ValidationError');
  assert.equal(f.message, "1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null");
  const noKey = await sdkFailure(assume({ Tags: [{ Value: 'ml' } as S.Tag] }));
  assert.equal(noKey.message, "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null");
  // An empty value, sent, is a value.
  const r = await assume({ Tags: [{ Key: 'team', Value: '' }] });
  assert.ok(r.Credentials?.SessionToken);
});

test('an empty Policy names the bound it misses', async () => {
  const f = await sdkFailure(assume({ Policy: '' }));
  assert.equal(f.code, 'ValidationError');
  assert.equal(f.message, "1 validation error detected: Value '' at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1");
});
