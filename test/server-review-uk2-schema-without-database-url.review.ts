/**
 * Review uk, 2: GATEHOUSE_DATABASE_SCHEMA puts the tables of a PostgreSQL deployment in a schema of its own (README,
 * "GATEHOUSE_DATABASE_URL=postgres://… puts the data in PostgreSQL … (GATEHOUSE_DATABASE_SCHEMA in a schema of its
 * own)"); it means nothing to SQLite. Given without GATEHOUSE_DATABASE_URL, or with it empty (a manifest whose URL
 * comes from a variable that is unset, `GATEHOUSE_DATABASE_URL="$PG_URL"` in a shell, a misspelt name), it was
 * ignored without a word and the server started on SQLite in its data dir: each instance of a deployment meant to
 * share one PostgreSQL then kept a directory of its own (a change or a revocation made through one was enforced by
 * none of the others), every one of them ready. An option given where it does nothing is a usage error elsewhere
 * (docs/errors.md, exit 2). Now the start refuses it, naming both settings, before anything is created (exit 2).
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
  root = await mkdtemp(join(tmpdir(), 'gh-review-uk2-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('review uk2: GATEHOUSE_DATABASE_SCHEMA without a PostgreSQL URL is refused, not ignored', () => {
  it('the schema with no GATEHOUSE_DATABASE_URL, or an empty one, is refused naming both, and nothing is created', async () => {
    let n = 0;
    for (const env of [{ GATEHOUSE_DATABASE_SCHEMA: 'gatehouse_prod' }, { GATEHOUSE_DATABASE_URL: '', GATEHOUSE_DATABASE_SCHEMA: 'gatehouse_prod' }]) {
      const dataDir = join(root, `d${n++}`);
      let started = false;
      try {
        const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, log: () => undefined });
        started = true;
        await s.stop();
      } catch (e) {
        const m = (e as Error).message;
        assert.equal(startExitCode(e), EXIT.usage, m);
        assert.match(m, /^GATEHOUSE_DATABASE_SCHEMA `gatehouse_prod` is set, but GATEHOUSE_DATABASE_URL is (?:not|empty)/, m);
        assert.match(m, /unset GATEHOUSE_DATABASE_SCHEMA for SQLite/, m);
        await assert.rejects(readdir(dataDir), { code: 'ENOENT' });
      }
      assert.equal(started, false, `${JSON.stringify(env)}: started on SQLite in the data dir, the schema ignored`);
    }
  });
});
