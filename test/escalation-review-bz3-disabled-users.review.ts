/**
 * Review bz, 3: escalation-paths took a disabled user (`gatehouse users disable`: its access keys and sessions no longer
 * work) for one that can act. A disabled user a role trusts was reported able to become that role, and a user allowed
 * `iam:CreateAccessKey` was reported able to act as a disabled user by minting its key, a key that authenticates
 * nothing. A disabled user now acts in no path of its own, and is reached by `iam:CreateAccessKey` only together with
 * `iam:UpdateUser`, which enables it again (src/app/directory.ts `setUserDisabled`). Each answer is checked against
 * enforcement. Real server, SDK v3 IAM and STS, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ROLE = `arn:aws:iam::${A}:role/r`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Report {
  readonly principal: string;
  readonly canBecome: readonly { principal: string; path: readonly { how: string; actions: readonly string[] }[] }[];
  readonly canGain: readonly unknown[];
}

describe('review bz3: escalation-paths and disabled users', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['alice', 'bob', 'carol']) {
      await iam.send(new I.CreateUserCommand({ UserName: u }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: u }))).AccessKey;
      keys[u] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: user('alice') }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'self', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:PutUserPolicy', Resource: user('alice') }) }));
    // bob may mint anyone's key; carol may mint alice's and enable her again.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'keys', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: user('alice') }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'keys', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:CreateAccessKey', 'iam:UpdateUser'], Resource: user('alice') }) }));
    const d = await cliAgainst(s, ['users', 'disable', 'alice']);
    assert.equal(d.status, 0, d.err);
  });
  after(() => s?.stop());

  const report = async (principal: string): Promise<Report> => {
    const r = await call<{ reports: Report[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value.reports[0] as Report;
  };

  it('a disabled user becomes no role and gains nothing, as STS refuses it', async () => {
    assert.equal((await sdkFailure(s.sts(keys['alice']).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'try' })))).code, 'InvalidClientTokenId');
    const alice = await report(user('alice'));
    assert.deepEqual(alice.canBecome, [], JSON.stringify(alice));
    assert.deepEqual(alice.canGain, [], JSON.stringify(alice));
  });

  it('minting a disabled user\'s key is no path; minting it and enabling the user is', async () => {
    const bob = await report(user('bob'));
    assert.ok(!bob.canBecome.some((b) => b.principal === user('alice')), JSON.stringify(bob.canBecome));
    const carol = await report(user('carol'));
    const toAlice = carol.canBecome.find((b) => b.principal === user('alice'));
    assert.ok(toAlice, JSON.stringify(carol.canBecome));
    assert.deepEqual(toAlice.path[0]?.actions, ['iam:CreateAccessKey', 'iam:UpdateUser']);
    // ...and on through alice, once enabled, to the role.
    assert.ok(carol.canBecome.some((b) => b.principal === ROLE), JSON.stringify(carol.canBecome));
  });
});
