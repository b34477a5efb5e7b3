/**
 * `gatehouse iam credential-report --csv --json` (review cli, H14): two formats asked for, and `--csv` dropped without
 * a word (the JSON printed, exit 0); a script that meant CSV parsed JSON. Options that would do nothing are usage
 * errors here (review cli, G9): now this is one, exit 2, with `-o json` too. The CLI's program in this process
 * (test/support/gatehouse-cli.ts) against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('credential-report: --csv and --json together', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());
  const cli = (args: readonly string[]) => gatehouseCliInProcess(['iam', 'credential-report', ...args], s.admin, { endpoint: s.url, home: s.dataDir });

  it('both: exit 2, nothing on stdout', async () => {
    for (const args of [['--csv', '--json'], ['--json', '--csv'], ['-o', 'json', '--csv']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^error: --csv and --json \(or -o json\) are two formats of the report; give one/);
    }
  });

  it('each alone as before', async () => {
    const csv = await cli(['--csv']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /^user,arn,user_creation_time,/);
    const json = await cli(['--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(typeof (JSON.parse(json.stdout) as { csv: unknown }).csv, 'string');
  });
});
