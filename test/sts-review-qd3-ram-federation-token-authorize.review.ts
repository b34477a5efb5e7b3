/**
 * Review qd, 3: the authorize API answered Allow, "allowed by an identity policy", for `sts:GetFederationToken` asked by
 * or about a RAM user (an Alibaba Cloud, `acs`, account) whose policies allow it, while Gatehouse's STS refuses every
 * such call whatever the policies say ("GetFederationToken is AWS STS's … RAM has no federation token", docs/decisions.md
 * "GetFederationToken"). The authorize API's answer about the asker itself is meant to be the enforcement's (review pc,
 * 2; docs/decisions.md, the console's Authorize view): a broker that asked before calling was told it could, then
 * refused. Review qd, 1 made GetSessionToken of an `acs` account the same refusal and its answer ImplicitDeny.
 *
 * What is now so: `sts:GetFederationToken` (as `sts:GetSessionToken`) by a principal of an `acs` account is ImplicitDeny,
 * `deniedBy: identity`, saying it is AWS STS's; whichever form of the user's ARN the question names. An `aws` user's
 * answer is decided by its policies as before.
 *
 * Real server (SQLite), `@aws-sdk/client-sts` for the refusal, the authorize API through the CLI's client.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { accountAdmin, iamUserWith, REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '222222222222';
const FED = `arn:aws:sts::${ACS}:federated-user/broker-1`;
let s: TestServer;
let acsAdmin: Credentials;
let bob: Credentials;

before(async () => {
  s = await startTestServer();
  acsAdmin = await accountAdmin(s, ACS, 'acs');
  const ram = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: acsAdmin, maxAttempts: 1 });
  bob = await iamUserWith(ram, 'bob', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }] });
  ram.destroy();
});
after(async () => {
  await s?.stop();
});

async function decision(as: Credentials, body: Record<string, unknown>): Promise<{ decision: string; deniedBy?: string; reasons: string[] }> {
  const r = await call<{ decision: string; deniedBy?: string; reasons: string[] }>(connectionTo(s.url, as), 'POST', ['authorize'], { body });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

test('qd3: STS refuses the RAM user GetFederationToken, and the authorize API asked by that user says ImplicitDeny', async () => {
  const sts = new S.STSClient({ endpoint: s.url, region: REGION, credentials: bob, maxAttempts: 1 });
  const refused = await sdkFailure(sts.send(new S.GetFederationTokenCommand({ Name: 'broker-1', Policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) })));
  assert.equal(refused.code, 'AccessDenied');
  const d = await decision(bob, { action: 'sts:GetFederationToken', resource: FED });
  assert.equal(d.decision, 'ImplicitDeny', JSON.stringify(d));
  assert.equal(d.deniedBy, 'identity');
  assert.match(d.reasons.join(' '), /AWS STS's/);
});

test('qd3: asked about the RAM user by either form of its ARN, the answer is ImplicitDeny', async () => {
  for (const principal of [`acs:ram::${ACS}:user/bob`, `arn:aws:iam::${ACS}:user/bob`]) {
    const d = await decision(acsAdmin, { principal, action: 'sts:GetFederationToken', resource: FED });
    assert.equal(d.decision, 'ImplicitDeny', `${principal}: ${JSON.stringify(d)}`);
  }
});

test('qd3: an aws user allowed sts:GetFederationToken is still answered Allow', async () => {
  const alice = await iamUserWith(s.iam(), 'alice', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }] });
  const d = await decision(alice, { action: 'sts:GetFederationToken', resource: 'arn:aws:sts::000000000000:federated-user/broker-1' });
  assert.equal(d.decision, 'Allow');
});
