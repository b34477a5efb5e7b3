/**
 * Review sx, 3: a user or role allowed to attach one managed policy to itself (`iam:AttachUserPolicy` /
 * `iam:AttachRolePolicy` on its own ARN, `iam:PolicyARN` naming the policy: AWS's delegation pattern) whose policy
 * allows `sts:AssumeRole` on an administrator role trusting the account could become that role, and escalation-paths
 * said "gives: policy" with `anyRight: false`: the attachment was a gain ending there, the role it reaches never
 * followed, so the user that is one AttachUserPolicy and one AssumeRole away from AdministratorAccess read as nothing
 * to worry about, and who-can's `through` for the role left it out. A principal is decided with every managed policy
 * attached to it (reference/policy-semantics.md §A.1), so the step is now asked with that policy added:
 * `Attach…Policy` then `sts:AssumeRole`, for a user and for a role on its own (the lead's "AttachRolePolicy on one's
 * own role"), in escalation-paths' `canBecome` (the administrator role's rights then make `anyRight` true) and in
 * who-can's `through`. A policy that allows no AssumeRole there is still no path. Taken for real: refused before, the
 * attachment with the IAM API, then AssumeRole allowed by STS. Real server (SQLite), SDK v3 IAM and STS in process.
 *
 * Before the fix 3 of 4 tests failed.
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
const policy = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });
const selfAttach = (kind: 'user' | 'role', name: string, allowed: string) =>
  doc({ Effect: 'Allow', Action: kind === 'user' ? 'iam:AttachUserPolicy' : 'iam:AttachRolePolicy', Resource: kind === 'user' ? user(name) : role(name), Condition: { ArnEquals: { 'iam:PolicyARN': allowed } } });

describe('review sx3: attaching to oneself a policy that allows AssumeRole is a path to the role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startHopWorld();
    const iam = s.iam();
    // dee may attach hop to itself; eve only read.
    for (const [name, allowed] of [['dee', policy('hop')], ['eve', policy('read')]] as const) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'delegated', PolicyDocument: selfAttach('user', name, allowed) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    // A role that may attach hop to itself, which user carl may assume.
    await iam.send(new I.CreateUserCommand({ UserName: 'carl' }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: trust(user('carl')) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ci', PolicyName: 'delegated', PolicyDocument: selfAttach('role', 'ci', policy('hop')) }));
  });
  after(() => s?.stop());

  const report = (principal: string) => pathsReport(s, principal);

  it('a user: AttachUserPolicy of hop then AssumeRole of adm, and any right', async () => {
    const r = await report(user('dee'));
    assert.deepEqual(pathTo(r, role('adm')), ['iam:AttachUserPolicy+sts:AssumeRole']);
    assert.equal(r.anyRight, true);
    const e = await report(user('eve'));
    assert.equal(pathTo(e, role('adm')), undefined);
    assert.equal(e.anyRight, false);
  });

  it("a role on its own: carl assumes ci, which attaches hop to itself and assumes adm", async () => {
    assert.deepEqual(pathTo(await report(role('ci')), role('adm')), ['iam:AttachRolePolicy+sts:AssumeRole']);
    assert.deepEqual(pathTo(await report(user('carl')), role('adm')), ['sts:AssumeRole', 'iam:AttachRolePolicy+sts:AssumeRole']);
  });

  it("who-can: adm's rights are reached through dee, ci and carl, not eve", async () => {
    const w = await whoCan(s, 'iam:DeleteUser', user('eve'));
    const adm = (w['allowed'] as { name: string; through?: { name: string }[] }[]).find((a) => a.name === 'adm');
    assert.ok(adm, JSON.stringify(w['allowed']));
    const through = (adm.through ?? []).map((t) => t.name);
    for (const n of ['dee', 'ci', 'carl']) assert.ok(through.includes(n), `${n} in ${through.join(', ')}`);
    assert.ok(!through.includes('eve'));
  });

  it('taken for real: AssumeRole refused, hop attached, then AssumeRole allowed', async () => {
    const assume = () => s.sts(keys['dee']).send(new AssumeRoleCommand({ RoleArn: role('adm'), RoleSessionName: 'sx3' }));
    assert.equal(await errorName(assume()), 'AccessDenied');
    await s.iam(keys['dee']).send(new I.AttachUserPolicyCommand({ UserName: 'dee', PolicyArn: policy('hop') }));
    assert.ok((await assume()).Credentials?.AccessKeyId);
  });
});
