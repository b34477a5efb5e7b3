/**
 * STS review E3: no session is issued with a token too large to be presented (src/app/sts.ts `issueRegistered`,
 * src/core/sts/session.ts `MAX_CLAIMS_BYTES`). The packed-size budget counts characters, and a character outside ASCII
 * takes up to 4 bytes in the token: one AssumeRole with 30 transitive session tags of 128 CJK characters (96% of the
 * budget) was issued a 31,247-character token, and every request made with it was refused by the server's 16 KiB header
 * limit (HTTP 431, which the SDK reports as "Unknown"). Now such a session is refused with PackedPolicyTooLarge, nothing
 * recorded; ASCII tags that fill the budget are still issued, and usable. Real SDK, real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

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

const assumeWith = (tags: { Key: string; Value: string }[], name: string) =>
  s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: name, Tags: tags, TransitiveTagKeys: tags.map((t) => t.Key) }));

test('tags within the packed budget whose token could not be presented: PackedPolicyTooLarge, nothing recorded', async () => {
  const tags = Array.from({ length: 30 }, (_, i) => ({ Key: `${i}-`.padEnd(128, '語'), Value: '' }));
  const before = s.running.app.sts.scopes?.size;
  assert.equal(await errorName(assumeWith(tags, 'cjk')), 'PackedPolicyTooLargeException');
  await assert.rejects(assumeWith(tags, 'cjk'), /bytes of them \(UTF-8\), over the 10240 it can/);
  assert.equal(s.running.app.sts.scopes?.size, before, 'a refused session leaves no record');
});

test('a policy padded with line breaks beside 30 transitive tags: PackedPolicyTooLarge (its token was 16,407 characters)', async () => {
  const core = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}';
  const policy = core.replace('{"Version"', `{${'\n'.repeat(2048 - core.length)}"Version"`);
  assert.equal(policy.length, 2048);
  const tags = Array.from({ length: 30 }, (_, i) => ({ Key: `${i}-`.padEnd(128, 'k'), Value: '' }));
  const attempt = s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'padded', Policy: policy, Tags: tags, TransitiveTagKeys: tags.map((t) => t.Key) }));
  assert.equal(await errorName(attempt), 'PackedPolicyTooLargeException');
});

test('ASCII tags that fill the packed budget are issued, and the session is usable', async () => {
  // 31 transitive tags of 128-character keys: 31 × 130 of the 4,096 characters (99%), the largest ASCII token there is.
  const tags = Array.from({ length: 31 }, (_, i) => ({ Key: `${i}-`.padEnd(128, 'k'), Value: '' }));
  const r = await assumeWith(tags, 'ascii');
  assert.equal(r.PackedPolicySize, 99);
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  const who = await s.sts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(new S.GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${ACCT}:assumed-role/tagged/ascii`);
});

test('non-ASCII tags that fit are issued, and the session is usable', async () => {
  const tags = Array.from({ length: 8 }, (_, i) => ({ Key: `チーム${i}`, Value: '機械学習'.repeat(20) }));
  const r = await assumeWith(tags, 'kana');
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  const who = await s.sts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(new S.GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${ACCT}:assumed-role/tagged/kana`);
});
