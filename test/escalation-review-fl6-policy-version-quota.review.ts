/**
 * Review fl, 6: escalation-paths listed `iam:CreatePolicyVersion` on a managed policy attached to a principal (or on
 * its permissions boundary) as a way to any right whenever the action was allowed, without asking whether the policy
 * could take another version: IAM keeps at most five and refuses a sixth (LimitExceeded, "you must delete an existing
 * version") until one is deleted, so a principal allowed CreatePolicyVersion alone on a policy at its quota had no
 * such path (PMapper asks `iam:DeletePolicyVersion` too; as review db, 2 did for a user's access keys). The gain is now
 * listed for a policy at the quota only with `iam:DeletePolicyVersion` on it, named in the gain's `first` and printed
 * by `gatehouse escalation-paths` as `iam:DeletePolicyVersion then iam:CreatePolicyVersion`. Each answer is then taken
 * for real through the IAM API: refused LimitExceeded without the deletion, then the deletion, the new default version
 * and a right the user did not have. Before the fix all three tests failed (the third on the CLI's line). Real server (SQLite), SDK v3 IAM, the
 * authorize API and the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const READ = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fl6/*' });
const ALL = doc({ Effect: 'Allow', Action: '*', Resource: '*' });

interface Gain {
  readonly action: string;
  readonly resource: string;
  readonly gives: string;
  readonly first?: readonly string[];
}

describe('review fl6: CreatePolicyVersion on a policy at its quota of versions needs DeletePolicyVersion', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // Two policies at the quota (v1..v5, each allowing no more than the default), and one with room.
    for (const [name, count] of [['full-a', 5], ['full-b', 5], ['roomy', 1]] as const) {
      await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: READ }));
      for (let i = 1; i < count; i++) await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn(name), PolicyDocument: READ }));
    }
    const own: Record<string, [string, object[]]> = {
      // May write a version of its policy, not delete one.
      uma: ['full-a', [{ Effect: 'Allow', Action: 'iam:CreatePolicyVersion', Resource: policyArn('full-a') }]],
      // May do both.
      vic: ['full-b', [{ Effect: 'Allow', Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion'], Resource: policyArn('full-b') }]],
      // Room for a version: CreatePolicyVersion alone, as before.
      wes: ['roomy', [{ Effect: 'Allow', Action: 'iam:CreatePolicyVersion', Resource: policyArn('roomy') }]],
    };
    for (const [name, [attached, statements]] of Object.entries(own)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.AttachUserPolicyCommand({ UserName: name, PolicyArn: policyArn(attached) }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'write', PolicyDocument: doc(...statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const versionGains = async (name: string): Promise<Gain[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const reports = r.json['reports'] as { canGain: { gain: Gain }[] }[];
    return (reports[0]?.canGain ?? []).map((g) => g.gain).filter((g) => g.action === 'iam:CreatePolicyVersion');
  };
  const canListUsers = async (name: string): Promise<string> =>
    String((await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/authorize', { action: 'iam:ListUsers', resource: '*' })).json['decision']);

  it('no gain for a user allowed only CreatePolicyVersion on its policy at the quota; IAM refuses the sixth version', async () => {
    assert.deepEqual(await versionGains('uma'), []);
    assert.equal(await errorName(s.iam(keys['uma']).send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn('full-a'), PolicyDocument: ALL, SetAsDefault: true }))), 'LimitExceededException');
    assert.equal(await canListUsers('uma'), 'ImplicitDeny');
  });

  it('with DeletePolicyVersion too, the gain names it first; the user deletes a version, writes the sixth and gets any right', async () => {
    assert.deepEqual((await versionGains('vic')).map((g) => [g.resource, g.gives, g.first]), [[policyArn('full-b'), 'any', ['iam:DeletePolicyVersion']]]);
    const iam = s.iam(keys['vic']);
    await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: policyArn('full-b'), VersionId: 'v2' }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn('full-b'), PolicyDocument: ALL, SetAsDefault: true }));
    assert.equal(await canListUsers('vic'), 'Allow');
  });

  it('a policy with room needs CreatePolicyVersion alone, as before; the CLI prints the deletion first where needed', async () => {
    assert.deepEqual((await versionGains('wes')).map((g) => [g.resource, g.gives, g.first]), [[policyArn('roomy'), 'any', undefined]]);
    // vic's policy is back at the quota (v2 deleted, v6 written): the CLI prints the deletion first.
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('vic')]);
    assert.equal(cli.status, 0, cli.err);
    assert.match(cli.out, /iam:DeletePolicyVersion then iam:CreatePolicyVersion on policy\/full-b/);
  });
});
