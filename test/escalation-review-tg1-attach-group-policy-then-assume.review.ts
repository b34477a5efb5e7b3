/**
 * Review tg, 1: a user allowed to attach one managed policy to a group it is in (`iam:AttachGroupPolicy` on the group's
 * ARN, `iam:PolicyARN` naming the policy: AWS's delegation pattern, a team lead managing the team's group) whose policy
 * allows `sts:AssumeRole` on an administrator role trusting the account could become that role, and escalation-paths
 * said "gives: policy" with `anyRight: false`, who-can's `through` for the role leaving it out. Review sx, 3 made the
 * attachment a step for a user or role attaching to itself; a member is decided with its groups' managed policies too
 * (reference/policy-semantics.md §A.1: a user's identity policies are its own and its groups'), so the step is now
 * also `AttachGroupPolicy` on a group of its own then `sts:AssumeRole`, asked with that policy added. Allowed to attach
 * it only to a group it is not in, or only a policy allowing no AssumeRole there, is still no path. Taken for real:
 * refused before, the attachment with the IAM API, then AssumeRole allowed by STS. Real server (SQLite), SDK v3 IAM
 * and STS in process.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { errorName, type Credentials, type TestServer } from './support/server.ts';
import { pathsReport, pathTo, startHopWorld, whoCan } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const policy = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const groupAttach = (name: string, allowed: string) => doc({ Effect: 'Allow', Action: 'iam:AttachGroupPolicy', Resource: group(name), Condition: { ArnEquals: { 'iam:PolicyARN': allowed } } });

describe('review tg1: attaching to one\'s own group a policy that allows AssumeRole is a path to the role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startHopWorld();
    const iam = s.iam();
    for (const g of ['team', 'other']) await iam.send(new I.CreateGroupCommand({ GroupName: g }));
    // gus (in team) may attach hop to team; hal (in team) only read; ivy (in no group) may attach hop to other.
    for (const [name, inGroup, attachTo, allowed] of [['gus', 'team', 'team', policy('hop')], ['hal', 'team', 'team', policy('read')], ['ivy', undefined, 'other', policy('hop')]] as const) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      if (inGroup) await iam.send(new I.AddUserToGroupCommand({ UserName: name, GroupName: inGroup }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'delegated', PolicyDocument: groupAttach(attachTo, allowed) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const report = (principal: string) => pathsReport(s, principal);

  it('a member: AttachGroupPolicy of hop to its group then AssumeRole of adm, and any right', async () => {
    const r = await report(user('gus'));
    assert.deepEqual(pathTo(r, role('adm')), ['iam:AttachGroupPolicy+sts:AssumeRole']);
    assert.equal(r.anyRight, true);
  });

  it('no path: a policy allowing no AssumeRole (hal), a group it is not in (ivy)', async () => {
    for (const n of ['hal', 'ivy']) {
      const r = await report(user(n));
      assert.equal(pathTo(r, role('adm')), undefined, n);
      assert.equal(r.anyRight, false, n);
    }
  });

  it("who-can: adm's rights are reached through gus, not hal nor ivy", async () => {
    const w = await whoCan(s, 'iam:DeleteUser', user('hal'));
    const adm = (w['allowed'] as { name: string; through?: { name: string }[] }[]).find((a) => a.name === 'adm');
    assert.ok(adm, JSON.stringify(w['allowed']));
    const through = (adm.through ?? []).map((t) => t.name);
    assert.ok(through.includes('gus'), through.join(', '));
    assert.ok(!through.includes('hal') && !through.includes('ivy'), through.join(', '));
  });

  it('taken for real: AssumeRole refused, hop attached to team, then AssumeRole allowed', async () => {
    const assume = () => s.sts(keys['gus']).send(new AssumeRoleCommand({ RoleArn: role('adm'), RoleSessionName: 'tg1' }));
    assert.equal(await errorName(assume()), 'AccessDenied');
    await s.iam(keys['gus']).send(new I.AttachGroupPolicyCommand({ GroupName: 'team', PolicyArn: policy('hop') }));
    assert.ok((await assume()).Credentials?.AccessKeyId);
  });
});
