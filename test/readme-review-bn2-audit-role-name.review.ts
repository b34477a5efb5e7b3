/**
 * Review `readme`, bn2: §7 of the tour queries `audit query --role arn:aws:iam::000000000000:role/training-default`.
 * Given the role's name, as `jobs run --role` is often first tried (R8), `audit query --role training-default`
 * printed `no records match` and exited 0: records name a role by its ARN (core/audit/record.ts), so a name matches
 * nothing, and the user concludes the role did nothing. Now `--role` that is not an ARN is a usage error (exit 2)
 * saying what it takes, with the ARN to write for that name, and nothing is asked of the server.
 * Against a real server (startTestServer, SQLite in a temporary dir), the CLI run in process (`cliAgainst`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { auditRecords, cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'training-default', AssumeRolePolicyDocument: JSON.stringify(trust) }));
});

after(async () => {
  await s?.stop();
});

test('bn2: audit query --role NAME is a usage error naming the ARN to give', async () => {
  const r = await cliAgainst(s, ['audit', 'query', '--role', 'training-default', '--since', '24h']);
  assert.equal(r.status, EXIT.usage, r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /--role takes a role's ARN, as records name it, got `training-default`; for the role named `training-default`: --role arn:aws:iam::<account>:role\/training-default \(`gatehouse whoami` shows your account\)/);
});

test('bn2: the role\'s ARN finds its records, in either partition\'s spelling', async () => {
  // Written: the query reads what the log holds.
  assert.ok((await auditRecords(s, { role: 'arn:aws:iam::000000000000:role/training-default' })).length > 0);
  const r = await cliAgainst(s, ['audit', 'query', '--role', 'arn:aws:iam::000000000000:role/training-default']);
  assert.equal(r.status, EXIT.ok, r.err);
  assert.match(r.out, /iam:CreateRole\s+arn:aws:iam::000000000000:role\/training-default\s+ok/);
  const acs = await cliAgainst(s, ['audit', 'query', '--role', 'acs:ram::222233334444:role/trainer']);
  assert.equal(acs.status, EXIT.ok, acs.err);
  assert.match(acs.out + acs.err, /no records match/);
});
