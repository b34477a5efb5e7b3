/**
 * Policy review C4: `Allow` + `NotResource` with a policy variable that has no value (`${aws:username}` for a role)
 * granted every resource, the excluded ones included (authorize API, real server). AWS: a variable it cannot resolve
 * may make the whole statement invalid; an Allow that cannot be resolved grants nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (...Statement: unknown[]): string => JSON.stringify({ Version: V, Statement });

describe('policy review C4: evaluation against AWS through the real server', () => {
  let s: TestServer;
  const ask = (body: Record<string, unknown>, as?: Credentials): Promise<string> => authorizeDecision(s, body, as);
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const trustAccount = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });
    await iam.send(new CreateRoleCommand({ RoleName: 'homes', AssumeRolePolicyDocument: trustAccount }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'homes', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::homes/${aws:username}/private/*' }) }));
  });
  after(async () => {
    await s.stop();
  });

  it('C4: Allow + NotResource with a variable that has no value grants nothing', async () => {
    const base = { principal: `arn:aws:iam::${ROOT}:role/homes`, action: 's3:GetObject' };
    assert.equal(await ask({ ...base, resource: 'arn:aws:s3:::homes/alice/private/diary' }), 'ImplicitDeny');
    assert.equal(await ask({ ...base, resource: 'arn:aws:s3:::public/readme' }), 'ImplicitDeny');
  });
});

describe('policy review C4: NotResource with a variable that has no value (engine)', () => {
  it('an Allow grants nothing; a Deny still applies; with a value both behave as written', async () => {
    const { compilePolicy, evaluate, parsePolicy, principalFromArn } = await import('../src/core/iam/index.ts');
    const compile = (d: unknown) => {
      const r = parsePolicy(JSON.stringify(d), { kind: 'identity' });
      assert.ok(r.ok);
      return compilePolicy(r.value, 'p');
    };
    const allowAll = { Effect: 'Allow', Action: 's3:*', Resource: '*' };
    const denyOutside = { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::homes/${aws:username}/*' };
    const role = principalFromArn(`arn:aws:sts::${ROOT}:assumed-role/r/s`);
    const user = principalFromArn(`arn:aws:iam::${ROOT}:user/alice`);
    assert.ok(role.ok && user.ok);
    const decide = (p: typeof role.value, resource: string) => evaluate({ principal: p, action: 's3:GetObject', resource }, { identity: [compile({ Version: V, Statement: [allowAll, denyOutside] })] }).decision;
    assert.equal(decide(role.value, 'arn:aws:s3:::homes/x/k'), 'ExplicitDeny', 'no user name: the Deny applies everywhere (fails closed)');
    assert.equal(decide(user.value, 'arn:aws:s3:::homes/alice/k'), 'Allow');
    assert.equal(decide(user.value, 'arn:aws:s3:::homes/bob/k'), 'ExplicitDeny');
    const allowOutside = compile({ Version: V, Statement: [{ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::homes/${aws:username}/*' }] });
    assert.equal(evaluate({ principal: user.value, action: 's3:GetObject', resource: 'arn:aws:s3:::public/k' }, { identity: [allowOutside] }).decision, 'Allow');
    assert.equal(evaluate({ principal: user.value, action: 's3:GetObject', resource: 'arn:aws:s3:::homes/alice/k' }, { identity: [allowOutside] }).decision, 'ImplicitDeny');
    assert.equal(evaluate({ principal: role.value, action: 's3:GetObject', resource: 'arn:aws:s3:::public/k' }, { identity: [allowOutside] }).decision, 'ImplicitDeny');
  });
});
