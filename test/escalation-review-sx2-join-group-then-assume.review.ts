/**
 * Review sx, 2: a user that may add itself to a group (`iam:AddUserToGroup`) whose policy allows `sts:AssumeRole` on a
 * role trusting the account could become that role, and neither escalation-paths nor who-can said so. The search asked
 * AssumeRole with the user's policies as they are, so the role was not among what the user can become; the join was
 * listed only as a gain ending there ("gives: group"), never followed to the role. who-can's `through` reuses the same
 * steps, so the answer to "who can delete from the vault bucket" named the role, and as reaching it only the group's
 * present members, not the user that joins the group and assumes the role a minute later (the lead's "who-can through
 * a group membership change"). A member is decided with its groups' policies (reference/policy-semantics.md §A.1:
 * "identity-based policies … attached to the user or to a group it belongs to"), so the step is now asked with the
 * group's policies added: `iam:AddUserToGroup` then `sts:AssumeRole`, in escalation-paths' `canBecome` and who-can's
 * `through`. A group whose policies allow no AssumeRole there, or a user that may not join, is still no path. The path
 * is taken for real: the user joins with the IAM API and assumes the role with STS, refused before the join.
 * Real server (SQLite), SDK v3 IAM and STS in process.
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
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Step {
  readonly from: string;
  readonly to: string;
  readonly how: string;
  readonly actions: readonly string[];
}

describe('review sx2: joining a group whose policy allows AssumeRole is a path to the role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'vault', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }] }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'vault', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::vault/*' }) }));
    // ops may assume the vault role; readers may not (they read buckets).
    await iam.send(new I.CreateGroupCommand({ GroupName: 'ops' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'ops', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role('vault') }) }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'readers' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    const own: Record<string, string> = { joiner: group('ops'), reader: group('readers') };
    for (const [name, joinable] of Object.entries(own)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'join', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:AddUserToGroup', Resource: joinable }) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    await iam.send(new I.CreateUserCommand({ UserName: 'member' }));
    await iam.send(new I.AddUserToGroupCommand({ UserName: 'member', GroupName: 'ops' }));
  });
  after(() => s?.stop());

  const becomes = async (name: string): Promise<{ principal: string; path: Step[] }[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[])[0]?.canBecome ?? []);
  };

  it('escalation-paths: the user becomes the role by AddUserToGroup then AssumeRole', async () => {
    const paths = await becomes('joiner');
    assert.deepEqual(paths.map((p) => [p.principal, p.path.map((st) => [st.how, st.actions])]), [[role('vault'), [['sts:AssumeRole', ['iam:AddUserToGroup', 'sts:AssumeRole']]]]]);
    assert.deepEqual(await becomes('reader'), []);
  });

  it('who-can: the role that deletes from the bucket is reached through the joiner too, not the reader', async () => {
    const w = await whoCan(s, 's3:DeleteObject', 'arn:aws:s3:::vault/x');
    const vault = (w['allowed'] as { name: string; through?: { name: string; path: Step[] }[] }[]).find((a) => a.name === 'vault');
    assert.ok(vault, JSON.stringify(w['allowed']));
    const through = Object.fromEntries((vault.through ?? []).map((t) => [t.name, t.path.flatMap((st) => st.actions)]));
    assert.deepEqual(through['joiner'], ['iam:AddUserToGroup', 'sts:AssumeRole']);
    assert.deepEqual(through['member'], ['sts:AssumeRole']);
    assert.equal(through['reader'], undefined);
  });

  it('taken for real: AssumeRole refused, the join, then AssumeRole allowed', async () => {
    const sts = s.sts(keys['joiner']);
    const assume = () => sts.send(new AssumeRoleCommand({ RoleArn: role('vault'), RoleSessionName: 'sx2' }));
    assert.equal(await errorName(assume()), 'AccessDenied');
    await s.iam(keys['joiner']).send(new I.AddUserToGroupCommand({ UserName: 'joiner', GroupName: 'ops' }));
    assert.ok((await assume()).Credentials?.AccessKeyId);
  });
});
