/**
 * Review jk, 4. A question about an IAM action on a user, role or managed policy is decided with the directory's facts
 * about it (review I, I2): its tags replace any `aws:ResourceTag/…`, `iam:ResourceTag/…` the asker wrote, as the IAM
 * Query API decides with them. When the ARN named no entity of the directory, the asker's resource tags were kept and
 * decided with — but the Query API decides a request on a user, role or policy that does not exist with no resource tag
 * at all, `CreateUser` and `CreateRole` (the common case: the entity does not exist yet) included. So an asker's
 * `aws:ResourceTag/team` lifted a Deny written `StringNotEquals aws:ResourceTag/team` (the Query API refuses carol's
 * CreateUser; the API answered Allow), and met an Allow's `StringEquals` that the Query API never meets (it refuses dan's
 * CreateUser; the API answered Allow).
 *
 * Now a question about an ARN naming no user, role or policy of the directory is decided without the asker's resource
 * tags (nor, for the actions that read it, its `iam:PermissionsBoundary`): the entity has none, and a note names the keys
 * dropped. Before the fix 1 of 2 tests failed. Real server (SQLite), `@aws-sdk/client-iam` for what the Query API does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const RED = { 'aws:ResourceTag/team': 'red' };
const NEW_USER = `arn:aws:iam::${ROOT}:user/jk4-new`;
let s: TestServer;
const keys: Record<string, Credentials> = {};

before(async () => {
  s = await startTestServer();
  // carol: every IAM action, but none on an entity not tagged team=red.
  keys['carol'] = await userWithKey(s, 'carol');
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: V, Statement: [
    { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
    { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringNotEquals: RED } },
  ] }) }));
  // dan: CreateUser on an entity tagged team=red only.
  keys['dan'] = await userWithKey(s, 'dan');
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'dan', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*', Condition: { StringEquals: RED } }] }) }));
});
after(() => s?.stop());

test('the Query API refuses both CreateUser calls, whatever tags they carry', async () => {
  for (const who of ['carol', 'dan']) {
    const f = await sdkFailure(s.iam(keys[who]).send(new CreateUserCommand({ UserName: 'jk4-new', Tags: [{ Key: 'team', Value: 'red' }] })));
    assert.equal(f.code, 'AccessDenied', `${who}: ${JSON.stringify(f)}`);
  }
});

test('the authorize API answers the same: the asker\'s resource tags on a user that does not exist are dropped, and said so', async () => {
  const cases: [string, string][] = [['carol', 'ExplicitDeny'], ['dan', 'ImplicitDeny']];
  for (const [who, decision] of cases) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/${who}`, action: 'iam:CreateUser', resource: NEW_USER, context: RED });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], decision, `${who}: ${JSON.stringify(r.json)}`);
    const notes = r.json['diagnostics'] as string[];
    assert.ok(notes.some((d) => d.includes('`aws:ResourceTag/team`') && d.includes('names no user, role or policy of the directory')), `${who}: ${JSON.stringify(notes)}`);
  }
  // The tags of a user that exists are still the directory's, as before.
  const own = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/carol`, action: 'iam:GetUser', resource: `arn:aws:iam::${ROOT}:user/dan`, context: RED });
  assert.equal(own.json['decision'], 'ExplicitDeny', JSON.stringify(own.json));
});
