/**
 * Review jc, 7 (cli): `--data-dir ''` (a script's `--data-dir "$GATEHOUSE_DIR"` with the variable unset) was read as the
 * working directory: with no keys in the environment, the command signed with whatever `./admin-credentials.json` it
 * found there, and asked the server that file names — another deployment's account admin, if the script ran from that
 * deployment's data dir — or failed with NoCredentials about `.` (exit 9), naming a directory nobody gave. `gatehouse
 * server --data-dir ''` is refused (exit 2, docs/errors.md), and so were empty paths elsewhere (review gr, 6 and 10).
 * Why it matters: an unset variable silently changed who signs and which server is asked. Now an empty or blank
 * `--data-dir` is a usage error naming the option (exit 2) for every command that talks to the server, before or after
 * the command; nothing is read or sent.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts), its working directory the data dir of a real server on
 * 127.0.0.1 (its admin-credentials.json there), no keys in the environment.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('jc7: an empty --data-dir is a usage error, not the working directory', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  /** No keys, no endpoint: what the command uses comes from the data dir; the working directory holds the admin's file. */
  const cli = (args: readonly string[]) => gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir }, { cwd: s.dataDir });

  it('whoami --data-dir \'\' does not sign as ./admin-credentials.json', async () => {
    const given = await cli(['whoami', '--data-dir', s.dataDir]);
    assert.equal(given.code, 0, given.stderr);
    for (const args of [['whoami', '--data-dir', ''], ['--data-dir', ' ', 'iam', 'users', 'list'], ['--data-dir=', 'whoami']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--data-dir is empty/);
    }
  });

  it('the refusal comes before anything is read: no NoCredentials about `.`', async () => {
    const r = await gatehouseInProcess(['whoami', '--data-dir', ''], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir }, { cwd: '/' });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /NoCredentials/);
  });
});
