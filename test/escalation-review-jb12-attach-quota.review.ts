/**
 * Review jb, 12: escalation-paths listed `iam:AttachUserPolicy` (and `AttachRolePolicy`, `AttachGroupPolicy`) as a way
 * to any right whenever it was allowed, without asking whether the principal could take another managed policy: IAM
 * holds a user, role or group to ten (LimitExceeded, "Cannot exceed quota for PoliciesPerUser: 10"), so a user allowed
 * only to attach policies to itself, holding ten already, was reported `anyRight: true` by a path the server refuses
 * (as reviews db, 2 and fl, 6 found for access keys and policy versions). At the quota the gain is now listed only
 * with `Detach…Policy` of one of them allowed too, named in the gain's `first` (`iam:DetachUserPolicy then
 * iam:AttachUserPolicy`). Each answer is taken for real through the IAM API. Before the fix 2 of 2 tests failed. Real
 * server (SQLite), SDK v3 IAM, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review jb12: attaching a policy to a principal holding ten needs a detachment first', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (let i = 0; i < 10; i++) await iam.send(new I.CreatePolicyCommand({ PolicyName: `read-${i}`, PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::jb12-${i}/*` }) }));
    const own: Record<string, string[]> = { eve: ['iam:AttachUserPolicy'], fay: ['iam:AttachUserPolicy', 'iam:DetachUserPolicy'] };
    for (const [name, actions] of Object.entries(own)) {
      keys[name] = await userWithPolicy(s, name, doc({ Effect: 'Allow', Action: actions, Resource: user(name) }));
      for (let i = 0; i < 10; i++) await iam.send(new I.AttachUserPolicyCommand({ UserName: name, PolicyArn: policyArn(`read-${i}`) }));
    }
  });
  after(() => s?.stop());

  const report = async (name: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const rep = (r.json['reports'] as { canGain: { gain: { action: string; gives: string; first?: string[] } }[]; anyRight: boolean }[])[0];
    return { anyRight: rep?.anyRight, gains: (rep?.canGain ?? []).map((g) => [g.gain.action, g.gain.gives, g.gain.first]) };
  };
  const canListUsers = async (name: string): Promise<string> =>
    String((await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/authorize', { action: 'iam:ListUsers', resource: '*' })).json['decision']);

  it('no gain for a user allowed only to attach, holding ten policies; IAM refuses the eleventh', async () => {
    const r = await report('eve');
    assert.equal(r.anyRight, false);
    assert.deepEqual(r.gains, []);
    assert.equal(await errorName(s.iam(keys['eve']).send(new I.AttachUserPolicyCommand({ UserName: 'eve', PolicyArn: ADMIN }))), 'LimitExceededException');
    assert.equal(await canListUsers('eve'), 'ImplicitDeny');
  });

  it('with DetachUserPolicy too, the gain names it first; the user detaches one, attaches AdministratorAccess and gets any right', async () => {
    const r = await report('fay');
    assert.equal(r.anyRight, true);
    assert.deepEqual(r.gains, [['iam:AttachUserPolicy', 'any', ['iam:DetachUserPolicy']]]);
    const iam = s.iam(keys['fay']);
    await iam.send(new I.DetachUserPolicyCommand({ UserName: 'fay', PolicyArn: policyArn('read-0') }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'fay', PolicyArn: ADMIN }));
    assert.equal(await canListUsers('fay'), 'Allow');
  });
});
