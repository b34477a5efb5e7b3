/**
 * Review gc, 3. `GATEHOUSE_DATABASE_URL=postgres://…` selects PostgreSQL; a value of any other kind was taken as a
 * PostgreSQL address all the same: `sqlite:///var/lib/gatehouse/gatehouse.db` (an operator asking for the embedded store
 * by URL), `mysql://…`, a misspelt `postgress://…` or a bare `db.internal:5432/gatehouse` started a server that waited
 * for "the database (PostgreSQL at sqlite:///…)" without end (GATEHOUSE_DATABASE_WAIT_SECONDS unset: "trying again",
 * /readyz 503, for good), or connected somewhere else than meant. Now it is a malformed setting, refused before the data
 * dir is touched: exit status 2 (docs/errors.md) and a message that names the variable, what it holds (without a
 * password) and the schemes it takes. `postgres://` and `postgresql://` start as before. Real server process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-gc3-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const server = (dataDir: string, url: string, env: Record<string, string> = {}) =>
  run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE, GATEHOUSE_DATABASE_URL: url, ...env }, { timeoutMs: 20_000 });

describe('review gc3: a GATEHOUSE_DATABASE_URL that is not a PostgreSQL URL is refused at start', () => {
  for (const [label, url, shown] of [
    ['an SQLite URL', 'sqlite:///var/lib/gatehouse/gatehouse.db', '`sqlite:///var/lib/gatehouse/gatehouse.db`'],
    ['another database', 'mysql://gatehouse:hunter2@127.0.0.1:3306/gatehouse', '`mysql://gatehouse:…@127.0.0.1:3306/gatehouse`'],
    ['a misspelt scheme', 'postgress://127.0.0.1:5432/gatehouse', '`postgress://127.0.0.1:5432/gatehouse`'],
    ['no scheme', '127.0.0.1:5432/gatehouse', '`127.0.0.1:5432/gatehouse`'],
  ] as const) {
    it(`${label}: exit status 2 with what to give, at once`, { timeout: 30_000 }, async () => {
      const dataDir = join(work, label.replace(/\W+/g, '-'));
      const r = await server(dataDir, url);
      // Before: still waiting for "PostgreSQL at …" when killed at 20 s (-1).
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /GATEHOUSE_DATABASE_URL must be a PostgreSQL URL \(postgres:\/\/ or postgresql:\/\//);
      assert.ok(r.stderr.includes(shown), r.stderr);
      assert.doesNotMatch(r.stderr, /hunter2/);
      assert.doesNotMatch(r.stderr, /waiting for|trying again/);
      assert.equal(existsSync(dataDir), false, 'the data dir is not made for a start refused for its settings');
    });
  }

  it('postgres:// and postgresql:// are PostgreSQL addresses, tried as before', { timeout: 60_000 }, async () => {
    for (const url of ['postgres://gatehouse@127.0.0.1:1/gatehouse', 'POSTGRESQL://gatehouse@127.0.0.1:1/gatehouse']) {
      // Nothing listens on port 1: with no wait, the start fails as an unreachable database does (10).
      const r = await server(join(work, 'pg'), url, { GATEHOUSE_DATABASE_WAIT_SECONDS: '0' });
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /PostgreSQL at /i);
      assert.doesNotMatch(r.stderr, /must be a PostgreSQL URL/);
    }
  });
});
