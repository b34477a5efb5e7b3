/**
 * Review lm, 3 (fixed in src/main/server.ts): once a stop began, `--health-listen` answered /readyz 503 at once, but
 * `--listen` kept answering 200 until its edge began to close, after the change feed had stopped (`following.stop`,
 * which waits for a change-log prune in flight and for the notification channel to close: up to the statement bound
 * on a database that does not answer). A load balancer or kubelet probing the API port kept sending traffic to an
 * instance already stopping, and the two ports disagreed. Now both say not ready from the start of the stop. The stop
 * is held open deterministically by the change notes' subscription, whose close the test releases (no timing).
 * Real server (SQLite), in-process. Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';

let dir = '';
let release: () => void = () => {};
const closeHeld = new Promise<void>((r) => (release = r));
let asked: () => void = () => {};
const closeAsked = new Promise<void>((r) => (asked = r));
let server: Awaited<ReturnType<typeof startServer>>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-review-lm3-'));
  server = await startServer({
    dataDir: dir,
    listen: '127.0.0.1:0',
    agentListen: '127.0.0.1:0',
    healthListen: '127.0.0.1:0',
    log: () => undefined,
    changeNotes: {
      announce: () => {},
      listen: () => ({
        close: () => {
          asked();
          return closeHeld;
        },
      }),
    },
  });
});

after(async () => {
  release();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const readyz = async (base: string): Promise<number> => {
  const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) });
  await r.text();
  return r.status;
};

test('both ports answer /readyz 503 as soon as the stop begins, while it is still held', async () => {
  const health = server.healthUrl as string;
  assert.equal(await readyz(server.url), 200);
  assert.equal(await readyz(health), 200);
  const stopped = server.stop();
  // The stop is now held in the change feed, before the edges close.
  await closeAsked;
  assert.equal(await readyz(health), 503, '--health-listen');
  assert.equal(await readyz(server.url), 503, '--listen');
  release();
  assert.deepEqual(await stopped, []);
});
