/**
 * Policy review nk, 1: the authorize API took an OIDC provider's subject key (`<host/path>:sub`) from the asker's context.
 * Before the fix 3 of 4 tests failed.
 *
 * docs/semantics.md lists `<host/path>:sub` among the keys derived from the principal ("the token's subject, in every
 * request of that session … which no context overrides; review it, 1") and says the edges that accept untrusted context
 * strip the derived keys; docs/decisions.md (review it, 1): "it is a fact of the session, not something the authorize
 * API's asker may supply". The session's own subject was put before the context, but only where the principal was a web
 * identity session Gatehouse had opened (signed with, or proven): a question naming the session by its ARN, or any other
 * principal, was decided with the subject the asker wrote. So a role's "only the main branch's CI may write" guard (`Deny
 * … StringNotLike <provider>:sub repo:…:ref:refs/heads/main`, which a negated operator applies when the key is absent)
 * was lifted by the asker's claim, and a per-subject prefix (`data/${<provider>:sub}/*`) granted whatever subject it
 * claimed, while `aws:FederatedProvider`, the same session's other fact, was ignored with a note. Now the key is
 * ignored with the same note as the principal's other keys; a simulation (`POST /v1/simulate`) may still give it, as it
 * gives what a session carries. Real server, IAM SDK v3, the authorize and simulate APIs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const SUB = 'token.actions.githubusercontent.com:sub';
const MAIN = 'repo:ml/train:ref:refs/heads/main';
const SESSION = `arn:aws:sts::${A}:assumed-role/nk1-ci/run-7`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;

const ask = async (route: 'authorize' | 'simulate', body: Record<string, unknown>): Promise<{ decision: string; diagnostics: string[] }> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', `/v1/${route}`, body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; diagnostics: string[] };
};

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'nk1-ci', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.PutRolePolicyCommand({
    RoleName: 'nk1-ci',
    PolicyName: 'ci',
    PolicyDocument: doc(
      { Sid: 'OwnPrefix', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::nk1-data/\${${SUB}}/*` },
      { Sid: 'Shared', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::nk1-shared/*' },
      { Sid: 'OnlyMainWrites', Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringNotLike: { [SUB]: MAIN } } },
    ),
  }));
  await iam.send(new I.CreateUserCommand({ UserName: 'nk1-dev' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'nk1-dev',
    PolicyName: 'p',
    PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { [SUB]: MAIN } } }),
  }));
});

after(async () => {
  await s?.stop();
});

describe('review nk1: an OIDC subject is the session\'s, never the asker\'s', () => {
  it('a claimed subject does not lift the role\'s negated Deny for a session named by its ARN', async () => {
    const a = await ask('authorize', { principal: SESSION, action: 's3:PutObject', resource: 'arn:aws:s3:::nk1-shared/w.bin', context: { [SUB]: MAIN } });
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
    assert.ok(a.diagnostics.some((d) => d.includes(`\`${SUB}\``) && d.includes('ignored') && d.includes('describes the principal')), JSON.stringify(a.diagnostics));
  });

  it('a claimed subject does not resolve the per-subject prefix, in any case of the key', async () => {
    for (const key of [SUB, SUB.toUpperCase()]) {
      const a = await ask('authorize', { principal: SESSION, action: 's3:GetObject', resource: `arn:aws:s3:::nk1-data/${MAIN}/model.bin`, context: { [key]: MAIN } });
      assert.equal(a.decision, 'ImplicitDeny', `${key}: ${JSON.stringify(a)}`);
    }
  });

  it('a user, which no token opened, is not given a subject by the asker', async () => {
    const a = await ask('authorize', { principal: `arn:aws:iam::${A}:user/nk1-dev`, action: 's3:GetObject', resource: 'arn:aws:s3:::nk1-any/k', context: { [SUB]: MAIN } });
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
  });

  it('a simulation may still say what subject the session carries', async () => {
    const a = await ask('simulate', { principal: SESSION, action: 's3:PutObject', resource: 'arn:aws:s3:::nk1-shared/w.bin', context: { [SUB]: MAIN } });
    assert.equal(a.decision, 'Allow', JSON.stringify(a));
    const b = await ask('simulate', { principal: SESSION, action: 's3:PutObject', resource: 'arn:aws:s3:::nk1-shared/w.bin', context: { [SUB]: 'repo:ml/train:pull_request' } });
    assert.equal(b.decision, 'ExplicitDeny', JSON.stringify(b));
  });
});
