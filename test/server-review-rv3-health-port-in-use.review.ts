/**
 * Review rv, 3: `gatehouse server` whose probes' port (`--health-listen`, `GATEHOUSE_HEALTH_LISTEN`) another process
 * held said only `cannot listen on H:P (--health-listen): listen EADDRINUSE …`, where every other port's failure says
 * what to do (`another process listens there (a gatehouse server already running?): stop it, or give this server
 * addresses of its own`, review bn, 3); and given through GATEHOUSE_HEALTH_LISTEN, it named `--health-listen`, an
 * option the operator never gave, where a malformed value of that setting is named as the setting. Now it says the hint,
 * naming the option or the setting the address came from.
 * Contract: README.md (`--health-listen HOST:PORT` (`GATEHOUSE_HEALTH_LISTEN`)); docs/errors.md, exit 10 for a port that
 * cannot be listened on, with the message naming the flag or setting (the other ports' messages, review bn, 3).
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let work = '';
let held: Server;
let port = 0;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-rv3-'));
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  port = (held.address() as { port: number }).port;
});
after(async () => {
  await new Promise((r) => held.close(r));
  await rm(work, { recursive: true, force: true });
});

const start = (name: string, args: readonly string[], env: Record<string, string>) =>
  run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', join(work, name), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE, ...env }, { timeoutMs: 60_000 });

describe('review rv3: a probes port in use is said as every port in use is, naming where it came from', () => {
  it('--health-listen on a port another process holds: exit 10, what to do', { timeout: 90_000 }, async () => {
    const r = await start('flag', ['--health-listen', `127.0.0.1:${port}`], {});
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(--health-listen\\): .*EADDRINUSE.*; another process listens there \\(a gatehouse server already running\\?\\): stop it, or give this server addresses of its own \\(--health-listen\\)`));
  });

  it('GATEHOUSE_HEALTH_LISTEN on a port another process holds: the setting named, not an option never given', { timeout: 90_000 }, async () => {
    const r = await start('env', [], { GATEHOUSE_HEALTH_LISTEN: `127.0.0.1:${port}` });
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(GATEHOUSE_HEALTH_LISTEN\\): .*EADDRINUSE.*; another process listens there .*\\(GATEHOUSE_HEALTH_LISTEN\\)`));
    assert.ok(!r.stderr.includes('--health-listen'), r.stderr);
  });
});
