/**
 * A server started with settings it must refuse: the message of the usage error (exit status 2) it fails with,
 * having made no data dir. A server that starts anyway is stopped, and the test fails naming the settings.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExitCode, startServer } from '../../src/main/server.ts';
import { EXIT } from '../../src/adapters/cli/exit-codes.ts';

export async function usageRefusal(env: Readonly<Record<string, string>>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'gh-refused-'));
  const dataDir = join(root, 'data');
  try {
    try {
      const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { ...env }, log: () => {} });
      await running.stop();
    } catch (e) {
      assert.equal(startExitCode(e), EXIT.usage, (e as Error).message);
      await assert.rejects(readdir(dataDir), { code: 'ENOENT' });
      return (e as Error).message;
    }
    assert.fail(`the server started with ${JSON.stringify(env)}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
