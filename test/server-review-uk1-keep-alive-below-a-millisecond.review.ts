/**
 * Review uk, 1: GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS takes "a number of seconds above 0, at most 3600" (README,
 * `gatehouse server --help`; review lh, 1) and refuses `0`, Node's value for "no keep-alive timeout". A value above 0
 * but below half a millisecond (`0.0004`, `0.0000001`: a unit slip, milliseconds meant as hours) was taken, then
 * rounded to 0 ms, and `--listen`, the S3 gateway and the listener that answers while the database is awaited were
 * given that 0: Node then keeps an idle keep-alive connection without a keep-alive bound (until the 120 s idle
 * timeout), the opposite of what was asked. Now a value under a millisecond is refused at start as `0` is, naming the
 * setting and the value (exit 2), before anything is created.
 * Real `startServer` (src/main/server.ts), as `gatehouse server` runs it.
 * Before the fix 1 of 1 tests failed.
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
  root = await mkdtemp(join(tmpdir(), 'gh-review-uk1-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('review uk1: a keep-alive timeout under a millisecond is refused, not taken as none', () => {
  it('GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS of 0.0004 or 0.0000001 is refused, naming the setting and the value', async () => {
    let n = 0;
    for (const value of ['0.0004', '0.0000001']) {
      const dataDir = join(root, `d${n++}`);
      try {
        const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS: value }, log: () => undefined });
        await s.stop();
      } catch (e) {
        assert.equal(startExitCode(e), EXIT.usage, (e as Error).message);
        assert.match((e as Error).message, /^GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS /);
        assert.ok((e as Error).message.includes(`\`${value}\``), (e as Error).message);
        assert.match((e as Error).message, /0\.001/, 'the message says the least value taken');
        await assert.rejects(readdir(dataDir), { code: 'ENOENT' });
        continue;
      }
      assert.fail(`GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS=${value} was taken (as 0 ms: no keep-alive timeout)`);
    }
  });
});
