/**
 * Review jc, 4 (cli): `--output json` is the aws CLI's global option, typed before the command as often as after it
 * (`aws --output json iam list-users`), and `gatehouse --help` says its global options go "before or after the
 * command, as the aws CLI's"; but `gatehouse --output json iam users list`, `gatehouse -o json whoami` and `gatehouse
 * --json whoami` were `error: unknown option '--output'` (exit 2), though every one of those commands takes the option
 * after its name. Why it matters: a wrapper or alias that puts the output format first (`alias gh='gatehouse --output
 * json'`, as people do with `aws`) failed on every command. Now `--output FORMAT`, `-o FORMAT` and `--json` before the
 * command are the command's own, as `--endpoint` is; unlike `--endpoint` they are never dropped: a command that has no
 * JSON output (`jobs run`) refuses them as it refuses them after its name, rather than printing text to a script that
 * asked for JSON. A value other than json, text or table is refused as it is after the command.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 3 of 4 tests failed (a command without --json refused it before too).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('jc4: --output, -o and --json before the command', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('gatehouse --output json COMMAND and -o json COMMAND print the command\'s JSON', async () => {
    for (const args of [['--output', 'json', 'iam', 'users', 'list'], ['--output=json', 'iam', 'users', 'list'], ['-o', 'json', 'iam', 'users', 'list']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.deepEqual((JSON.parse(r.stdout) as { users: { name: string }[] }).users.map((u) => u.name), ['admin'], args.join(' '));
    }
  });

  it('gatehouse --json COMMAND, with the global options beside it', async () => {
    const r = await cli(['--json', '--endpoint', s.url, 'whoami']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { arn: string }).arn, 'arn:aws:iam::000000000000:user/admin');
  });

  it('a format the command does not have is refused as after its name (exit 2)', async () => {
    const r = await cli(['--output', 'yaml', 'whoami']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /'yaml' is invalid/);
    const two = await cli(['--json', 'whoami', '-o', 'table']);
    assert.equal(two.code, 2, 'two formats are a usage error, whichever side each is on');
  });

  it('a command with no JSON output refuses --json given before it; nothing runs', async () => {
    const r = await cli(['--json', 'jobs', 'run', '--workspace', 'w', '--', 'true']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--json'/);
  });
});
