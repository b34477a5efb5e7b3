/**
 * Review jb, 8: where enforcement names the policy an `Attach…Policy` attaches (`iam:PolicyARN`), escalation-paths
 * asked the question for each managed policy that exists. The delegation AWS documents — "create policies under
 * `policy/team-*` and attach only those" (`iam:CreatePolicy` on `policy/team-*`, `iam:AttachUserPolicy` with
 * `ArnLike iam:PolicyARN …:policy/team-*`) — was no gain while no such policy existed, though the user creates
 * `team-…` allowing everything and attaches it: `anyRight: false` for a path to any right. A policy the principal may
 * create is now asked about too (named as its statements spell it), and the gain says `iam:CreatePolicy` first;
 * not for a user who may not create such a policy. Each answer is taken for real through the IAM API. Before the fix
 * 1 of 2 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API and the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ALL = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
const attachTeam = (name: string) => ({ Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: user(name), Condition: { ArnLike: { 'iam:PolicyARN': policyArn('team-*') } } });

interface Gain {
  readonly action: string;
  readonly gives: string;
  readonly policy?: string;
  readonly first?: readonly string[];
}

describe('review jb8: a policy the user may create and then attach is a way to any right', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    keys['eve'] = await userWithPolicy(s, 'eve', doc({ Effect: 'Allow', Action: 'iam:CreatePolicy', Resource: policyArn('team-*') }, attachTeam('eve')));
    // May attach team-* policies to itself, create none.
    keys['fay'] = await userWithPolicy(s, 'fay', doc(attachTeam('fay')));
  });
  after(() => s?.stop());

  const report = async (name: string): Promise<{ gains: Gain[]; anyRight: boolean }> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const rep = (r.json['reports'] as { canGain: { gain: Gain }[]; anyRight: boolean }[])[0];
    return { gains: (rep?.canGain ?? []).map((g) => g.gain), anyRight: rep?.anyRight ?? false };
  };
  const canListUsers = async (name: string): Promise<string> =>
    String((await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/authorize', { action: 'iam:ListUsers', resource: '*' })).json['decision']);

  it('CreatePolicy then AttachUserPolicy of it gives any right; the CLI says so; the user does it', async () => {
    const r = await report('eve');
    assert.equal(r.anyRight, true);
    assert.deepEqual(r.gains.map((g) => [g.action, g.gives, g.policy, g.first]), [['iam:AttachUserPolicy', 'any', policyArn('team-new'), ['iam:CreatePolicy']]]);
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('eve')]);
    assert.equal(cli.status, 0, cli.err);
    assert.match(cli.out, /any right for user\/eve: iam:CreatePolicy then iam:AttachUserPolicy on user\/eve/);
    assert.equal(await canListUsers('eve'), 'ImplicitDeny');
    const iam = s.iam(keys['eve']);
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'team-new', PolicyDocument: ALL }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'eve', PolicyArn: policyArn('team-new') }));
    assert.equal(await canListUsers('eve'), 'Allow');
  });

  it('no such gain for a user who may not create the policy; IAM refuses it', async () => {
    const r = await report('fay');
    assert.equal(r.gains.some((g) => g.first?.includes('iam:CreatePolicy')), false);
    assert.equal(await errorName(s.iam(keys['fay']).send(new I.CreatePolicyCommand({ PolicyName: 'team-fay', PolicyDocument: ALL }))), 'AccessDenied');
  });
});
