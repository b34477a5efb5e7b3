/**
 * Review ja, 9: the numeric settings of `gatehouse server` were read with `Number()`, which takes a blank value for 0 and
 * takes hexadecimal, binary and exponents: GATEHOUSE_DATABASE_WAIT_SECONDS=" " (a manifest's `value: " "`, a shell's
 * `VAR= `) made the server give up on its database at once instead of refusing the value, and `0x400`, `1e3` or `0b11`
 * were taken where the matching flags (`--max-connections`, `--max-live-jobs`, `--max-staleness`) refuse them. A
 * malformed GATEHOUSE_JOB_SESSION_SECONDS was echoed as `NaN`, not as given. Now each takes decimal digits only (a
 * fraction where it allows one), as its flag, and a refusal shows the value as given (exit 2).
 * Real `startServer` (src/main/server.ts), as `gatehouse server` runs it.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExitCode, startServer } from '../src/main/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { usageRefusal } from './support/start-refused.ts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gh-review-ja9-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('review ja9: numeric settings take decimal digits, as their flags', () => {
  it('hexadecimal, binary and exponents are refused, naming the value', async () => {
    for (const [name, value] of [['GATEHOUSE_MAX_CONNECTIONS', '0x400'], ['GATEHOUSE_MAX_LIVE_JOBS', '1e3'], ['GATEHOUSE_MAX_STALENESS_SECONDS', '0x10'], ['GATEHOUSE_CHANGE_POLL_MS', '1e3'], ['GATEHOUSE_JOB_SESSION_SECONDS', '0x384'], ['GATEHOUSE_DATABASE_WAIT_SECONDS', '0b11']] as const) {
      const m = await usageRefusal({ [name]: value });
      assert.match(m, new RegExp(name), `${name}=${value}: ${m}`);
      assert.ok(m.includes(`\`${value}\``), `${name}=${value}: ${m}`);
    }
  });

  it('a blank GATEHOUSE_DATABASE_WAIT_SECONDS is refused, not taken for 0', async () => {
    // Against a PostgreSQL nothing answers: taken for 0, the start gave up on it at once (exit 10).
    const dataDir = join(root, 'blank');
    try {
      const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_DATABASE_WAIT_SECONDS: ' ', GATEHOUSE_DATABASE_URL: 'postgres://gatehouse@127.0.0.1:1/gatehouse' }, log: () => undefined });
      await s.stop();
      assert.fail('started');
    } catch (e) {
      assert.equal(startExitCode(e), EXIT.usage, (e as Error).message);
      assert.match((e as Error).message, /^GATEHOUSE_DATABASE_WAIT_SECONDS must be a number of seconds \(0 or more\), got ` `/);
    }
  });

  it('decimal values with blanks around are taken (unchanged)', async () => {
    const s = await startServer({ dataDir: join(root, 'good'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MAX_CONNECTIONS: ' 64 ', GATEHOUSE_MAX_STALENESS_SECONDS: '2.5', GATEHOUSE_JOB_SESSION_SECONDS: '3600', GATEHOUSE_CHANGE_POLL_MS: '500', GATEHOUSE_MAX_LIVE_JOBS: '10' }, log: () => undefined });
    await s.stop();
  });
});
