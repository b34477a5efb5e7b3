/**
 * Review `readme`, bn3: "Run it" says the server serves the API on 8470, the credential endpoints of training jobs on
 * 8471 (`--agent-listen`) and the S3 gateway on 8472. Its start line named the API and the gateway only, so the port
 * the tour's jobs get their credentials from was nowhere in the log. And a second `npx gatehouse server` (the tour's
 * terminal opened twice) said `cannot listen on 127.0.0.1:8470: listen EADDRINUSE…`, naming neither the option nor
 * what to do, where the other two listeners' messages name theirs. Now the start line names the credential
 * endpoints' URL, and an address in use says which option and what to do (exit 10, as before).
 * The real binary in its own process (`serverProcess`, `run`), on ports the system picks.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { freePort, GATEHOUSE_BIN, run, serverProcess, type ServerProcess } from './support/processes.ts';

const work = await mkdtemp(join(tmpdir(), 'gatehouse-bn3-'));
const PATH = process.env['PATH'] ?? '';
let first: ServerProcess | undefined;

after(async () => {
  first?.child.kill('SIGTERM');
  if (first && first.child.exitCode === null) await new Promise((resolve) => first?.child.once('exit', resolve));
  await rm(work, { recursive: true, force: true });
});

test('bn3: the start line names the credential endpoints; a second server on the same ports names the option and what to do', async () => {
  const [api, creds] = [await freePort(), await freePort()];
  const args = ['--data-dir', join(work, 'data'), '--listen', `127.0.0.1:${api}`, '--agent-listen', `127.0.0.1:${creds}`, '--s3-listen', '127.0.0.1:0'];
  first = await serverProcess(args, { HOME: work });
  const line = first.output.join('').split('\n').find((l) => l.startsWith('gatehouse listening on')) ?? '';
  assert.match(line, new RegExp(`^gatehouse listening on http://127\\.0\\.0\\.1:${api}, job credential endpoints on http://127\\.0\\.0\\.1:${creds}, S3 gateway on http://127\\.0\\.0\\.1:\\d+ `), line);

  const second = await run(process.execPath, [GATEHOUSE_BIN, 'server', ...args], { PATH, HOME: work }, { timeoutMs: 30_000 });
  assert.equal(second.code, EXIT.unavailable, second.stderr);
  assert.ok(
    second.stderr.includes(`cannot listen on 127.0.0.1:${api} (--listen): listen EADDRINUSE`) &&
      second.stderr.includes('another process listens there (a gatehouse server already running?): stop it, or give this server addresses of its own (--listen, --agent-listen, --s3-listen)'),
    second.stderr,
  );
  // The credential endpoints' address, taken while the API's is free: named likewise.
  const third = await run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', join(work, 'other'), '--listen', '127.0.0.1:0', '--agent-listen', `127.0.0.1:${creds}`, '--s3-listen', 'off'], { PATH, HOME: work }, { timeoutMs: 30_000 });
  assert.equal(third.code, EXIT.unavailable, third.stderr);
  assert.ok(third.stderr.includes(`cannot listen on 127.0.0.1:${creds} (--agent-listen): listen EADDRINUSE`) && third.stderr.includes('a gatehouse server already running?'), third.stderr);
});
