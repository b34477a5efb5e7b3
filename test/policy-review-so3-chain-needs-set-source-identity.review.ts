/**
 * Review so, 3. STS issues a session assumed by a session that carries a source identity with that source identity
 * (reference/policy-semantics.md §A.1.8: immutable, passed along a chain), and so asks the next role's trust policy for
 * `sts:SetSourceIdentity` beside `sts:AssumeRole` at every hop, as it does for an AssumeRole naming `SourceIdentity`
 * (IAM User Guide, "Permissions required to set source identity"; src/app/sts.ts, review cy, 1). The authorize API (and
 * `POST /v1/simulate`) decided `sts:AssumeRole` alone on a role, as STS decides it (src/app/authorize.ts
 * `decidedOnRole`), so bob's session was answered Allow on a role whose trust policy allows `sts:AssumeRole` but not
 * `sts:SetSourceIdentity`, where AssumeRole refuses it; as was a question whose context names the `sts:SourceIdentity`
 * the request sets. Issue 8: simulation answers "from the same code path as enforcement".
 *
 * Now an `sts:AssumeRole` question whose new session would carry a source identity (the asking session's, or the one
 * the question's context names) is allowed only where `sts:SetSourceIdentity` on the role is allowed too, saying so.
 * Real server (SQLite), STS and IAM SDK v3, the authorize API signed with the session's credentials.
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
const HOP = `arn:aws:iam::${A}:role/so3-hop`;
const NEXT = `arn:aws:iam::${A}:role/so3-next`;
const BOTH = `arn:aws:iam::${A}:role/so3-both`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const creds = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => e.name);

let s: TestServer;
let bob: Credentials;
let plain: Credentials;

const ask = async (as: Credentials, path: string, resource: string, context?: Record<string, string>): Promise<{ decision: string; reasons: string[] }> => {
  const r = await gatehouseJson(s.url, as, 'POST', path, { action: 'sts:AssumeRole', resource, ...(context !== undefined ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; reasons: string[] };
};

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'so3-hop', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'so3-hop', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'so3-next', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: HOP }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'so3-both', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: HOP }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }) }));
  const sts = s.sts();
  bob = creds((await sts.send(new S.AssumeRoleCommand({ RoleArn: HOP, RoleSessionName: 'bob-1', SourceIdentity: 'bob' }))).Credentials);
  plain = creds((await sts.send(new S.AssumeRoleCommand({ RoleArn: HOP, RoleSessionName: 'plain-1' }))).Credentials);
});

after(async () => {
  await s?.stop();
});

describe('review so3: the next hop of a session with a source identity needs sts:SetSourceIdentity, in a question too', () => {
  it('bob’s session is refused a role whose trust allows only sts:AssumeRole, by STS and by the answers', async () => {
    assert.equal(await failure(s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: NEXT, RoleSessionName: 'next' }))), 'AccessDenied');
    for (const path of ['/v1/authorize', '/v1/simulate']) {
      const a = await ask(bob, path, NEXT);
      assert.equal(a.decision, 'ImplicitDeny', `${path}: ${JSON.stringify(a)}`);
      assert.ok(a.reasons.some((r) => r.includes('sts:SetSourceIdentity')), JSON.stringify(a));
    }
  });

  it('a question naming the source identity the request sets needs it too', async () => {
    assert.equal(await failure(s.sts(plain).send(new S.AssumeRoleCommand({ RoleArn: NEXT, RoleSessionName: 'next', SourceIdentity: 'alice' }))), 'AccessDenied');
    assert.equal((await ask(plain, '/v1/authorize', NEXT, { 'sts:SourceIdentity': 'alice' })).decision, 'ImplicitDeny');
  });

  it('where the trust allows both, or no source identity is carried, AssumeRole is allowed as before', async () => {
    assert.equal(await failure(s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: BOTH, RoleSessionName: 'next' }))), 'ok');
    assert.equal((await ask(bob, '/v1/authorize', BOTH)).decision, 'Allow');
    assert.equal((await ask(bob, '/v1/simulate', BOTH)).decision, 'Allow');
    assert.equal(await failure(s.sts(plain).send(new S.AssumeRoleCommand({ RoleArn: NEXT, RoleSessionName: 'next' }))), 'ok');
    assert.equal((await ask(plain, '/v1/authorize', NEXT)).decision, 'Allow');
  });
});
