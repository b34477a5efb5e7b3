/**
 * `-o json` and `--output json` (review cli, H10): what kubectl and aws CLI users type by habit was refused with
 * `unknown option '--output'` (exit 2) and no word of `--json`. Now both are taken as `--json` (hidden from --help, so
 * it stays one way to say it), `text` and `table` as the default output, and any other format (`yaml`, `wide`) is a
 * usage error listing the three. The CLI's program in this process (test/support/gatehouse-cli.ts) against a real server
 * on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('-o / --output', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());
  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('-o json and --output json print what --json prints', async () => {
    const json = await cli(['whoami', '--json']);
    assert.equal(json.code, 0, json.stderr);
    for (const flag of [['-o', 'json'], ['--output', 'json'], ['--output=json']]) {
      const r = await cli(['whoami', ...flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), JSON.parse(json.stdout), flag.join(' '));
    }
    // Errors too, as --json prints them (on stderr, review F, F4).
    const missing = await cli(['iam', 'users', 'get', 'nobody', '-o', 'json']);
    assert.equal(missing.code, 6);
    assert.equal(missing.stdout, '');
    assert.equal((JSON.parse(missing.stderr) as { error: { code: string } }).error.code, 'NoSuchEntity');
  });

  it('-o table is the default output; -o yaml is a usage error naming the formats', async () => {
    const table = await cli(['iam', 'users', 'list', '-o', 'table']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME +ARN +CREATED\nadmin /);
    const yaml = await cli(['iam', 'users', 'list', '-o', 'yaml']);
    assert.equal(yaml.code, 2);
    assert.match(yaml.stderr, /argument 'yaml' is invalid\. Allowed choices are json, text, table/);
  });
});
