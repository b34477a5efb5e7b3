/**
 * Review ic, 7. `gatehouse audit query --principal arn:aws:iam::…:role/ops` printed `no records match` while the
 * sessions of `ops` had done much: a role acts through its sessions, which records name by their own ARN
 * (`…:assumed-role/ops/SESSION`) with the role's ARN apart (`role`, which `--role` filters on). The auditor read "ops did
 * nothing". The web console says so for the same query (review gz, 4), and the CLI does for a user's name (review bn2);
 * for a role's ARN the CLI said nothing.
 *
 * Now, when nothing matches a `--principal` that is a role's ARN, the CLI says that a role acts through its sessions and
 * gives the `--role` query that finds them. Real server (SQLite), the CLI in process.
 *
 * Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const OPS = 'arn:aws:iam::000000000000:role/ops';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
  await s.iam().send(new CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: trust }));
  await s.iam().send(new PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
  const a = await s.sts().send(new AssumeRoleCommand({ RoleArn: OPS, RoleSessionName: 'alice' }));
  await s.iam({ accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' }).send(new CreateUserCommand({ UserName: 'made-by-ops' }));
  await s.running.app.audit.flush();
});
after(() => s?.stop());

test('a role ARN as --principal that matches nothing is said to act through its sessions, with --role to use', async () => {
  const r = await cliAgainst(s, ['audit', 'query', '--principal', OPS, '--action', 'iam:CreateUser']);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, '');
  assert.equal(
    r.err,
    `no records match for the principal \`${OPS}\`: a role acts through its sessions, which records name by their own ARN (…:assumed-role/ROLE/SESSION): --role ${OPS} finds what they did and the changes to the role\n`,
  );
  // The query it gives finds the user the session created.
  const byRole = await cliAgainst(s, ['audit', 'query', '--role', OPS, '--action', 'iam:CreateUser', '--json']);
  assert.equal(byRole.out.split('\n').filter((l) => l !== '').length, 1, byRole.out + byRole.err);
});
