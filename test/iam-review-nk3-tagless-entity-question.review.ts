/**
 * IAM review nk, 3: an IAM question on a group, an instance profile or a listing kept the asker's resource tags.
 * Before the fix 3 of 3 tests failed.
 *
 * The authorize API answers an `iam:` question as the IAM Query API decides it, with the directory's tags in place of
 * the asker's (reviews I, I2), and with none where the Query API has none: "the Query API decides every request on an
 * entity that does not exist … with no resource tag: an asker's tag lifted a Deny written `StringNotEquals
 * aws:ResourceTag/…` that the Query API applies" (docs/decisions.md, review jk, 4). That rule was applied to ARNs
 * shaped as a user's, role's or managed policy's only. IAM groups carry no tags (the Service Authorization Reference
 * gives the `group` resource no `aws:ResourceTag`; src/app/directory.ts `authorizeOn` decides a group's actions with
 * none), instance profiles never exist here (`noInstanceProfile`), and a listing (`iam:ListUsers` on `…:user/*`) names
 * no entity: on each, the asker's `aws:ResourceTag/…` still decided, so a Deny on groups not tagged `team=ml`, which
 * refuses every group call at the Query API, was answered Allow when the question claimed the tag. Now every `iam:`/`ram:`
 * question (but PassRole) on an ARN that is no user, role, managed policy or OIDC provider is decided without the
 * asker's resource tags, with the note jk, 4 gives. Real server, IAM SDK v3, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const ADMIN = `arn:aws:iam::${A}:user/nk3-admin`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => e.name);
const CLAIM = { 'aws:ResourceTag/team': 'ml' };

let server: TestServer;
let admin: I.IAMClient;

const ask = async (action: string, resource: string, context?: Record<string, unknown>): Promise<{ decision: string; diagnostics: string[] }> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: ADMIN, action, resource, ...(context !== undefined ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; diagnostics: string[] };
};

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateGroupCommand({ GroupName: 'nk3-team' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'nk3-admin' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'nk3-admin',
    PolicyName: 'p',
    PolicyDocument: doc(
      { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
      { Effect: 'Deny', Action: 'iam:*', Resource: [`arn:aws:iam::${A}:group/*`, `arn:aws:iam::${A}:instance-profile/*`, `arn:aws:iam::${A}:user/*`], Condition: { StringNotEquals: { 'aws:ResourceTag/team': 'ml' } } },
    ),
  }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'nk3-admin' }))).AccessKey;
  admin = server.iam({ accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
});
after(async () => {
  await server?.stop();
});

describe('review nk3: an IAM question on what carries no tags is decided without the asker\'s', () => {
  it('a group: the Query API refuses it, and so does the answer whatever the question claims', async () => {
    assert.equal(await failure(admin.send(new I.DeleteGroupCommand({ GroupName: 'nk3-team' }))), 'AccessDenied');
    assert.equal((await ask('iam:DeleteGroup', `arn:aws:iam::${A}:group/nk3-team`)).decision, 'ExplicitDeny');
    const claimed = await ask('iam:DeleteGroup', `arn:aws:iam::${A}:group/nk3-team`, CLAIM);
    assert.equal(claimed.decision, 'ExplicitDeny', JSON.stringify(claimed));
    assert.ok(claimed.diagnostics.some((d) => d.includes('`aws:ResourceTag/team`') && d.includes('ignored')), JSON.stringify(claimed.diagnostics));
  });

  it('an instance profile, which never exists here', async () => {
    assert.equal(await failure(admin.send(new I.GetInstanceProfileCommand({ InstanceProfileName: 'nk3-ip' }))), 'AccessDenied');
    for (const key of ['aws:ResourceTag/team', 'iam:ResourceTag/team']) {
      const a = await ask('iam:GetInstanceProfile', `arn:aws:iam::${A}:instance-profile/nk3-ip`, { [key]: 'ml' });
      assert.equal(a.decision, 'ExplicitDeny', `${key}: ${JSON.stringify(a)}`);
    }
  });

  it('a listing of users', async () => {
    assert.equal(await failure(admin.send(new I.ListUsersCommand({}))), 'AccessDenied');
    const a = await ask('iam:ListUsers', `arn:aws:iam::${A}:user/*`, CLAIM);
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
  });
});
