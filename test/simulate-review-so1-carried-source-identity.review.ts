/**
 * Review so, 1. `POST /v1/simulate` (and so `gatehouse simulate`) of an AssumeRole question about a session carrying a
 * source identity was decided without it: the source identity a session carries is what STS decides the next role's
 * trust policy with as `sts:SourceIdentity` (reference/policy-semantics.md §A.1.8: immutable, passed along a chain;
 * src/app/sts.ts), and review nk, 4 made `POST /v1/authorize` decide with it, but skipped simulations ("a simulation
 * keeps what it is given", docs/decisions.md) even when given nothing. So bob's session asking the same question of
 * both got ExplicitDeny from the authorize API (and AccessDenied from AssumeRole) and Allow from the simulator, which
 * issue 8 requires to answer "from the same code path as enforcement".
 *
 * Now a simulation given no `sts:SourceIdentity` decides with the one the session carries: the one its what-if says it
 * carries (`aws:SourceIdentity`, a simulated fact), else its own. One it is given is still kept. Real server, STS SDK v3.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const HOP = `arn:aws:iam::${A}:role/so1-hop`;
const PROD = `arn:aws:iam::${A}:role/so1-prod`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const creds = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => e.name);

let s: TestServer;
let bob: Credentials;

const ask = async (as: Credentials, path: string, body: Record<string, unknown>): Promise<{ decision: string }> => {
  const r = await gatehouseJson(s.url, as, 'POST', path, { action: 'sts:AssumeRole', resource: PROD, ...body });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string };
};

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'so1-hop', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'so1-hop', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({
    RoleName: 'so1-prod',
    AssumeRolePolicyDocument: doc(
      { Effect: 'Allow', Principal: { AWS: HOP }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] },
      { Effect: 'Deny', Principal: { AWS: HOP }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:SourceIdentity': 'bob' } } },
    ),
  }));
  bob = creds((await s.sts().send(new S.AssumeRoleCommand({ RoleArn: HOP, RoleSessionName: 'bob-1', SourceIdentity: 'bob' }))).Credentials);
});

after(async () => {
  await s?.stop();
});

describe('review so1: a simulation decides the next hop with the source identity the session carries', () => {
  it('bob\'s session asking about the next role: STS, the authorize API and the simulator all refuse', async () => {
    assert.equal(await failure(s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: PROD, RoleSessionName: 'next' }))), 'AccessDenied');
    assert.equal((await ask(bob, '/v1/authorize', {})).decision, 'ExplicitDeny');
    assert.equal((await ask(bob, '/v1/simulate', {})).decision, 'ExplicitDeny');
  });

  it('a simulated session said to carry bob (aws:SourceIdentity) is refused too; one with none is allowed', async () => {
    assert.equal((await ask(s.admin, '/v1/simulate', { principal: HOP, context: { 'aws:SourceIdentity': 'bob' } })).decision, 'ExplicitDeny');
    assert.equal((await ask(s.admin, '/v1/simulate', { principal: HOP })).decision, 'Allow');
  });

  it('a simulation given sts:SourceIdentity keeps it (a what-if)', async () => {
    assert.equal((await ask(s.admin, '/v1/simulate', { principal: HOP, context: { 'sts:SourceIdentity': 'bob' } })).decision, 'ExplicitDeny');
    assert.equal((await ask(s.admin, '/v1/simulate', { principal: HOP, context: { 'aws:SourceIdentity': 'bob', 'sts:SourceIdentity': 'carol' } })).decision, 'Allow');
  });
});
