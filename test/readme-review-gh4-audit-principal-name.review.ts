/**
 * Review `gh` (a new user follows the README's tour), 4: §7's audit query asked about a user by name.
 *
 * "Who did what": `audit query --principal alice` after alice ran §4's jobs printed `no records match` and exited 0,
 * as if alice had done nothing: records name a user by its ARN, so her name matches no record. bn2 made `--role NAME`
 * a usage error; `--principal` cannot be refused so (a service, `gatehouse` or `anonymous` is a principal by its name,
 * and some record may carry a name), so when such a name matches nothing, the line now says why and the ARN to give.
 * The ARN finds her records; a name or ARN that matches, or a service name, gets no such word. Against a real server
 * (startTestServer, SQLite in a temporary dir), the CLI run in process (`cliAgainst`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { auditRecords, cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  // Written: the queries below read what the log holds.
  assert.ok((await auditRecords(s, { principal: 'arn:aws:iam::000000000000:user/admin' })).length > 0);
});

after(async () => {
  await s?.stop();
});

test('gh4: --principal with a user name that matches nothing says records name a user by its ARN', async () => {
  const r = await cliAgainst(s, ['audit', 'query', '--principal', 'alice']);
  assert.equal(r.status, EXIT.ok, r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /^no records match for the principal `alice`; records name a user by its ARN: for the user named `alice`, --principal arn:aws:iam::<account>:user\/alice/);
});

test('gh4: an ARN, or a name records carry, is answered as before', async () => {
  const admin = await cliAgainst(s, ['audit', 'query', '--principal', 'arn:aws:iam::000000000000:user/admin']);
  assert.equal(admin.status, EXIT.ok, admin.err);
  assert.match(admin.out, /iam:CreateUser\s+arn:aws:iam::000000000000:user\/alice/);
  const none = await cliAgainst(s, ['audit', 'query', '--principal', 'arn:aws:iam::000000000000:user/alice']);
  assert.equal(none.err, 'no records match\n');
  const server = await cliAgainst(s, ['audit', 'query', '--principal', 'gatehouse']);
  assert.equal(server.status, EXIT.ok, server.err);
  assert.match(server.out, /iam:CreateAccount/);
  const service = await cliAgainst(s, ['audit', 'query', '--principal', 'training.gatehouse.dev']);
  assert.equal(service.err, 'no records match\n');
});
