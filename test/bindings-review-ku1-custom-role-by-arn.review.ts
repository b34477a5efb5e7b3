/**
 * Review ku, 1: the admin actions on custom roles (`gatehouse:CreateIamRole`, `UpdateIamRole`, `DeleteIamRole`, taken by
 * `gatehouse apply` on `kind: IamRole`) could not be scoped to one role. Apply decided them on the role's binding name
 * `accounts/<id>/roles/<name>`, which no statement's `Resource` can name (an IAM policy's resource is `*` or an ARN, a
 * bare name is refused): only `Resource: "*"` granted them, so an administrator could let a team manage its own custom
 * role only by letting it rewrite every custom role of the account (and with them every binding of them), and a Deny on
 * one role could not be written. They are now decided on the role's ARN, `arn:aws:gatehouse::<account>:custom-role/<name>`
 * (`acs:gatehouse:*:<account>:custom-role/<name>` in the acs partition), as resource policies are
 * (`…:resource-policy/<…>`): a user allowed on one role's ARN creates and updates that role and no other, a Deny
 * on one role's ARN keeps it while `*` allows the rest, and escalation-paths counts rewriting a role bound to oneself
 * only where the caller may update that very role.
 * Real server, admin API (SigV4), SDK v3 IAM client. Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const arnOf = (role: string) => `arn:aws:gatehouse::${A}:custom-role/${role}`;
const role = (name: string, permissions: string[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name }, spec: { permissions } });
const ROLE_ACTIONS = ['gatehouse:CreateIamRole', 'gatehouse:UpdateIamRole', 'gatehouse:DeleteIamRole'];

describe('review ku1: custom role admin actions scoped by the role ARN', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const users: Record<string, object[]> = {
      // May manage custom role `team.reader` only.
      tess: [{ Effect: 'Allow', Action: 'gatehouse:Apply', Resource: '*' }, { Effect: 'Allow', Action: ROLE_ACTIONS, Resource: arnOf('team.reader') }],
      // May manage every custom role but `locked`.
      dan: [{ Effect: 'Allow', Action: ['gatehouse:Apply', ...ROLE_ACTIONS], Resource: '*' }, { Effect: 'Deny', Action: 'gatehouse:*IamRole', Resource: arnOf('locked') }],
    };
    for (const [name, Statement] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement });
    const admin = connectionTo(s.url, s.admin);
    const made = await call(admin, 'POST', ['apply'], { body: { documents: [role('locked', ['ml.models.get']), role('other', ['ml.models.get'])] } });
    assert.ok(made.ok, made.ok ? '' : made.message);
    const bound = await call(admin, 'PUT', ['iam-policies'], { body: { resource: `account/${A}`, bindings: [{ role: `accounts/${A}/roles/other`, members: ['user:tess'] }] } });
    assert.ok(bound.ok, bound.ok ? '' : bound.message);
  });
  after(() => s?.stop());

  const apply = (who: string, documents: object[], prune = false) =>
    call(connectionTo(s.url, keys[who] as Credentials), 'POST', ['apply'], { body: { documents, ...(prune ? { prune: true } : {}) } });

  it('a user allowed on one custom role ARN creates and updates that role', async () => {
    const created = await apply('tess', [role('team.reader', ['ml.models.get'])]);
    assert.ok(created.ok, created.ok ? '' : created.message);
    const updated = await apply('tess', [role('team.reader', ['ml.models.get', 'ml.models.list'])]);
    assert.ok(updated.ok, updated.ok ? '' : updated.message);
  });

  it('and no other: the refusal names the other role ARN', async () => {
    const r = await apply('tess', [role('other', ['ml.models.get', 'iam.serviceAccounts.actAs'])]);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.message.includes(arnOf('other')), r.ok ? '' : r.message);
    const d = await apply('dan', [role('locked', ['ml.models.get', 'ml.models.list'])]);
    assert.equal(d.ok, false, 'a Deny on the locked role ARN keeps it');
    const fine = await apply('dan', [role('other', ['ml.models.get', 'ml.models.list'])]);
    assert.ok(fine.ok, fine.ok ? '' : fine.message);
  });

  it('escalation-paths: rewriting a role bound to oneself is a gain only where one may update that role', async () => {
    // tess is bound `other`, which she may not update: no gain.
    assert.deepEqual((await escalationGains(s, user('tess'))).filter((g) => g.action === 'gatehouse:UpdateIamRole'), []);
    const admin = connectionTo(s.url, s.admin);
    const bound = await call(admin, 'PUT', ['iam-policies'], { body: { resource: `account/${A}`, bindings: [{ role: `accounts/${A}/roles/other`, members: ['user:tess'] }, { role: `accounts/${A}/roles/team.reader`, members: ['user:tess'] }] } });
    assert.ok(bound.ok, bound.ok ? '' : bound.message);
    const gains = (await escalationGains(s, user('tess'))).filter((g) => g.action === 'gatehouse:UpdateIamRole');
    assert.deepEqual(gains.map((g) => g.resource), [`accounts/${A}/roles/team.reader`]);
  });
});
