/**
 * Review gj, 3: `aws:ViaAWSService` was never in a request's context. AWS includes it in every request ("This key is
 * always included in the request context", reference_policies_condition-keys.html#condition-keys-viaawsservice), `false`
 * unless a service calls on the principal's behalf (forward access sessions, which Gatehouse has none of). AWS's own
 * example "Denies access to AWS based on the source IP" (reference_policies_examples_aws_deny-ip.html) pairs
 * `NotIpAddress aws:SourceIp` with `Bool aws:ViaAWSService false`, so that services acting for the principal are not cut
 * off: with the key absent that `Bool` never held and the Deny never applied, so a user or role session bound to an
 * office network called IAM and assumed roles from anywhere with its keys. Now the key is `false` in every request, and the Deny
 * applies outside the range and not inside it. Real server, the SDK's IAM and STS clients on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { aliceAndRole } from './support/sts-caller.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
/** AWS's example, verbatim but for the ranges. */
const denyOutside = (ranges: string[]) => ({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ranges }, Bool: { 'aws:ViaAWSService': 'false' } } });
const work = { Effect: 'Allow', Action: ['iam:ListUsers', 'sts:AssumeRole'], Resource: '*' };

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  alice = await aliceAndRole(s, 'office', 'alice');
});
after(async () => s?.stop());

const setPolicies = async (ranges: string[]): Promise<void> => {
  const iam = s.iam();
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'office-only', PolicyDocument: doc(work, denyOutside(ranges)) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'office', PolicyName: 'office-only', PolicyDocument: doc(work, denyOutside(ranges)) }));
};

test('gj3: outside the allowed range, AWS’s source-IP Deny refuses a user’s keys', async () => {
  await setPolicies(['192.0.2.0/24']);
  const assume = s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/office`, RoleSessionName: 'gj3' }));
  for (const p of [s.iam(alice).send(new I.ListUsersCommand({})), assume]) {
    const e = await sdkFailure(p);
    assert.deepEqual([e.code, e.status], ['AccessDenied', 403], e.message);
    assert.match(e.message, /explicit deny/);
  }
});

test('gj3: and a role session’s', async () => {
  await setPolicies(['127.0.0.0/8']);
  const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/office`, RoleSessionName: 'gj3' }));
  const session = { accessKeyId: r.Credentials?.AccessKeyId ?? '', secretAccessKey: r.Credentials?.SecretAccessKey ?? '', sessionToken: r.Credentials?.SessionToken ?? '' };
  await s.iam(session).send(new I.ListUsersCommand({}));
  await setPolicies(['192.0.2.0/24']);
  const e = await sdkFailure(s.iam(session).send(new I.ListUsersCommand({})));
  assert.deepEqual([e.code, e.status], ['AccessDenied', 403], e.message);
});

test('gj3: inside the range the same policy allows', async () => {
  await setPolicies(['127.0.0.0/8', '::1/128']);
  const users = await s.iam(alice).send(new I.ListUsersCommand({}));
  assert.ok(users.Users?.some((u) => u.UserName === 'alice'));
});
