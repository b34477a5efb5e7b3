/**
 * Review K, K2: scoped-session records that expired while no instance held them are deleted too. `SessionScopes.load`
 * (every start, and every reload after more than 1,000 changes) skipped expired records and the sweep deletes only
 * the records held, so a record that expired while the server was down, or whose page a sweep did not reach (a stop or
 * a store error between pages of 500), stayed in the store for good: read again at each start, never deleted. A
 * server that issues 100,000 scoped one-hour sessions a day and restarts nightly kept every record of the sessions
 * that expired overnight. Now `load` notes their keys and the next sweep deletes them with the others.
 *
 * Scoped sessions issued by SDK v3 against a real server, the server stopped, and its SQLite store opened again
 * 16 minutes later (the sessions last 15).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startTestServer, type TestServer } from './support/server.ts';
import { SESSION_SCOPE_PREFIX, SessionScopes } from '../src/app/session-scopes.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

test('records of sessions that expired while the server was down are deleted by the next sweep', async () => {
  const acct = server.adminFile.AccountId;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
  const role = await server.iam().send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const sts = server.sts();
  for (let i = 0; i < 3; i++) {
    await sts.send(new AssumeRoleCommand({ RoleArn: role.Role?.Arn, RoleSessionName: `s${i}`, DurationSeconds: 900, Tags: [{ Key: 'team', Value: 'ml' }] }));
  }
  await server.stopServer();

  const store = await openSqliteStore({ dataDir: server.dataDir });
  try {
    const held = await store.read((tx) => tx.kv.list(SESSION_SCOPE_PREFIX));
    assert.equal(held.length, 3, 'the three scoped sessions are recorded');
    const later = Date.now() + 16 * 60_000;
    const scopes = new SessionScopes({ store, now: () => later, randomBytes: (n) => new Uint8Array(n) });
    await store.read(async (tx) => scopes.load(tx, await tx.changes.head()));
    assert.equal(scopes.size, 0, 'expired records are not held');
    assert.equal(await scopes.sweep(), 3);
    assert.deepEqual(await store.read((tx) => tx.kv.list(SESSION_SCOPE_PREFIX)), [], 'no record of an expired session is left in the store');
    // A live record written meanwhile is left alone.
    const live = { arn: `arn:aws:sts::${acct}:assumed-role/worker/s9`, account: acct, partition: 'aws', role: { name: 'worker', path: '/', id: 'AROAWORKER' }, sessionName: 's9', issued: later, expires: later + 900_000, tags: { team: 'ml' } };
    await store.write((tx) => tx.kv.put(`${SESSION_SCOPE_PREFIX}${live.arn}/x`, JSON.stringify(live)));
    await store.read(async (tx) => scopes.load(tx, await tx.changes.head()));
    assert.equal(await scopes.sweep(), 0);
    assert.equal((await store.read((tx) => tx.kv.list(SESSION_SCOPE_PREFIX))).length, 1);
  } finally {
    await store.close();
  }
});
