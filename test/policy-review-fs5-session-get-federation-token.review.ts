/**
 * Policy review fs, 5: the authorize API and `gatehouse simulate` answered Allow for a role session calling
 * GetFederationToken, which STS refuses. GetFederationToken takes an IAM user's long-term access key: STS answers
 * "Cannot call GetFederationToken with session credentials" to a role session, a federated user or a GetSessionToken
 * session (STS API reference; review fb, 1 serves it so), whatever its policies allow. The engine decided
 * `sts:GetFederationToken` by the policies alone, so a role allowed `sts:*` was told Allow where enforcement says no (the
 * authorize API gives enforcement's decision). Now a principal holding temporary credentials is refused it: ImplicitDeny,
 * `deniedBy: identity`, saying why; a user asked about by ARN (its long-term key) is decided by its policies as before.
 * Real server, SDK v3 (IAM, STS), SigV4-signed /v1/authorize and the in-process CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/fs5-broker`;
const FED = `arn:aws:sts::${ACCT}:federated-user/bob`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let session: Credentials;

before(async () => {
  s = await startTestServer();
  const alice = await userWithKey(s, 'alice');
  const iam = s.iam();
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'fs5-broker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: ACCT } }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'fs5-broker', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }) }));
  const c = (await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'broker' }))).Credentials;
  session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
});
after(async () => s?.stop());

const ask = async (principal: string): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'sts:GetFederationToken', resource: FED });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

test('fs5: STS refuses the role session GetFederationToken', async () => {
  const e = await sdkFailure(s.sts(session).send(new S.GetFederationTokenCommand({ Name: 'bob' })));
  assert.deepEqual([e.code, e.status], ['AccessDenied', 403]);
  assert.match(e.message, /Cannot call GetFederationToken with session credentials/);
});

test('fs5: the authorize API answers as STS does for a role session, and by the policies for a user', async () => {
  for (const principal of [ROLE, `arn:aws:sts::${ACCT}:assumed-role/fs5-broker/broker`]) {
    const d = await ask(principal);
    assert.equal(d['decision'], 'ImplicitDeny', JSON.stringify(d));
    assert.match(String((d['reasons'] as string[] | undefined)?.join(' ')), /session credentials/);
  }
  assert.equal((await ask(`arn:aws:iam::${ACCT}:user/alice`))['decision'], 'Allow', 'alice’s long-term key may call it');
});

test('fs5: gatehouse simulate says no too', async () => {
  const r = await cliAgainst(s, ['simulate', '--as', ROLE, '--action', 'sts:GetFederationToken', '--resource', FED]);
  assert.equal(r.status, 1, r.out + r.err);
  assert.match(r.out, /ImplicitDeny/);
});
