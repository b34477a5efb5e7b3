/**
 * Review cn, 1: the first start's root admin key is handed over with the account, or the account is not made. The root
 * account and its admin were committed first, and admin-credentials.json written after: a start that could not write the
 * file (a full disk, a data dir it may not write, here a directory in the file's place), or a process killed between the
 * COMMIT and the rename, left a store with an account whose only key nobody holds. Every later start found an account
 * and created none, so no one could administer the deployment, ever (the secret is shown once). Now the file is written
 * inside the bootstrap transaction, before its COMMIT: when it cannot be, nothing is committed, the start fails with a
 * message naming the file, and the next start makes the account and its file.
 *
 * `gatehouse server` in process, on the test PostgreSQL (a schema of its own).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_CREDENTIALS_FILE, startServer } from '../src/main/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const schema = `gh_cn1_${randomBytes(6).toString('hex')}`;
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
});

describe('the first start cannot write admin-credentials.json (review cn, 1)', { skip, timeout: 90_000 }, () => {
  it('commits no account whose key nobody holds: the start fails, and the next one makes the account and its file', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-cn1-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const logs: string[] = [];
    const options = { dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') }, databaseUrl: PG_URL, databaseSchema: schema, log: (l: string) => void logs.push(l) };
    // The file's place is taken: writing it fails as a full disk or a read-only data dir would.
    const file = join(dataDir, ADMIN_CREDENTIALS_FILE);
    await mkdir(file);
    await assert.rejects(startServer(options), (e: Error) => e.message.includes(ADMIN_CREDENTIALS_FILE), 'the start fails, naming the file');
    const accounts = await pgAdmin((c) => c.query(`SELECT id FROM ${schema}.accounts`));
    assert.deepEqual(accounts.rows, [], 'no account was committed without its credentials file');

    await rmdir(file);
    const running = await startServer(options);
    cleanup.push(() => running.stop());
    const written = JSON.parse(await readFile(file, 'utf8')) as { AccessKeyId: string; SecretAccessKey: string; AccountId: string };
    assert.equal(written.AccountId, '000000000000');
    const admin = await running.app.authenticate(written.AccessKeyId);
    assert.ok(admin.ok, 'the key in the file is the root admin');
    assert.equal(running.app.deps.sealer.open(await running.app.deps.store.read(async (tx) => (await tx.accessKeys.get(written.AccessKeyId))?.secret as never), written.AccessKeyId), written.SecretAccessKey);
  });
});
