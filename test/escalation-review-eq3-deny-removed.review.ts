/**
 * Review eq, 3: escalation-paths listed ways to add rights (a policy written or attached, a boundary removed, a group
 * joined, tags its policies grant by…) but none that take a Deny away. A principal whose own policies allow a right
 * that a Deny of its own refuses (a quarantine policy, a group that denies, a Deny conditioned on a principal tag),
 * and that may delete that inline policy (`Delete…Policy`), detach that managed policy (`Detach…Policy`), leave that
 * group (`RemoveUserFromGroup`) or remove that tag (`Untag…`), has the right a step later: the report said it could
 * gain nothing (README: "every way it, or one of those, can give itself more rights"; the brief: "editing policies").
 * Each removal is now asked as enforcement decides it (src/app/directory.ts: the current boundary, `iam:PolicyARN`,
 * `aws:TagKeys`), only where the policy, group or tag carries a Deny, and listed as `gives: without-deny` naming what
 * is removed (`gatehouse escalation-paths` prints it); the steps are then taken with the principal's own keys and the
 * right is allowed.
 *
 * Before the fix, 3 of the 3 tests failed. Real server (SQLite), IAM Query API (SDK), admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const OBJECT = 'arn:aws:s3:::data/x';
const work = { Effect: 'Allow', Action: 's3:*', Resource: '*' };
const denyAll = { Effect: 'Deny', Action: 's3:*', Resource: '*' };

interface Gain {
  readonly by: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly gives: string;
  readonly policy?: string;
}

describe('review eq3: escalation-paths lists a Deny of its own that a principal may take away', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const mkUser = async (name: string, inline: Record<string, object[]>, tags: { Key: string; Value: string }[] = []) => {
      await iam.send(new I.CreateUserCommand({ UserName: name, ...(tags.length > 0 ? { Tags: tags } : {}) }));
      for (const [p, statements] of Object.entries(inline)) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: p, PolicyDocument: policy(...statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    };
    // bob may delete his own inline policies, one of which quarantines him.
    await mkUser('bob', { work: [work, { Effect: 'Allow', Action: 'iam:DeleteUserPolicy', Resource: user('bob') }], quarantine: [denyAll] });
    // nell may delete her own inline policies too, none of which denies anything.
    await mkUser('nell', { work: [{ Effect: 'Allow', Action: ['s3:GetObject', 'iam:DeleteUserPolicy'], Resource: '*' }] });
    // carl is in group jail, which denies; he may leave it.
    await iam.send(new I.CreateGroupCommand({ GroupName: 'jail' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'jail', PolicyName: 'deny', PolicyDocument: policy(denyAll) }));
    await mkUser('carl', { work: [work, { Effect: 'Allow', Action: 'iam:RemoveUserFromGroup', Resource: group('jail') }] });
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'jail', UserName: 'carl' }));
    // erin carries quarantine=yes, which a Deny of hers tests; she may remove her own tags.
    await mkUser('erin', { work: [work, { Effect: 'Allow', Action: 'iam:UntagUser', Resource: user('erin') }], tagged: [{ ...denyAll, Condition: { StringEquals: { 'aws:PrincipalTag/quarantine': 'yes' } } }] }, [{ Key: 'quarantine', Value: 'yes' }]);
    // role fenced has the managed policy fence (a Deny) attached, and may detach it from itself.
    const fence = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'fence', PolicyDocument: policy(denyAll) }))).Policy?.Arn ?? '';
    await iam.send(new I.CreateRoleCommand({ RoleName: 'fenced', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'fenced', PolicyName: 'work', PolicyDocument: policy(work, { Effect: 'Allow', Action: 'iam:DetachRolePolicy', Resource: role('fenced') }) }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'fenced', PolicyArn: fence }));
  });
  after(() => s?.stop());

  const gains = async (principal: string): Promise<Gain[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json['reports'] as { canGain: { gain: Gain }[] }[])[0]?.canGain ?? []).map((g) => g.gain).filter((g) => g.gives === 'without-deny');
  };
  const decision = async (who: string): Promise<unknown> => (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: user(who), action: 's3:GetObject', resource: OBJECT })).json['decision'];

  it('an inline policy holding a Deny that the principal may delete: listed, and deleting it allows the right; none for a policy without a Deny', async () => {
    assert.deepEqual((await gains(user('bob'))).map((g) => [g.by, g.principal, g.action, g.resource, g.policy]), [[user('bob'), user('bob'), 'iam:DeleteUserPolicy', user('bob'), 'quarantine']]);
    assert.deepEqual(await gains(user('nell')), []);
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('bob')]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /^ {4}its policies without the Denies of quarantine for user\/bob: iam:DeleteUserPolicy on user\/bob$/m);
    assert.equal(await decision('bob'), 'ExplicitDeny');
    await s.iam(keys['bob']).send(new I.DeleteUserPolicyCommand({ UserName: 'bob', PolicyName: 'quarantine' }));
    assert.equal(await decision('bob'), 'Allow');
  });

  it('a group that denies, which the user may leave, and a managed Deny policy a role may detach from itself: listed, and leaving allows the right', async () => {
    assert.deepEqual((await gains(user('carl'))).map((g) => [g.action, g.resource, g.policy]), [['iam:RemoveUserFromGroup', group('jail'), group('jail')]]);
    assert.deepEqual((await gains(role('fenced'))).map((g) => [g.action, g.resource, g.policy]), [['iam:DetachRolePolicy', role('fenced'), `arn:aws:iam::${A}:policy/fence`]]);
    assert.equal(await decision('carl'), 'ExplicitDeny');
    await s.iam(keys['carl']).send(new I.RemoveUserFromGroupCommand({ GroupName: 'jail', UserName: 'carl' }));
    assert.equal(await decision('carl'), 'Allow');
  });

  it('a principal tag a Deny tests, which the user may remove: listed, and untagging allows the right', async () => {
    assert.deepEqual((await gains(user('erin'))).map((g) => [g.action, g.resource, g.policy]), [['iam:UntagUser', user('erin'), 'aws:PrincipalTag/quarantine']]);
    assert.equal(await decision('erin'), 'ExplicitDeny');
    await s.iam(keys['erin']).send(new I.UntagUserCommand({ UserName: 'erin', TagKeys: ['quarantine'] }));
    assert.equal(await decision('erin'), 'Allow');
  });
});
