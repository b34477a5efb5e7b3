/**
 * Review cc, 4 (left by review bz): escalation-paths did not count writing an IAM policy (GCP-style bindings) as a gain.
 * A user allowed `gatehouse:SetIamPolicy` on the account (`account/<id>`, asked on its root ARN) or on a workspace binds
 * any role to itself there, `roles/owner` included, and gets every permission a binding grants on every resource below
 * (objects, jobs, Kubernetes, passing every role as `iam.serviceAccounts.actAs`): the report said nothing. It now lists
 * the gain (`gives: bindings`, on `account/<id>` or `workspace/<name>`); a user without it gets none. The gain is then
 * taken: the user binds `roles/owner` to itself and the authorize API allows what the binding grants. Real server, admin
 * API (SigV4), SDK v3 IAM, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains, type Gain } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ROLE = `arn:aws:iam::${A}:role/worker`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review cc4: writing the account’s or a workspace’s IAM policy', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: [] } });
    assert.ok(put.ok, put.ok ? '' : put.message);
    const users: Record<string, object[]> = {
      binder: [{ Effect: 'Allow', Action: 'gatehouse:SetIamPolicy', Resource: `arn:aws:iam::${A}:root` }],
      wsBinder: [{ Effect: 'Allow', Action: 'gatehouse:SetIamPolicy', Resource: `arn:aws:training::${A}:workspace/lab` }],
      reader: [{ Effect: 'Allow', Action: 'gatehouse:GetIamPolicy', Resource: '*' }],
    };
    for (const [name, Statement] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement });
  });
  after(() => s?.stop());

  const gainsOf = (name: string): Promise<Gain[]> => escalationGains(s, user(name));

  it('the account’s and a workspace’s IAM policy are gains; reading them is not', async () => {
    assert.deepEqual((await gainsOf('binder')).map((g) => [g.by, g.principal, g.action, g.resource, g.gives]), [[user('binder'), user('binder'), 'gatehouse:SetIamPolicy', `account/${A}`, 'bindings']]);
    assert.deepEqual((await gainsOf('wsBinder')).map((g) => [g.action, g.resource, g.gives]), [['gatehouse:SetIamPolicy', 'workspace/lab', 'bindings']]);
    assert.deepEqual(await gainsOf('reader'), []);
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('binder')]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /any role a binding grants/);
  });

  it('the gain is real: binder binds roles/owner to itself and may then pass every role', async () => {
    const as = connectionTo(s.url, keys['binder'] as Credentials);
    const ask = async () => {
      const r = await call<{ decision: string }>(as, 'POST', ['authorize'], { body: { action: 'iam:PassRole', resource: ROLE, context: { 'iam:PassedToService': 'training.gatehouse.dev' } } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.decision;
    };
    assert.equal(await ask(), 'ImplicitDeny');
    const bound = await call(as, 'PUT', ['iam-policies'], { body: { resource: `account/${A}`, bindings: [{ role: 'roles/owner', members: ['user:binder'] }] } });
    assert.ok(bound.ok, bound.ok ? '' : bound.message);
    assert.equal(await ask(), 'Allow');
  });
});
