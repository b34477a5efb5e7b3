/**
 * Review `readme`, ez4: `gatehouse agent` (README §4's node agent) exited 1 when it could not start: for an
 * `--upstream` that is not a URL (`--upstream 127.0.0.1:8471`, the README's `http://<server>:8471` without its
 * scheme), a malformed `--listen`, and an address in use (`--listen 127.0.0.1:8471` beside the server's own
 * `--agent-listen`, the README's example on one machine). docs/errors.md gives 1 to a negative answer only, "a status
 * never changes meaning"; `gatehouse server` exits 2 and 10 for the same failures, and the agent itself exited 2 for a
 * bad `--metadata-host` or `--revalidate`. Now the agent's start exits as the server's: 2 for a malformed argument, 10
 * for an address it cannot listen on (saying another process holds it), and `agent --help` lists its exit statuses.
 * The real binary in its own process, as a service manager runs it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { GATEHOUSE_BIN } from './support/processes.ts';

let held: Server;
let port: number;

before(async () => {
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  port = (held.address() as { port: number }).port;
});

after(async () => {
  await new Promise((resolve) => held.close(resolve));
});

/** `gatehouse agent ARGS` until it exits (a start that fails exits at once): its status and standard error. */
function agent(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

test('ez4: an --upstream without its scheme, or a --listen without a host, is a usage error (2)', async () => {
  const upstream = await agent(['--upstream', '127.0.0.1:8471', '--listen', '127.0.0.1:0']);
  assert.equal(upstream.code, 2, upstream.stderr);
  assert.match(upstream.stderr, /^gatehouse agent: --upstream must be an http:\/\/ or https:\/\/ URL, got `127\.0\.0\.1:8471`$/m);
  const listen = await agent(['--upstream', 'http://127.0.0.1:9', '--listen', '8471']);
  assert.equal(listen.code, 2, listen.stderr);
  assert.match(listen.stderr, /--listen must be HOST:PORT, got `8471`/);
});

test('ez4: a --listen address another process holds is unavailable (10), saying so', async () => {
  const r = await agent(['--upstream', 'http://127.0.0.1:9', '--listen', `127.0.0.1:${port}`]);
  assert.equal(r.code, 10, r.stderr);
  assert.match(r.stderr, new RegExp(`^gatehouse agent: cannot listen on 127\\.0\\.0\\.1:${port} \\(--listen\\): listen EADDRINUSE: .*; another process listens there \\(an agent or a gatehouse server already running\\?\\): stop it, or give this agent another --listen$`, 'm'));
});

test('ez4: agent --help lists its exit statuses, and docs/errors.md gives the agent 2 and 10', async () => {
  const out = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'agent', '--help'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.once('close', (code) => resolve(code === 0 ? text : `exit ${code}`));
  });
  assert.match(out.replace(/\s+/g, ' '), /Exit status: 0 stopped; 2 a malformed argument \(--upstream, --listen, --revalidate, --metadata-host\); 5 --ca-bundle cannot be read or holds no certificate; 10 the --listen address is in use or cannot be bound/);
  const errors = (await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8')).replace(/\s+/g, ' ');
  assert.ok(errors.includes('for `gatehouse agent`, a malformed `--upstream`, `--listen`, `--revalidate` or `--metadata-host`'), 'docs/errors.md status 2');
  assert.ok(errors.includes('for `gatehouse agent`, its `--listen` address in use or not bindable'), 'docs/errors.md status 10');
});
