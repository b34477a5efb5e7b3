/**
 * Review ke, 3: escalation-paths did not count rewriting a custom role (`kind: IamRole`, `gatehouse:UpdateIamRole`) as
 * a gain. A user bound a narrow custom role (`accounts/<id>/roles/reader`: `ml.models.get`) on the account, and allowed
 * to update that role, adds any permission to it — `iam.serviceAccounts.actAs`, storage, Kubernetes — and every binding
 * of the role grants it at once, to itself and to every member bound it: the report said nothing. It now lists the gain
 * (`gatehouse:UpdateIamRole` on the role, `gives: bindings`) for each principal a binding of the role names (directly, by
 * a group it is in, as a service account, or as everyone), the policy it is bound on in the reasons; a user who may
 * not update the role gets none. The gain is then taken: the user widens the role and may pass a role.
 * Real server, admin API (SigV4), SDK v3 IAM client. Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains, type Gain } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ROLE = `arn:aws:iam::${A}:role/worker`;
const READER = `accounts/${A}/roles/reader`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const readerRole = (permissions: string[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'reader' }, spec: { permissions } });

describe('review ke3: rewriting a custom role bound to oneself', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    const users: Record<string, object[]> = {
      eve: [{ Effect: 'Allow', Action: ['gatehouse:UpdateIamRole', 'gatehouse:Apply'], Resource: '*' }],
      bob: [{ Effect: 'Allow', Action: 'gatehouse:GetIamPolicy', Resource: '*' }],
    };
    for (const [name, Statement] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement });
    const admin = connectionTo(s.url, s.admin);
    const made = await call(admin, 'POST', ['apply'], { body: { documents: [readerRole(['ml.models.get'])] } });
    assert.ok(made.ok, made.ok ? '' : made.message);
    const bound = await call(admin, 'PUT', ['iam-policies'], { body: { resource: `account/${A}`, bindings: [{ role: READER, members: ['user:eve', 'user:bob'] }] } });
    assert.ok(bound.ok, bound.ok ? '' : bound.message);
  });
  after(() => s?.stop());

  const gainsOf = (name: string): Promise<Gain[]> => escalationGains(s, user(name));

  it('updating a custom role bound to oneself is a gain; a user who may not update it has none', async () => {
    const eve = (await gainsOf('eve')).filter((g) => g.action === 'gatehouse:UpdateIamRole');
    assert.deepEqual(eve.map((g) => [g.by, g.principal, g.resource, g.gives]), [[user('eve'), user('eve'), READER, 'bindings']]);
    assert.match(eve[0]?.reasons.join('\n') ?? '', /account\/000000000000/);
    assert.deepEqual((await gainsOf('bob')).filter((g) => g.action === 'gatehouse:UpdateIamRole'), []);
  });

  it('the gain is real: eve adds actAs to the role and may then pass a role', async () => {
    const as = connectionTo(s.url, keys['eve'] as Credentials);
    const ask = async () => {
      const r = await call<{ decision: string }>(as, 'POST', ['authorize'], { body: { action: 'iam:PassRole', resource: ROLE, context: { 'iam:PassedToService': 'training.gatehouse.dev' } } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.decision;
    };
    assert.equal(await ask(), 'ImplicitDeny');
    const widened = await call(as, 'POST', ['apply'], { body: { documents: [readerRole(['ml.models.get', 'iam.serviceAccounts.actAs'])] } });
    assert.ok(widened.ok, widened.ok ? '' : widened.message);
    assert.equal(await ask(), 'Allow');
  });
});
