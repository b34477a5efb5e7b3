/**
 * Review fx, 3: AWS bounds each managed session policy ARN (`PolicyArns.member.N.arn`, the STS API reference's
 * `PolicyDescriptorType`) to 20–2,048 characters, and answers ValidationError "Value at 'policyArns.1.member.arn' failed
 * to satisfy constraint: Member must have length less than or equal to 2048". Gatehouse took one of any length: a caller
 * the role trusts sent ten ARNs of 100,000 characters (1 MiB a request), each looked up in the store, echoed whole in the
 * refusal ("PolicyArns: <ARN> does not exist …") and recorded whole in the audit log as a refused session, request after
 * request; GetFederationToken and AssumeRoleWithWebIdentity (whose refusal names the missing ARN) alike. Now each is
 * refused first, in AWS's words and without the value, and a malformed request is not recorded, as no other is. An ARN
 * within the bounds is decided as before. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import { auditRecords, REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { aliceAndRole } from './support/sts-caller.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/worker`;
const long = `arn:aws:iam::${ACCT}:policy/${'p'.repeat(100_000)}`;

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  alice = await aliceAndRole(s, 'worker', 'alice', ['sts:AssumeRole', 'sts:GetFederationToken']);
});
after(async () => s?.stop());

const refusedInAwsWords = async (p: Promise<unknown>, bound: string): Promise<void> => {
  const e = await sdkFailure(p);
  assert.deepEqual([e.code, e.status], ['ValidationError', 400]);
  assert.equal(e.message, `1 validation error detected: Value at 'policyArns.2.member.arn' failed to satisfy constraint: Member must have length ${bound}`);
};

test('fx3: a policy ARN over 2,048 characters, or under 20, is a ValidationError naming the bound', async () => {
  const sts = s.sts(alice);
  const ok = `arn:aws:iam::${ACCT}:policy/none`;
  await refusedInAwsWords(sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'fx3', PolicyArns: [{ arn: ok }, { arn: long }] })), 'less than or equal to 2048');
  await refusedInAwsWords(sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'fx3', PolicyArns: [{ arn: ok }, { arn: 'arn:aws:iam::1:p/x' }] })), 'greater than or equal to 20');
  await refusedInAwsWords(sts.send(new S.GetFederationTokenCommand({ Name: 'fx3', PolicyArns: [{ arn: ok }, { arn: long }] })), 'less than or equal to 2048');
  const anonymous = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  try {
    await refusedInAwsWords(anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'fx3', WebIdentityToken: 'not.a.token', PolicyArns: [{ arn: ok }, { arn: long }] })), 'less than or equal to 2048');
  } finally {
    anonymous.destroy();
  }
  const recorded = [...(await auditRecords(s, { action: 'sts:AssumeRole' })), ...(await auditRecords(s, { action: 'sts:GetFederationToken' }))];
  assert.ok(!recorded.some((r) => JSON.stringify(r).includes('p'.repeat(3000))), 'no record carries the long ARN');
});

test('fx3: an ARN of 2,048 characters is decided as before: no such policy in the role’s account', async () => {
  const arn = `arn:aws:iam::${ACCT}:policy/`.padEnd(2048, 'q');
  const e = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'fx3', PolicyArns: [{ arn }] })));
  assert.deepEqual([e.code, e.status], ['ValidationError', 400]);
  assert.match(e.message, /^PolicyArns: arn:aws:iam::000000000000:policy\/q+ does not exist or is not in the role's account$/);
});
