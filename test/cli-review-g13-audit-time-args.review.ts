/**
 * Malformed `gatehouse audit query` arguments (review cli, G13): `--since yesterday` and `--kind bogus` went to the
 * server and came back `ValidationError: since: …`, exit 8 ("the server rejected the input"), where docs/errors.md
 * gives a malformed argument exit 2, and the message named `since`, not the option. Both are now checked on the
 * command line (exit 2, naming `--since`, `--kind`); the forms the server takes still pass. The CLI's program in
 * this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('audit query: malformed --since, --until, --kind are usage errors', () => {
  let s: TestServer;
  const gatehouse = (args: readonly string[]) => gatehouseCliInProcess(['audit', 'query', ...args], s.admin, { endpoint: s.url, home: s.dataDir });
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('exit 2 naming the option; valid forms are taken', async () => {
    const [since, until, kind, good] = await Promise.all([
      gatehouse(['--since', 'yesterday']),
      gatehouse(['--until', '15x']),
      gatehouse(['--kind', 'bogus']),
      gatehouse(['--since', '7d', '--until', '2999-01-01T00:00:00Z', '--kind', 'change', '--json']),
    ]);
    assert.equal(since.code, 2, since.stderr);
    assert.match(since.stderr, /--since must be an ISO-8601 time \(2024-05-01T12:00:00Z\) or a duration back from now \(15m, 24h, 7d\), got `yesterday`/);
    assert.equal(until.code, 2, until.stderr);
    assert.match(until.stderr, /--until must be an ISO-8601 time/);
    assert.equal(kind.code, 2, kind.stderr);
    assert.match(kind.stderr, /--kind must be one of change, session, decision, job, got `bogus`/);
    assert.equal(good.code, 0, good.stderr);
  });
});
