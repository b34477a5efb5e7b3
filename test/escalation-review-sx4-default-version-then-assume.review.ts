/**
 * Review sx, 4: a user allowed `iam:SetDefaultPolicyVersion` on a managed policy attached to its group, whose other
 * version allows `sts:AssumeRole` on an administrator role trusting the account, could become that role, and
 * escalation-paths said only "gives: policy, versions v2" with `anyRight: false`; who-can's `through` for the role left
 * the user out (the lead's "who-can finding a path through CreatePolicyVersion/SetDefaultPolicyVersion"). The actor
 * picks a version, not a document (docs/decisions.md, review T5), so the version's rights were listed as a gain ending
 * there, and the role they reach was never followed. A principal is decided with the default version of each managed
 * policy attached to it or its groups (reference/policy-semantics.md §A.1), so the step is now asked with the picked
 * version in the default's place: `SetDefaultPolicyVersion` then `sts:AssumeRole`, in escalation-paths' `canBecome`
 * (the administrator's rights then make `anyRight` true) and who-can's `through`. A version that is wider but allows no
 * AssumeRole there is still no path to the role. Taken for real: AssumeRole refused, the default set with the IAM API,
 * then AssumeRole allowed by STS. Real server (SQLite), SDK v3 IAM and STS in process.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { whoCan } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const READ = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::sx4/*' });

interface Report {
  readonly canBecome: { principal: string; path: { actions: readonly string[] }[] }[];
  readonly anyRight: boolean;
}

describe('review sx4: making a version that allows AssumeRole the default is a path to the role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'adm', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }] }) }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'adm', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    // lift's v2 lets its holder assume adm; flat's v2 is wider, but only for objects.
    const second: Record<string, string> = {
      lift: doc({ Effect: 'Allow', Action: ['s3:GetObject', 'sts:AssumeRole'], Resource: ['arn:aws:s3:::sx4/*', role('adm')] }),
      flat: doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::sx4/*' }),
    };
    for (const [name, v2] of Object.entries(second)) {
      await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: READ }));
      await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: policy(name), PolicyDocument: v2 }));
    }
    // sam holds lift through its group; tom holds flat itself.
    await iam.send(new I.CreateGroupCommand({ GroupName: 'crew' }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'crew', PolicyArn: policy('lift') }));
    for (const [name, held] of [['sam', 'lift'], ['tom', 'flat']] as const) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      if (name === 'sam') await iam.send(new I.AddUserToGroupCommand({ UserName: name, GroupName: 'crew' }));
      else await iam.send(new I.AttachUserPolicyCommand({ UserName: name, PolicyArn: policy(held) }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'versions', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:SetDefaultPolicyVersion', Resource: policy(held) }) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const report = async (name: string): Promise<Report> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as Report[])[0] as Report;
  };

  it('escalation-paths: sam becomes adm by SetDefaultPolicyVersion then AssumeRole; tom does not', async () => {
    const sam = await report('sam');
    assert.deepEqual(sam.canBecome.find((b) => b.principal === role('adm'))?.path.map((st) => st.actions), [['iam:SetDefaultPolicyVersion', 'sts:AssumeRole']]);
    assert.equal(sam.anyRight, true);
    const tom = await report('tom');
    assert.equal(tom.canBecome.find((b) => b.principal === role('adm')), undefined);
    assert.equal(tom.anyRight, false);
  });

  it("who-can: adm's rights are reached through sam, not tom", async () => {
    const w = await whoCan(s, 'iam:DeleteRole', role('adm'));
    const adm = (w['allowed'] as { name: string; through?: { name: string }[] }[]).find((a) => a.name === 'adm');
    assert.ok(adm, JSON.stringify(w['allowed']));
    const through = (adm.through ?? []).map((t) => t.name);
    assert.ok(through.includes('sam'), through.join(', '));
    assert.ok(!through.includes('tom'), through.join(', '));
  });

  it('taken for real: AssumeRole refused, v2 made the default, then AssumeRole allowed', async () => {
    const assume = () => s.sts(keys['sam']).send(new AssumeRoleCommand({ RoleArn: role('adm'), RoleSessionName: 'sx4' }));
    assert.equal(await errorName(assume()), 'AccessDenied');
    await s.iam(keys['sam']).send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: policy('lift'), VersionId: 'v2' }));
    assert.ok((await assume()).Credentials?.AccessKeyId);
  });
});
