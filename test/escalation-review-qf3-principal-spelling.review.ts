/**
 * Review qf, 3: escalation-paths (`POST /v1/escalation-paths`) found the principal asked about only by its ARN exactly as
 * the directory spells it, and answered 404 "is not a user or role of account A" for a user or role named in another
 * case (`user/eng/DAVE` for `user/eng/dave`) or, in an `acs` account, by the other dialect's ARN
 * (`arn:aws:iam::A:user/carol` for `acs:ram::A:user/carol`), where the authorize API, `/v1/simulate` and who-can decide
 * it as the entity it names, under its canonical ARN (docs/decisions.md "A principal named by ARN is decided as the
 * entity it names"). It now resolves the ARN as they do, and reports under the canonical ARN; an ARN whose path is not
 * the entity's, or a session's ARN, is still no user or role of the account.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server (SQLite) on 127.0.0.1: SDK v3 IAM for the directory, the admin API for the questions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ACS = '350000000983';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review qf3: escalation-paths names a principal as the authorize API does', () => {
  let s: TestServer;
  let acsRoot: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'dave', Path: '/eng/' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/eng/dave` }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    acsRoot = await acsAccount(s, ACS);
    const ram = s.iam(acsRoot);
    await ramUser(ram, 'carol', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    await ram.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:user/carol`] } }] }) }));
  });
  after(() => s?.stop());

  const report = async (principal: string, asker: Credentials = s.admin) => {
    const r = await gatehouseJson(s.url, asker, 'POST', '/v1/escalation-paths', { principal });
    if (r.status !== 200) return { status: r.status, code: (r.json['error'] as { code?: string } | undefined)?.code };
    const rep = (r.json['reports'] as { principal: string; canBecome: { principal: string }[] }[])[0];
    return { status: r.status, principal: rep?.principal, canBecome: rep?.canBecome.map((b) => b.principal) };
  };

  it('a user or role named in another case: its report, under its canonical ARN', async () => {
    const dave = await report(`arn:aws:iam::${ROOT}:user/eng/dave`);
    assert.deepEqual(dave, { status: 200, principal: `arn:aws:iam::${ROOT}:user/eng/dave`, canBecome: [`arn:aws:iam::${ROOT}:role/ops`] });
    // Before the fix: 404 NoSuchEntity.
    assert.deepEqual(await report(`arn:aws:iam::${ROOT}:user/eng/DAVE`), dave);
    const ops = await report(`arn:aws:iam::${ROOT}:role/ops`);
    assert.equal(ops.status, 200);
    assert.deepEqual(await report(`arn:aws:iam::${ROOT}:role/OPS`), ops);
  });

  it('in an acs account, the other dialect’s ARN of a RAM user, in either case', async () => {
    const carol = await report(`acs:ram::${ACS}:user/carol`, acsRoot);
    assert.deepEqual(carol, { status: 200, principal: `acs:ram::${ACS}:user/carol`, canBecome: [`acs:ram::${ACS}:role/ops`] });
    // Before the fix: 404 NoSuchEntity, both (the authorize API decides both as carol).
    assert.deepEqual(await report(`acs:ram::${ACS}:user/Carol`, acsRoot), carol);
    assert.deepEqual(await report(`arn:aws:iam::${ACS}:user/carol`, acsRoot), carol);
  });

  it('still no user or role: a path that is not the entity’s, a session’s ARN, a name no one has', async () => {
    for (const p of [`arn:aws:iam::${ROOT}:user/DAVE`, `arn:aws:iam::${ROOT}:user/dave`, `arn:aws:sts::${ROOT}:assumed-role/ops/s1`, `arn:aws:iam::${ROOT}:user/eng/nobody`]) {
      assert.deepEqual(await report(p), { status: 404, code: 'NoSuchEntity' }, p);
    }
  });
});
