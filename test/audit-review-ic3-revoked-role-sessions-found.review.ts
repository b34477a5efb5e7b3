/**
 * Review ic, 3. `gatehouse sts revoke-sessions --role-arn ARN` (and `--session-arn`, one session of the role) was
 * recorded as a change on the role's ARN as its resource, with no `role`: `gatehouse audit query --role ARN`, which
 * README says finds "the changes to a role, its sessions (issued or refused)", listed every session of the role issued
 * and not the revocation that ended them all, nor a refused attempt to. The AWS way of doing the same (an inline
 * `AWSRevokeOlderSessions` policy, PutRolePolicy) was found, Gatehouse's own command was not. An auditor asking "what
 * happened to this role's sessions" was told they were issued and never that they were revoked.
 *
 * Now a revocation of a role's sessions, or of one session of it, names the role (as the directory spells it, its path
 * too), refused attempts included. Real server (SQLite), the CLI in process.
 *
 * Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, userWithKey, type TestServer } from './support/server.ts';

const ROLE = 'arn:aws:iam::000000000000:role/ml/trainer';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
  await s.iam().send(new CreateRoleCommand({ RoleName: 'trainer', Path: '/ml/', AssumeRolePolicyDocument: trust }));
});
after(() => s?.stop());

test('audit query --role finds the revocations of the role\'s sessions, refused ones too', async () => {
  // The role's ARN spelt without its path, as a session ARN names it: the record names the role as stored.
  for (const args of [['--role-arn', ROLE], ['--session-arn', 'arn:aws:sts::000000000000:assumed-role/trainer/s1']]) {
    const r = await cliAgainst(s, ['sts', 'revoke-sessions', ...args]);
    assert.equal(r.status, 0, r.err);
  }
  const nobody = await userWithKey(s, 'nobody');
  const refused = await cliAgainst(s, ['sts', 'revoke-sessions', '--role-arn', ROLE], nobody);
  assert.notEqual(refused.status, 0, refused.out);
  await s.running.app.audit.flush();
  const q = await cliAgainst(s, ['audit', 'query', '--role', ROLE, '--action', 'gatehouse:RevokeSessions', '--json']);
  assert.equal(q.status, 0, q.err);
  const lines = q.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { resource: string; role?: string; decision: string; principal: string });
  assert.deepEqual(lines.map((l) => [l.resource, l.decision, l.role]), [
    [ROLE, 'ok', ROLE],
    ['arn:aws:sts::000000000000:assumed-role/trainer/s1', 'ok', ROLE],
    [ROLE, 'ACCESS_DENIED', ROLE],
  ], q.out + q.err);
});
