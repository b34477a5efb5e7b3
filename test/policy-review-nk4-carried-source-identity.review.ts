/**
 * Policy review nk, 4: an AssumeRole question about a session that carries a source identity was decided with the
 * asker's `sts:SourceIdentity`, or none. Before the fix 2 of 3 tests failed.
 *
 * A source identity is immutable and persists through role chaining (reference §A.1.8, `aws:SourceIdentity`; IAM User
 * Guide, "Monitor and control actions taken with assumed roles"): STS sets the calling session's on the session it
 * issues, and decides the next role's trust policy with it as `sts:SourceIdentity` whether or not the request names it
 * (src/app/sts.ts: "the one asked, or the calling session's"). So a trust policy refusing a person's chains (`Deny
 * sts:AssumeRole` when `StringEquals sts:SourceIdentity bob`) refuses every hop of bob's sessions at STS. The authorize
 * API, asked the same by the session itself (or about it by `principalProof`, or about a job's session, whose source
 * identity it knows), decided with the question's context only: without the key the Deny's positive operator did not
 * hold and the answer was Allow, and a context naming another person (`alice`) passed a trust policy that allows only
 * her. Now a trust action (`sts:AssumeRole`, `sts:TagSession`, `sts:SetSourceIdentity`) asked about a session carrying
 * a source identity is decided with that one as `sts:SourceIdentity`, the asker's value noted as ignored; a session with
 * none keeps the question's. Real server, STS and IAM SDK v3, the authorize API signed with the session's credentials.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => e.name);

let s: TestServer;
let bob: Credentials;
let plain: Credentials;

const creds = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
const ask = async (as: Credentials, resource: string, context?: Record<string, unknown>): Promise<{ decision: string; diagnostics: string[] }> => {
  const r = await gatehouseJson(s.url, as, 'POST', '/v1/authorize', { action: 'sts:AssumeRole', resource, ...(context !== undefined ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; diagnostics: string[] };
};

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  const hop = `arn:aws:iam::${A}:role/nk4-hop`;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'nk4-hop', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'nk4-hop', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({
    RoleName: 'nk4-prod',
    AssumeRolePolicyDocument: doc(
      { Effect: 'Allow', Principal: { AWS: hop }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] },
      { Effect: 'Deny', Principal: { AWS: hop }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:SourceIdentity': 'bob' } } },
    ),
  }));
  await iam.send(new I.CreateRoleCommand({
    RoleName: 'nk4-alice-only',
    AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: hop }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Condition: { StringEquals: { 'sts:SourceIdentity': 'alice' } } }),
  }));
  const sts = s.sts();
  bob = creds((await sts.send(new S.AssumeRoleCommand({ RoleArn: hop, RoleSessionName: 'bob-1', SourceIdentity: 'bob' }))).Credentials);
  plain = creds((await sts.send(new S.AssumeRoleCommand({ RoleArn: hop, RoleSessionName: 'plain-1' }))).Credentials);
});

after(async () => {
  await s?.stop();
});

describe('review nk4: a session\'s source identity decides its next AssumeRole, in a question too', () => {
  it('the Deny on bob refuses bob\'s session at STS, and so does the answer', async () => {
    assert.equal(await failure(s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/nk4-prod`, RoleSessionName: 'next' }))), 'AccessDenied');
    assert.equal((await ask(bob, `arn:aws:iam::${A}:role/nk4-prod`)).decision, 'ExplicitDeny');
    const claimed = await ask(bob, `arn:aws:iam::${A}:role/nk4-prod`, { 'sts:SourceIdentity': 'carol' });
    assert.equal(claimed.decision, 'ExplicitDeny', JSON.stringify(claimed));
    assert.ok(claimed.diagnostics.some((d) => d.includes('`sts:SourceIdentity`') && d.includes('ignored')), JSON.stringify(claimed.diagnostics));
  });

  it('a trust allowing only alice is not passed by bob\'s session claiming to be her', async () => {
    assert.equal(await failure(s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/nk4-alice-only`, RoleSessionName: 'next', SourceIdentity: 'alice' }))), 'AccessDenied');
    const a = await ask(bob, `arn:aws:iam::${A}:role/nk4-alice-only`, { 'sts:SourceIdentity': 'alice' });
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
  });

  it('a session without a source identity is decided with the one the question names, as STS would set it', async () => {
    assert.equal((await ask(plain, `arn:aws:iam::${A}:role/nk4-alice-only`, { 'sts:SourceIdentity': 'alice' })).decision, 'Allow');
    assert.equal((await ask(plain, `arn:aws:iam::${A}:role/nk4-prod`, { 'sts:SourceIdentity': 'bob' })).decision, 'ExplicitDeny');
    assert.equal((await ask(plain, `arn:aws:iam::${A}:role/nk4-prod`)).decision, 'Allow');
  });
});
