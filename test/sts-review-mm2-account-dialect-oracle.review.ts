/**
 * Review mm, 2: AssumeRoleWithWebIdentity, unsigned, told anyone which account ids the deployment holds, and in which dialect.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Review en, 2 made the RoleSessionName and session policy rules the role's account's (RAM's for an `acs` account, AWS's
 * for an `aws` one, the ARN's form only when no such account exists), and looked the account up before anything else,
 * the token included. With a made-up token, `RoleSessionName=a+b` (AWS takes it, RAM does not) was ValidationError
 * for `arn:aws:iam::<acs account>:role/x` and InvalidIdentityToken for any other account; `acs:ram::<id>:role/x` was
 * ValidationError unless `<id>` is an `aws` account; a session policy naming `报告` likewise. So anyone, with no key and
 * no token, read off each 12-digit id whether it is an account here and which (AWS STS answers a made-up token the same
 * whatever the role's account). Signed AssumeRole told it the same way to any key holder of any account, before any
 * trust policy was asked.
 *
 * Now a parameter is held first to the constraints of the dialect the ARN is written in, or of the other one: refused
 * there only when neither takes it, whatever account the ARN names. The role's account's own rules are applied once the
 * caller is known to it: after the token verified against a provider that account registered, after the role's trust
 * policy allowed AssumeRole. Review en, 2's sessions are refused as before (test/sts-review-en2-session-name-by-account).
 * Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { createdAccount, REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const AWS_ACCOUNT = '000000000000';
const ACS_ACCOUNT = '333333333333';
const NO_ACCOUNT = '444444444444';
const CJK_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/报告/*' }] });

let s: TestServer;
let outsider: Credentials;

before(async () => {
  s = await startTestServer();
  const app = await s.openApp();
  const root = await app.authenticate(s.admin.accessKeyId);
  assert.ok(root.ok);
  const made = await app.createAccount(root.value.caller, { id: ACS_ACCOUNT, partition: 'acs', name: 'ram' });
  assert.ok(made.ok, JSON.stringify(made));
  // A key holder of an account of its own, allowed to ask for any role.
  const own = await createdAccount(s, '555555555555', 'outsider');
  await s.iam(own).send(new I.CreateUserCommand({ UserName: 'eve' }));
  await s.iam(own).send(new I.PutUserPolicyCommand({ UserName: 'eve', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
  const k = (await s.iam(own).send(new I.CreateAccessKeyCommand({ UserName: 'eve' }))).AccessKey;
  outsider = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
});
after(async () => s?.stop());

const roleArns = (account: string) => [`arn:aws:iam::${account}:role/x`, `acs:ram::${account}:role/x`];
/** What each of a set of requests answers, for each account, with the account id blanked. */
async function answers(ask: (roleArn: string) => Promise<unknown>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const account of [AWS_ACCOUNT, ACS_ACCOUNT, NO_ACCOUNT]) {
    out[account] = [];
    for (const arn of roleArns(account)) {
      const f = await sdkFailure(ask(arn));
      out[account].push(`${f.code}: ${f.message.split(account).join('<account>').replace(/Encoded authorization failure message: \S+/, '')}`);
    }
  }
  return out;
}

test('mm2: unsigned AssumeRoleWithWebIdentity with a made-up token answers alike whatever account the role ARN names', async () => {
  const sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: { accessKeyId: 'AKIAANYONEATALL00000', secretAccessKey: 'x' } });
  try {
    for (const params of [{ RoleSessionName: 'a+b' }, { RoleSessionName: 'ab', Policy: CJK_POLICY }]) {
      const a = await answers((RoleArn) => sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn, WebIdentityToken: 'made.up.token', ...params })));
      assert.deepEqual(a[ACS_ACCOUNT], a[NO_ACCOUNT], JSON.stringify(params));
      assert.deepEqual(a[AWS_ACCOUNT], a[NO_ACCOUNT], JSON.stringify(params));
    }
  } finally {
    sts.destroy();
  }
});

test("mm2: signed AssumeRole by another account's user answers alike whatever account the role ARN names", async () => {
  for (const params of [{ RoleSessionName: 'a+b' }, { RoleSessionName: 'ab', Policy: CJK_POLICY }]) {
    const a = await answers((RoleArn) => s.sts(outsider).send(new S.AssumeRoleCommand({ RoleArn, ...params })));
    assert.deepEqual(a[ACS_ACCOUNT], a[NO_ACCOUNT], JSON.stringify(params));
    assert.deepEqual(a[AWS_ACCOUNT], a[NO_ACCOUNT], JSON.stringify(params));
  }
});

test('mm2: a parameter neither dialect takes is refused before anything is looked up, as before', async () => {
  const f = await sdkFailure(s.sts(outsider).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${NO_ACCOUNT}:role/x`, RoleSessionName: 'a b' })));
  assert.equal(f.code, 'ValidationError');
  assert.match(f.message, /'a b' at 'roleSessionName'/);
});
