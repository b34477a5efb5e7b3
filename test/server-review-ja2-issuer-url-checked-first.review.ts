/**
 * Review ja, 2: `gatehouse server` checks its arguments and settings before it makes or opens anything ("a bad one
 * changes nothing"), except GATEHOUSE_ISSUER_URL, which was checked once the store was open and the whole directory
 * loaded. A malformed one on a first start made the data dir, master.key and gatehouse.db before exit 2; with
 * PostgreSQL out of reach the server waited for the database (without end unless GATEHOUSE_DATABASE_WAIT_SECONDS) and
 * then exited 10 saying the database could not be reached, never that the setting was wrong. And the refusal echoed
 * the URL whole: a URL given with a user name and password (`https://ci:token@…`) put the password in the log.
 * Now it is checked with the other settings (exit 2 at once, nothing made), and shown without its credentials.
 * Real `startServer` (src/main/server.ts), as `gatehouse server` runs it.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExitCode, startServer } from '../src/main/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gh-review-ja2-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Starts a server that must fail; the error it failed with and how long it took. */
async function failedStart(env: Record<string, string>, extra: { databaseUrl?: string; databaseWaitSeconds?: number; dataDir?: string } = {}): Promise<{ error: Error; ms: number; logs: string[] }> {
  const logs: string[] = [];
  const started = Date.now();
  try {
    const s = await startServer({ dataDir: extra.dataDir ?? join(root, 'never'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, log: (l) => void logs.push(l), ...extra });
    await s.stop();
  } catch (e) {
    return { error: e as Error, ms: Date.now() - started, logs };
  }
  assert.fail('the server started');
}

describe('review ja2: GATEHOUSE_ISSUER_URL is checked before anything is made or opened', () => {
  it('a malformed one is exit 2 and leaves no data dir behind', async () => {
    const dataDir = join(root, 'fresh');
    const { error } = await failedStart({ GATEHOUSE_ISSUER_URL: 'gatehouse.example.com' }, { dataDir });
    assert.match(error.message, /^GATEHOUSE_ISSUER_URL: issuer URL `gatehouse\.example\.com` must be an http\(s\):\/\/ URL/);
    assert.equal(startExitCode(error), EXIT.usage);
    await assert.rejects(readdir(dataDir), { code: 'ENOENT' }, 'the data dir (master.key, gatehouse.db) was made');
  });

  it('with a PostgreSQL out of reach it is said at once, not after waiting for the database', async () => {
    const { error, ms } = await failedStart({ GATEHOUSE_ISSUER_URL: 'ftp://gatehouse.example.com' }, { databaseUrl: 'postgres://gatehouse@127.0.0.1:1/gatehouse', databaseWaitSeconds: 2 });
    assert.match(error.message, /GATEHOUSE_ISSUER_URL/, error.message);
    assert.equal(startExitCode(error), EXIT.usage);
    assert.ok(ms < 1_500, `took ${ms} ms`);
  });

  it('a URL with a user name and password is refused without them', async () => {
    const { error, logs } = await failedStart({ GATEHOUSE_ISSUER_URL: 'https://ci:s3cr3t-t0ken@gatehouse.example.com/?x=1' });
    assert.doesNotMatch(`${error.message}\n${logs.join('\n')}`, /s3cr3t|ci:/);
    // Without its query and fragment as well since review qz, 6 (either may carry a secret).
    assert.match(error.message, /GATEHOUSE_ISSUER_URL: issuer URL `https:\/\/\*\*\*@gatehouse\.example\.com\/` must be .* \(shown without its query and fragment\)$/);
    assert.equal(startExitCode(error), EXIT.usage);
  });

  it('a good one is still taken (unchanged)', async () => {
    const dataDir = join(root, 'good');
    const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_ISSUER_URL: 'https://gatehouse.example.com/' }, log: () => undefined });
    try {
      const doc = (await (await fetch(`${s.url}/.well-known/openid-configuration`)).json()) as { issuer?: string };
      assert.equal(doc.issuer, 'https://gatehouse.example.com');
    } finally {
      await s.stop();
    }
  });
});
