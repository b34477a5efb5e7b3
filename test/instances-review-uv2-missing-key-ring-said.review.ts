/**
 * Review uv, 2. The session key ring is one row of the database (`kv` `sts/keyring`). An instance starting on a database
 * that has no such row makes a new ring, which is right on a first start. But it did so as silently on a database
 * that already holds a directory (the row deleted by hand, a partial restore, a migration tool that skipped it): every
 * session issued before, by any instance, was refused from then on (InvalidClientTokenId, which no SDK retries), and
 * on PostgreSQL the running instances adopted the new ring as a rotation within a second, so the whole deployment's
 * sessions and jobs' credentials failed at once, with nothing in any log saying why.
 *
 * Now such a start still makes a ring (sessions must be issued) and says so in its log: the row was missing from a
 * database holding a directory, a new ring was made, sessions issued before are refused, and the row is to be
 * restored from a backup if it was lost; and records it in the audit log as a change of the session keys by the server
 * (`gatehouse:RotateKeys`, `detail.request.keyRingMissing`). A first start says neither.
 *
 * A real server (SQLite) restarted on its data dir with the row deleted (test/support/edited-store.ts); the AWS SDK.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { KEYRING_KV } from '../src/app/live.ts';
import { restartAfterEdit, stopRestarted } from './support/edited-store.ts';
import { auditRecords, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

describe('review uv2: a key ring missing from a database holding a directory is said', { timeout: 120_000 }, () => {
  let first: TestServer;
  let restarted: TestServer;
  let session: Credentials;

  before(async () => {
    first = await startTestServer({ keepDir: true });
    const c = (await first.sts().send(new GetSessionTokenCommand({ DurationSeconds: 3600 }))).Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    restarted = await restartAfterEdit(first, (tx) => tx.kv.delete(KEYRING_KV).then(() => undefined));
  });
  after(() => stopRestarted(first, restarted));

  it('a first start makes the ring and logs nothing about it', () => {
    assert.deepEqual(first.logs.filter((l) => l.includes(KEYRING_KV)), []);
  });

  it('a start on a directory without its ring says what was made and what it costs', async () => {
    const lines = restarted.logs.filter((l) => l.includes(KEYRING_KV));
    assert.equal(lines.length, 1, restarted.logs.join('\n'));
    assert.match(lines[0] as string, /missing/);
    assert.match(lines[0] as string, /new (session )?key ring/);
    assert.match(lines[0] as string, /every session issued before .*refused/);
    assert.match(lines[0] as string, /backup/);
    // And recorded, as a change of the session keys made by the server (a rotation's action and resource).
    const records = await auditRecords(restarted, { action: 'gatehouse:RotateKeys' });
    assert.equal(records.length, 1, JSON.stringify(records));
    assert.equal(records[0]?.principal, 'gatehouse');
    assert.match(JSON.stringify(records[0]?.detail), /keyRingMissing/);
    // What the line warns of: the session the first start issued is refused.
    assert.equal((await sdkFailure(restarted.sts(session).send(new GetCallerIdentityCommand({})))).code, 'InvalidClientTokenId');
  });
});
