/**
 * Review ga, finding 2: `gatehouse server` given one address for two of its own listeners (`--agent-listen` the same
 * as `--listen`, `--health-listen 0.0.0.0:P` with `--listen 127.0.0.1:P`, or GATEHOUSE_HEALTH_LISTEN so) created the
 * data dir, opened the store, bound the first and failed on the second with `listen EADDRINUSE … another process
 * listens there (a gatehouse server already running?)`, exit 10 (unavailable, retry may succeed): a supervisor retried
 * it forever, and the operator looked for another process that was not there. Now it is a usage error before anything
 * is created, naming both settings, exit 2. The `gatehouse` executable, as an operator or a service manager runs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, freePort, run } from './support/processes.ts';

describe('review ga2: two listeners of gatehouse server on one address', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gatehouse-ga2-'));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const server = (dir: string, args: readonly string[], env: Record<string, string> = {}) =>
    run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dir, '--s3-listen', 'off', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE, ...env }, { timeoutMs: 30_000 });

  it('--agent-listen the same as --listen: exit 2 naming both, nothing created', async () => {
    const port = await freePort();
    const dir = join(work, 'a');
    const r = await server(dir, ['--listen', `127.0.0.1:${port}`, '--agent-listen', `127.0.0.1:${port}`]);
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.match(r.stderr, new RegExp(`--agent-listen 127\\.0\\.0\\.1:${port} and --listen 127\\.0\\.0\\.1:${port} are one address`));
    assert.doesNotMatch(r.stderr, /EADDRINUSE|another process/);
    assert.equal(existsSync(dir), false, 'the data dir is not created');
  });

  it('with --workers 2 too: the supervisor refuses them as given, exit 2, nothing created', async () => {
    const port = await freePort();
    const dir = join(work, 'w');
    const r = await server(dir, ['--workers', '2', '--listen', `127.0.0.1:${port}`, '--agent-listen', `127.0.0.1:${port}`]);
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.match(r.stderr, new RegExp(`--agent-listen 127\\.0\\.0\\.1:${port} and --listen 127\\.0\\.0\\.1:${port} are one address`));
    assert.equal(existsSync(dir), false, 'the data dir is not created');
  });

  it('--health-listen on every address with the port of --listen, or GATEHOUSE_HEALTH_LISTEN so: exit 2', async () => {
    const port = await freePort();
    const other = await freePort();
    const a = await server(join(work, 'b'), ['--listen', `127.0.0.1:${port}`, '--agent-listen', `127.0.0.1:${other}`, '--health-listen', `0.0.0.0:${port}`]);
    assert.equal(a.code, EXIT.usage, a.stderr);
    assert.match(a.stderr, new RegExp(`--health-listen 0\\.0\\.0\\.0:${port} and --listen 127\\.0\\.0\\.1:${port} are one address`));
    const b = await server(join(work, 'c'), ['--listen', `127.0.0.1:${port}`, '--agent-listen', `127.0.0.1:${other}`], { GATEHOUSE_HEALTH_LISTEN: `127.0.0.1:${other}` });
    assert.equal(b.code, EXIT.usage, b.stderr);
    assert.match(b.stderr, new RegExp(`GATEHOUSE_HEALTH_LISTEN 127\\.0\\.0\\.1:${other} and --agent-listen 127\\.0\\.0\\.1:${other} are one address`));
  });
});
