/**
 * Review sd, 2: `gatehouse audit query` read `--limit`, `--last` and `--interval` with `Number`, so `--limit 0x10` printed
 * 16 records, `--last 1e3` the newest 1000 and `--limit ' 5'` 5, where `GET /v1/audit` refuses such a `limit` naming it
 * (stop 29, review ay) and `--after` beside them takes digits only (review V8): a script's typo was answered with
 * another count of records than asked, exit 0. Each now takes a whole number in digits, else exit 2 naming the option
 * and the range; digits still pass. The CLI's program in this process against a real server on 127.0.0.1.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('review sd2: audit query takes --limit, --last and --interval in digits only', () => {
  let s: TestServer;
  const gatehouse = (args: readonly string[]) =>
    gatehouseInProcess(['audit', 'query', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url });
  before(async () => {
    s = await startTestServer();
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']) assert.equal((await gatehouseJson(s.url, s.admin, 'POST', '/v1/users', { name })).status, 201);
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  it('refuses 0x2, 1e1, a padded number and 5.0, exit 2 naming the option and its range', async () => {
    const cases: [string, string][] = [
      ['--limit', '0x2'],
      ['--limit', '1e1'],
      ['--limit', ' 5'],
      ['--limit', '5.0'],
      ['--last', '0x3'],
      ['--last', '2e0'],
    ];
    for (const [flag, value] of cases) {
      const r = await gatehouse([flag, value, '--json']);
      // Before: exit 0, with 2, 10, 5, 5, 3 and 2 records.
      assert.equal(r.code, 2, `${flag} ${JSON.stringify(value)}: exit ${r.code}, ${r.stdout.split('\n').length - 1} lines; ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${flag} must be an integer from 1 to 1000000, got \`${value.replace('.', '\\.')}\``));
    }
    const interval = await gatehouse(['--follow', '--interval', '1e3']);
    assert.equal(interval.code, 2, interval.stderr);
    assert.match(interval.stderr, /--interval must be an integer from 1 to 60000, got `1e3`/);
  });

  it('digits pass: --limit 2 prints two records, --last 3 three', async () => {
    const two = await gatehouse(['--limit', '2', '--json']);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.stdout.trim().split('\n').length, 2, two.stdout);
    const three = await gatehouse(['--last', '3', '--json']);
    assert.equal(three.code, 0, three.stderr);
    assert.equal(three.stdout.trim().split('\n').length, 3, three.stdout);
  });
});
