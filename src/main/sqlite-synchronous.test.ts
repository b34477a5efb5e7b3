/**
 * GATEHOUSE_SQLITE_SYNCHRONOUS (stop 64): SQLite's `synchronous` for the data dir's store, `full` (the default) or
 * `normal` (src/adapters/store-sqlite/synchronous.test.ts reads what each does to the commits' fsyncs). Anything else is
 * a usage error, and so is the setting beside GATEHOUSE_DATABASE_URL (PostgreSQL, where it would do nothing), both
 * before the data dir is made. Real `startServer`, as `gatehouse server` runs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExitCode, startServer } from './server.ts';
import { EXIT } from '../adapters/cli/exit-codes.ts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gh-sqlite-sync-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The start's refusal of `env`, checked to be a usage error that made no data dir. */
async function refusal(name: string, env: Record<string, string>): Promise<string> {
  const dataDir = join(root, name);
  try {
    const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, log: () => undefined });
    await s.stop();
  } catch (e) {
    assert.equal(startExitCode(e), EXIT.usage, (e as Error).message);
    await assert.rejects(readdir(dataDir), { code: 'ENOENT' });
    return (e as Error).message;
  }
  assert.fail(`${JSON.stringify(env)}: the server started`);
}

describe('GATEHOUSE_SQLITE_SYNCHRONOUS', () => {
  it('a value other than full or normal is refused, quoting it and naming both', async () => {
    const m = await refusal('bad', { GATEHOUSE_SQLITE_SYNCHRONOUS: 'off' });
    assert.match(m, /^GATEHOUSE_SQLITE_SYNCHRONOUS must be `full` .* or `normal` .*, got `off`$/);
  });

  it('beside GATEHOUSE_DATABASE_URL it is refused: a setting of the SQLite store', async () => {
    const m = await refusal('pg', { GATEHOUSE_SQLITE_SYNCHRONOUS: 'normal', GATEHOUSE_DATABASE_URL: 'postgres://127.0.0.1:9/none' });
    assert.match(m, /^GATEHOUSE_SQLITE_SYNCHRONOUS is set, but GATEHOUSE_DATABASE_URL puts the data in PostgreSQL/);
  });

  it('normal and full (in any case), and empty (the default), start a server on SQLite in the data dir', async () => {
    for (const [i, value] of ['normal', 'FULL', ''].entries()) {
      const dataDir = join(root, `ok${i}`);
      const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_SQLITE_SYNCHRONOUS: value }, log: () => undefined });
      try {
        assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
        assert.ok((await readdir(dataDir)).includes('gatehouse.db'));
      } finally {
        await s.stop();
      }
    }
  });
});
