/**
 * Review pi, 11: the start loads every user, role and managed policy with its tags (a JSON column), and a tags column
 * that was not the JSON the server writes (a row restored or edited by hand, a truncated write) stopped the start with
 * `cannot load the directory from the database (…): Unterminated string in JSON at position 8`, naming no row in a
 * directory of possibly thousands. Tags decide (`aws:PrincipalTag`, `aws:ResourceTag`, in a Deny's condition too), so
 * they cannot be read as none (an unreadable deny must not be dropped: src/app/unreadable-policy.ts); the start still
 * stops, but the error now names the row (its kind, name and account) and what to do. review-common: errors clear,
 * naming what is wrong and where.
 * Real server restarted on its data dir (SQLite), the row changed with node:sqlite.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let first: TestServer;
let file = '';

const startError = async (): Promise<string> => {
  try {
    const s = await startTestServer({ dataDir: first.dataDir, keepDir: true });
    await s.stopServer();
    return 'started';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
};

before(async () => {
  first = await startTestServer({ keepDir: true });
  const iam = first.iam();
  await iam.send(new CreateUserCommand({ UserName: 'pi11-user', Tags: [{ Key: 'team', Value: 'ml' }] }));
  await iam.send(new CreateRoleCommand({ RoleName: 'pi11-role', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] }), Tags: [{ Key: 'env', Value: 'prod' }] }));
  await first.stopServer();
  const store = await openSqliteStore({ dataDir: first.dataDir });
  file = store.file;
  await store.close();
});

after(async () => {
  await first.stop();
  await rm(first.dataDir, { recursive: true, force: true });
});

const setTags = (table: string, name: string, tags: string): void => {
  const db = new DatabaseSync(file);
  try {
    db.prepare(`UPDATE ${table} SET tags = ? WHERE name = ?`).run(tags, name);
  } finally {
    db.close();
  }
};

describe('review pi11: a tags column that cannot be read', () => {
  it('a user\'s: the start stops naming the user and its account', async () => {
    setTags('users', 'pi11-user', '[{"key":"team","val');
    const message = await startError();
    setTags('users', 'pi11-user', '[{"key":"team","value":"ml"}]');
    assert.match(message, /tags of user `pi11-user` of account 000000000000/);
  });

  it('a role\'s: the start stops naming the role and its account', async () => {
    setTags('roles', 'pi11-role', '{"env":"prod"}');
    const message = await startError();
    setTags('roles', 'pi11-role', '[{"key":"env","value":"prod"}]');
    assert.match(message, /tags of role `pi11-role` of account 000000000000/);
  });
});
