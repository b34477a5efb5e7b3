/**
 * Review mm, 1: AssumeRole still told an outsider which role names another account holds, when the role's trust policy
 * denies outsiders explicitly (the common guard `Deny Principal * … StringNotEquals aws:PrincipalAccount/PrincipalOrgID`).
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Review cy, 3 made a missing role refused as one whose trust policy allows nothing, so that keys of any account could not
 * list another account's roles one AssumeRole each. But a role whose trust policy denies the caller explicitly was
 * refused "… with an explicit deny in the role trust policy", and a missing one "… because no trust policy allows the
 * sts:AssumeRole action": the words told the guarded role apart, and so did the encoded message, which the caller's own
 * account may decode (`explicitDeny: true`, `deniedBy: trust`). AWS adds the policy type to an AccessDenied only for
 * requests within one account (or organization; Amazon S3 User Guide, "Troubleshoot access denied (403 Forbidden)
 * errors"): across accounts the other account's policies are not the caller's to read.
 *
 * Now, across accounts, a refusal by the role's trust policy is told as a missing role's: the same words and the same
 * decoded message (a refusal by the caller's own policies still says so). Within one account the explicit deny is
 * still named. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { createdAccount, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222222222222';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
/** B's trust policy for its own principals, denying every other account explicitly. */
const guardedTrust = (account: string) =>
  doc(
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
    { Sid: 'OnlyOurAccount', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringNotEquals: { 'aws:PrincipalAccount': account } } },
  );

let s: TestServer;
let mallory: Credentials;

before(async () => {
  s = await startTestServer();
  const bRoot = await createdAccount(s, B, 'b');
  await s.iam(bRoot).send(new I.CreateRoleCommand({ RoleName: 'Guarded', Path: '/ops/', AssumeRolePolicyDocument: guardedTrust(B) }));
  await s.iam(bRoot).send(new I.CreateRoleCommand({ RoleName: 'plain', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }) }));
  const iam = s.iam();
  // A role of A guarded the same way, denying B's principals: asked from A itself, the explicit deny is named.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'home', AssumeRolePolicyDocument: doc({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalAccount': A } } }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'mallory' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'mallory', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:DecodeAuthorizationMessage'], Resource: '*' }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'mallory' }))).AccessKey;
  mallory = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
});
after(async () => s?.stop());

const BLOB = /\. Encoded authorization failure message: (\S+)$/;

/** AssumeRole of `roleArn` by mallory: the refusal's code, its words with the ARN blanked, and its decoded message. */
async function refusal(roleArn: string): Promise<{ code: string; words: string; decoded: Record<string, unknown> }> {
  const f = await sdkFailure(s.sts(mallory).send(new S.AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'probe' })));
  const blob = BLOB.exec(f.message)?.[1];
  assert.ok(blob !== undefined, f.message);
  const text = (await s.sts(mallory).send(new S.DecodeAuthorizationMessageCommand({ EncodedMessage: blob }))).DecodedMessage ?? '{}';
  const decoded = JSON.parse(text.split(roleArn).join('<role>')) as Record<string, unknown>;
  delete decoded['time'];
  return { code: f.code, words: f.message.replace(BLOB, '').replace(roleArn, '<role>'), decoded };
}

test('mm1: a role of another account whose trust policy denies the caller is refused as a missing role is, in the same words', async () => {
  const guarded = await refusal(`arn:aws:iam::${B}:role/ops/Guarded`);
  const missing = await refusal(`arn:aws:iam::${B}:role/ops/Absent`);
  const plain = await refusal(`arn:aws:iam::${B}:role/plain`);
  assert.equal(guarded.code, 'AccessDenied');
  assert.equal(missing.words, plain.words);
  assert.equal(guarded.words, missing.words);
  assert.doesNotMatch(guarded.words, /explicit deny/);
});

test('mm1: its encoded message, decoded by the caller’s account, is a missing role’s too (no explicit deny, no statement)', async () => {
  const guarded = await refusal(`arn:aws:iam::${B}:role/ops/Guarded`);
  const missing = await refusal(`arn:aws:iam::${B}:role/ops/Absent`);
  assert.equal(guarded.decoded['explicitDeny'], false);
  assert.deepEqual(guarded.decoded, missing.decoded);
  assert.doesNotMatch(JSON.stringify(guarded.decoded), /OnlyOurAccount/);
});

test('mm1: within one account the explicit deny of the trust policy is still named', async () => {
  const home = await refusal(`arn:aws:iam::${A}:role/home`);
  assert.equal(home.code, 'AccessDenied');
  assert.match(home.words, /with an explicit deny in the role trust policy/);
  assert.equal(home.decoded['explicitDeny'], true);
});
