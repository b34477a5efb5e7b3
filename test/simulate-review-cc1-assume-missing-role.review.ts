/**
 * Review cc, 1 (left by review bz): simulating `sts:AssumeRole` on a role the account does not hold (`gatehouse
 * simulate`, POST /v1/simulate, the authorize API) answered "the role trust policy does not allow this principal": a
 * reviewer reading it goes looking for a trust policy to fix, when the role is not there (a typo in the name, a wrong
 * path, a role deleted). AssumeRole itself says `The role with name … cannot be found.` The answer is still an implicit
 * deny, and now says the account holds no such role. A role of another account the asker may not read keeps the old
 * answer (saying it does not exist would tell that account's roles apart). Real server, SDK v3 IAM, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const ALICE = `arn:aws:iam::${A}:user/alice`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Answer {
  readonly decision: string;
  readonly reasons: readonly string[];
}

describe('review cc1: assuming a role that does not exist', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'real', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  });
  after(() => s?.stop());

  const ask = async (route: string, resource: string): Promise<Answer> => {
    const r = await call<Answer>(connectionTo(s.url, s.admin), 'POST', [route], { body: { principal: ALICE, action: 'sts:AssumeRole', resource } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value;
  };

  it('simulate and authorize say the role does not exist, not that its trust policy refuses', async () => {
    for (const route of ['simulate', 'authorize']) {
      const a = await ask(route, `arn:aws:iam::${A}:role/reel`);
      assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
      assert.ok(a.reasons.some((r) => r.includes(`arn:aws:iam::${A}:role/reel`) && r.includes('no such role')), JSON.stringify(a.reasons));
      assert.ok(!a.reasons.some((r) => r.includes('trust policy does not allow')), JSON.stringify(a.reasons));
    }
    // A role of that name under another path is not the one AssumeRole would find either.
    const pathed = await ask('simulate', `arn:aws:iam::${A}:role/team/real`);
    assert.ok(pathed.reasons.some((r) => r.includes('no such role')), JSON.stringify(pathed.reasons));
    const cli = await cliAgainst(s, ['simulate', '--as', ALICE, '--action', 'sts:AssumeRole', '--resource', `arn:aws:iam::${A}:role/reel`]);
    assert.match(cli.out + cli.err, /no such role/);
    assert.doesNotMatch(cli.out + cli.err, /trust policy does not allow/);
  });

  it('an existing role whose trust policy does not name the principal is answered as before', async () => {
    const a = await ask('simulate', `arn:aws:iam::${A}:role/real`);
    assert.equal(a.decision, 'ImplicitDeny');
    assert.ok(a.reasons.some((r) => r.includes('the role trust policy does not allow this principal')), JSON.stringify(a.reasons));
    assert.ok(!a.reasons.some((r) => r.includes('no such role')), JSON.stringify(a.reasons));
  });
});
