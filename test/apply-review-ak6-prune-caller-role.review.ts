/**
 * Review ak, finding 6: `apply --prune` never deletes the caller's own user (docs/decisions.md: "never an account's
 * admin, the caller, or built-ins"), but an operator applying through a role session (AssumeRole, as CI does) had its
 * own role planned as `- delete Role/deployer` when the files did not name it: the apply deleted the role the session
 * was acting as. Now the caller's role is never pruned, as its user is not. Real STS AssumeRole and the /v1 client
 * with the session's credentials against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { connectionTo, type Keys } from './support/processes.ts';

const role = (name: string) => ({
  apiVersion: 'gatehouse.dev/v1',
  kind: 'Role',
  metadata: { name },
  spec: { policies: ['AdministratorAccess'], trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:user/admin' }, Action: 'sts:AssumeRole' }] } },
});

describe('review ak6: --prune never deletes the role the caller acts as', () => {
  let s: TestServer;
  type Answer = { changes: { action: string; kind: string; name: string }[] };
  before(async () => {
    s = await startTestServer();
    const r = await call(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents: [role('Deployer'), role('old')] } });
    assert.ok(r.ok, JSON.stringify(r));
  });
  after(() => s?.stop());

  it('a role session prunes the other roles the files do not name, not its own', async () => {
    const c = (await s.sts().send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/Deployer', RoleSessionName: 'ci' }))).Credentials;
    const session: Keys = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    const body = { documents: [role('new')], prune: true };
    const plan = await call<Answer>(connectionTo(s.url, session), 'POST', ['apply'], { body: { ...body, dryRun: true } });
    assert.ok(plan.ok, JSON.stringify(plan));
    // Before: `delete Role/Deployer` too.
    assert.deepEqual(plan.value.changes.map((x) => `${x.action} ${x.kind}/${x.name}`), ['create Role/new', 'delete Role/old']);
    const applied = await call<Answer>(connectionTo(s.url, session), 'POST', ['apply'], { body });
    assert.ok(applied.ok, JSON.stringify(applied));
    // The session still works: its role is there.
    const after = await call<Answer>(connectionTo(s.url, session), 'POST', ['apply'], { body: { ...body, dryRun: true } });
    assert.ok(after.ok, JSON.stringify(after));
    assert.deepEqual(after.value.changes.map((x) => `${x.action} ${x.kind}/${x.name}`), ['unchanged Role/new']);
  });
});
