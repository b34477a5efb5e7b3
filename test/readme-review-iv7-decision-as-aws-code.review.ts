/**
 * Review `readme`, iv7: README §7 says `audit query --decision` takes, for changes, "an error code: as stored
 * (`ACCESS_DENIED`) or as the aws CLI showed it (`AccessDenied`), in any case". The codes the aws CLI and `gatehouse`
 * show most after `AccessDenied` — `NoSuchEntity` (exit 6), `ValidationError`, `InvalidInput`, `LimitExceeded`,
 * `MalformedPolicyDocument` — were refused (exit 8): "`decision` `NoSuchEntity` is the AWS code of several Gatehouse
 * codes (RBAC_ROLE_NOT_FOUND, NO_SUCH_ENTITY): name one of them", up to 32 of them for MalformedPolicyDocument, where
 * `AccessDenied` already finds every refusal it stands for. An auditor who saw `NoSuchEntity` had to guess the stored
 * code. Now such an AWS code finds the records of every Gatehouse code it stands for, as `AccessDenied` does; a value
 * no record can carry is still refused (exit 8). The CLI in process against a real server on 127.0.0.1.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { cliAgainst, startTestServer, userWithKey, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await userWithKey(server, 'alice');
  // A refused change the server records: the policy to attach does not exist (NoSuchEntity to the client, exit 6).
  const refused = await cliAgainst(server, ['iam', 'attach', 'no-such-policy', '--user', 'alice']);
  assert.equal(refused.status, EXIT.notFound, refused.err);
  assert.match(refused.err, /NoSuchEntity/);
  await server.running.app.audit.flush();
});
after(async () => server.stop());

const query = (decision: string) => cliAgainst(server, ['audit', 'query', '--decision', decision, '--json']);
const rows = (out: string) => out.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { action: string; decision: string });

test('iv7: --decision NoSuchEntity, as the client was answered, finds the refused change', async () => {
  const stored = await query('NO_SUCH_ENTITY');
  assert.equal(stored.status, EXIT.ok, stored.err);
  assert.deepEqual(rows(stored.out).map((r) => [r.action, r.decision]), [['iam:AttachUserPolicy', 'NO_SUCH_ENTITY']]);
  for (const spelled of ['NoSuchEntity', 'nosuchentity']) {
    const r = await query(spelled);
    assert.equal(r.status, EXIT.ok, `${spelled}: ${r.err}`);
    assert.deepEqual(rows(r.out), rows(stored.out), spelled);
  }
});

test('iv7: every AWS code a client is answered with is taken, records or none', async () => {
  for (const code of ['ValidationError', 'InvalidInput', 'LimitExceeded', 'MalformedPolicyDocument']) {
    const r = await query(code);
    assert.equal(r.status, EXIT.ok, `${code}: ${r.err}`);
  }
});

test('iv7: a value no record carries is still refused', async () => {
  const r = await query('Maybe');
  assert.equal(r.status, EXIT.invalidInput, r.err);
  assert.match(r.err, /no record carries the decision `Maybe`/);
});
