/**
 * Policy review fs, 4: the authorize API and `gatehouse simulate` answered Allow for a federated user (GetFederationToken)
 * assuming a role, which STS refuses. A federated user's credentials call no STS operation but GetCallerIdentity (STS's
 * comparison of temporary credentials; review fb, 1 serves it so: AssumeRole with them is AccessDenied), so no trust
 * policy lets one in, as none lets the root user in (reference §A.1.9). The engine decided the trust policy as for any
 * caller: one naming the federated user's ARN, or its account with a session policy allowing `sts:AssumeRole`, was
 * Allow, and a resource server or an operator asking "may bob assume the role" was told yes where enforcement says no
 * (the authorize API gives enforcement's decision). Now trust mode refuses a federated user, as it refuses the root
 * user: ImplicitDeny, `deniedBy: identity`. Real server, SigV4-signed /v1/authorize, the in-process CLI, and STS itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/fs4-target`;
const BOB = `arn:aws:sts::${ACCT}:federated-user/bob`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;
let bob: Credentials;

before(async () => {
  s = await startTestServer();
  alice = await userWithKey(s, 'alice');
  const iam = s.iam();
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'alice',
    PolicyName: 'broker',
    PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:GetFederationToken', 'sts:AssumeRole'], Resource: '*' }),
  }));
  // The role trusts bob, the federated user, by his ARN.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'fs4-target', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: BOB } }) }));
  const t = await s.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'bob', Policy: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  bob = { accessKeyId: t.Credentials?.AccessKeyId ?? '', secretAccessKey: t.Credentials?.SecretAccessKey ?? '', sessionToken: t.Credentials?.SessionToken ?? '' };
});
after(async () => s?.stop());

test('fs4: STS refuses the federated user AssumeRole', async () => {
  const e = await sdkFailure(s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x' })));
  assert.deepEqual([e.code, e.status], ['AccessDenied', 403]);
});

test('fs4: the authorize API answers as STS does', async () => {
  const byArn = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: BOB, action: 'sts:AssumeRole', resource: ROLE });
  assert.equal(byArn.status, 200, JSON.stringify(byArn.json));
  assert.equal(byArn.json['decision'], 'ImplicitDeny', JSON.stringify(byArn.json));
  assert.match(String((byArn.json['reasons'] as string[] | undefined)?.join(' ')), /federated user cannot assume roles/);
});

test('fs4: gatehouse simulate says no too', async () => {
  const r = await cliAgainst(s, ['simulate', '--as', BOB, '--action', 'sts:AssumeRole', '--resource', ROLE]);
  assert.equal(r.status, 1, r.out + r.err);
  assert.match(r.out, /ImplicitDeny/);
});
