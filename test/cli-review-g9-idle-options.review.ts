/**
 * Options of `gatehouse audit` accepted where they do nothing (review cli, G9): `audit query --interval 100` without
 * `--follow` (the author expects a follow and gets one page), and `audit verify --accept-pruned-anchor` without
 * `--expect` (the author believes a pruned anchor accepted, and nothing was checked against one) both ran, exit 0.
 * Each is now a usage error (exit 2) saying what the option needs. The CLI's program in this process (test/support/gatehouse-cli.ts)
 * against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('audit options that need another', () => {
  let s: TestServer;
  const gatehouse = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('audit query --interval without --follow: exit 2, nothing printed on stdout', async () => {
    const r = await gatehouse(['audit', 'query', '--interval', '100']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--interval is for --follow only; add --follow, or leave it out/);
  });

  it('audit verify --accept-pruned-anchor without --expect: exit 2; with --expect it is taken', async () => {
    const r = await gatehouse(['audit', 'verify', '--accept-pruned-anchor']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--accept-pruned-anchor is about the --expect anchor; add --expect SEQ:HASH/);
    const plain = await gatehouse(['audit', 'verify', '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    const anchor = (JSON.parse(plain.stdout) as { anchor: string }).anchor;
    const withExpect = await gatehouse(['audit', 'verify', '--expect', anchor, '--accept-pruned-anchor']);
    assert.equal(withExpect.code, 0, withExpect.stderr);
  });
});
