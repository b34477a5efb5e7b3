/**
 * Review gm, 7. GATEHOUSE_DATABASE_SCHEMA names the PostgreSQL schema of the deployment; the store takes only a plain
 * lower-case identifier. A schema it does not take (`Gatehouse`, `gate-house`, a typo) was found out only when the store
 * opened: after the data dir and a new random master.key had been made in it (a later start with the schema put right
 * used that key, not the deployment's), and the start failed as `unavailable`, exit status 10, the status of a database
 * that cannot be reached (which a supervisor restarts and waits out), where a setting that can never work is exit 2.
 * Now it is checked with the other settings, before anything is created: exit status 2, a message that names the
 * variable and what it takes, no data dir made. A schema it takes starts as before. Real server process, PostgreSQL
 * not needed (the refusal comes first).
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
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-gm7-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const server = (dataDir: string, schema: string) =>
  run(
    process.execPath,
    [GATEHOUSE_BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'],
    // Port 1: nothing listens there, so a start that got as far as the database would wait (GATEHOUSE_DATABASE_WAIT_SECONDS=0: give up at once).
    { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE, GATEHOUSE_DATABASE_URL: 'postgres://gatehouse@127.0.0.1:1/gatehouse', GATEHOUSE_DATABASE_SCHEMA: schema, GATEHOUSE_DATABASE_WAIT_SECONDS: '0' },
    // A start that ends at once on a quiet host took over 20 s beside eight other sessions (load 20–40 on 2 cores): the
    // bound is what a stuck start would exceed, not what a slow one does.
    { timeoutMs: 120_000 },
  );

describe('review gm7: a GATEHOUSE_DATABASE_SCHEMA the store does not take is refused as a setting', () => {
  for (const schema of ['Gatehouse', 'gate-house', 'x'.repeat(64), 'public;drop']) {
    it(`\`${schema.slice(0, 20)}\`: exit status 2 naming the variable, nothing created`, { timeout: 180_000 }, async () => {
      const dataDir = join(work, `d-${schema.replace(/\W+/g, '_').slice(0, 20)}`);
      const r = await server(dataDir, schema);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /GATEHOUSE_DATABASE_SCHEMA/);
      assert.match(r.stderr, /lower-case/);
      assert.equal(existsSync(dataDir), false, 'the data dir (and a master.key in it) is not made for a start refused for its settings');
    });
  }

  it('a schema the store takes goes on to the database (here unreachable: exit 10)', { timeout: 180_000 }, async () => {
    const dataDir = join(work, 'good');
    const r = await server(dataDir, 'gatehouse_prod');
    assert.equal(r.code, 10, r.stderr);
    assert.doesNotMatch(r.stderr, /GATEHOUSE_DATABASE_SCHEMA/);
  });
});
