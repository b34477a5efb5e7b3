/**
 * Review db, 1: escalation-paths listed `iam:UpdateAssumeRolePolicy` on a role as a way to act as it whenever the
 * rewrite was allowed, without asking whether the actor could then assume the role. A user whose own policy denies
 * `sts:AssumeRole` rewrites the trust policy to name itself and is still refused (an explicit deny wins over the trust
 * policy), so the path printed was not one (PMapper asks the same question of the trust policy it would write). The
 * step is now listed only when AssumeRole would allow the actor under a trust policy naming it, as for a role the actor
 * creates (review cc, 2). Both answers are then checked for real through the IAM and STS APIs. Real server, SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ROLE = `arn:aws:iam::${A}:role/db1-target`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review db1: a trust policy rewritten by a principal that may not assume roles', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'db1-target', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'db1-target', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    const users: Record<string, object[]> = {
      denied: [{ Effect: 'Allow', Action: 'iam:UpdateAssumeRolePolicy', Resource: ROLE }, { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }],
      rewriter: [{ Effect: 'Allow', Action: ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'], Resource: ROLE }],
    };
    for (const [name, statements] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const becomes = async (name: string): Promise<{ principal: string; path: { how: string }[] }[]> => {
    const r = await call<{ reports: { canBecome: { principal: string; path: { how: string }[] }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return [...(r.value.reports[0]?.canBecome ?? [])];
  };
  const rewriteAndAssume = async (name: string): Promise<unknown> => {
    const who = keys[name] as Credentials;
    await s.iam(who).send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'db1-target', PolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: user(name) }, Action: 'sts:AssumeRole' }) }));
    return s.sts(who).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: name }));
  };

  it('no path for a user whose own policy denies sts:AssumeRole; the rewrite followed by AssumeRole is refused', async () => {
    assert.deepEqual(await becomes('denied'), []);
    assert.equal(await errorName(rewriteAndAssume('denied')), 'AccessDenied');
  });

  it('the path stays for one that may assume the role, and it works', async () => {
    const b = await becomes('rewriter');
    assert.deepEqual(b.map((x) => [x.principal, x.path.map((p) => p.how)]), [[ROLE, ['iam:UpdateAssumeRolePolicy']]]);
    const got = (await rewriteAndAssume('rewriter')) as S.AssumeRoleCommandOutput;
    assert.match(got.AssumedRoleUser?.Arn ?? '', /assumed-role\/db1-target\/rewriter$/);
  });
});
