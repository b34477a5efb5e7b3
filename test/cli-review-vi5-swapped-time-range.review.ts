/**
 * Review vi, 5: `gatehouse audit query --since 1h --until 2h` (the bounds swapped, as an operator asking for "the hour
 * before the last" easily types them) went to the server and came back `ValidationError: since: \`since\` (…) must be
 * before \`until\``, exit 8 ("the server rejected the input"), naming the API's parameters, where every other wrong
 * `--since`/`--until` is a usage error naming the option, exit 2 (review cli, G13; docs/errors.md). Now the empty range
 * is refused on the command line, exit 2, naming `--since` and `--until`; a range in order is listed as before. The
 * CLI's program in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('review vi5: audit query with --since at or after --until is a usage error', () => {
  let s: TestServer;
  const gatehouse = (args: readonly string[]) => gatehouseCliInProcess(['audit', 'query', ...args], s.admin, { endpoint: s.url, home: s.dataDir });
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('exit 2 naming --since and --until, for durations and times; a range in order is listed', async () => {
    for (const args of [['--since', '1h', '--until', '2h'], ['--since', '2024-05-02', '--until', '2024-05-01T00:00:00Z'], ['--since', '2024-05-01', '--until', '2024-05-01T00:00:00Z', '--json']]) {
      const r = await gatehouse(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`--since ${args[1]} \\(.*\\) must be before --until ${args[3]}`), r.stderr);
      assert.doesNotMatch(r.stderr, /ValidationError/);
    }
    const ok = await gatehouse(['--since', '2h', '--until', '1h', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
