/**
 * Review pi, 4: `gatehouse server` refuses two of its own listeners given one address as a usage error before anything
 * is created (review ga2), but compared the hosts as spelt: `--listen localhost:P --agent-listen 127.0.0.1:P` (one
 * address where `localhost` is 127.0.0.1, as in /etc/hosts of most systems) passed the check, created the data dir,
 * opened the store, bound `--listen` and failed on `--agent-listen` with `listen EADDRINUSE … another process listens
 * there (a gatehouse server already running?)`, exit 10 (unavailable: a supervisor retries it forever), and the
 * operator looked for a process that was not there. Now each host name is compared as `listen` resolves it
 * (`dns.lookup`): exit 2 naming both settings and what the name resolves to, nothing created; by the `--workers`
 * supervisor too. Contract: DESIGN.md "Interfaces" (`--listen`, `--agent-listen`), review ga2's decision; the
 * `gatehouse` executable, as an operator or a service manager runs it.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, freePort, run } from './support/processes.ts';

describe('review pi4: localhost and its address are one address', () => {
  let work = '';
  // What `localhost` is on this machine (127.0.0.1 on most, ::1 on some), spelt as --agent-listen takes it.
  let address = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gatehouse-pi4-'));
    const a = (await lookup('localhost')).address;
    address = a.includes(':') ? `[${a}]` : a;
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const server = (dir: string, args: readonly string[]) =>
    run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dir, '--s3-listen', 'off', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE }, { timeoutMs: 30_000 });

  for (const workers of [[], ['--workers', '2']]) {
    it(`--listen localhost:P --agent-listen <its address>:P${workers.length > 0 ? ' with --workers 2' : ''}: exit 2 naming both, nothing created`, async () => {
      const port = await freePort();
      const dir = join(work, `d${workers.length}`);
      const r = await server(dir, [...workers, '--listen', `localhost:${port}`, '--agent-listen', `${address}:${port}`]);
      assert.equal(r.code, EXIT.usage, r.stderr);
      assert.match(r.stderr, new RegExp(`--agent-listen \\S+:${port} and --listen localhost:${port} \\(localhost is [^)]+\\) are one address`));
      assert.doesNotMatch(r.stderr, /EADDRINUSE|another process/);
      assert.equal(existsSync(dir), false, 'the data dir is not created');
    });
  }
});
