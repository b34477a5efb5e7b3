/**
 * A server started with settings it must refuse: the StartError it fails with, which must be a usage error
 * (exit status 2). A server that starts anyway is stopped, and the test fails naming it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, StartError } from '../../src/main/server.ts';

export async function usageRefusal(env: Readonly<Record<string, string>>): Promise<StartError> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-refused-'));
  try {
    const e = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { ...env }, log: () => {} }).then(
      async (running) => {
        await running.stop();
        return 'started';
      },
      (err: unknown) => err,
    );
    assert.ok(e instanceof StartError, `the server started with ${JSON.stringify(env)}: ${String(e)}`);
    assert.equal(e.failure, 'usage');
    return e;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
