/**
 * Review agent, cf1: `gatehouse jobs run` and `gatehouse credentials --job` work when the job's credential endpoints
 * are on a port that fetch refuses. The launcher (heartbeats, the credentials file, the node agent's metadata
 * endpoint, the job's end) and `credentials --job` read the endpoints with `fetch`, which refuses every port on the
 * browsers' blocked list (6000, 6665–6669, 10080…) before connecting ("bad port"); the CLI's own client and the node
 * agent use node:http for that reason (relay.ts). With `--agent-listen 127.0.0.1:6666` (or a node agent there) a job
 * ran without its credentials file, its heartbeats were lost (the server ends such a job as Failed) and its end was
 * never reported, and `credentials --job` printed nothing. Against a real server and the real executable: the rank
 * reads the file, and `credentials --job` prints the job's credentials.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { COMPILE_CACHE, connectionTo, GATEHOUSE_BIN, keysOf } from './support/processes.ts';

/** On fetch's blocked list (undici `badPorts`, as browsers'). */
const BLOCKED_PORT = 6666;

let home: string;
let server: RunningServer | undefined;
let skip: string | undefined;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-cf1-'));
  if (!(await bindable(BLOCKED_PORT))) {
    skip = `127.0.0.1:${BLOCKED_PORT} is taken`;
    return;
  }
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: `127.0.0.1:${BLOCKED_PORT}`, env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

/** A rank that prints the key id of its credentials file, then what `gatehouse credentials --job` prints. */
const RANK = `
const fs = require('fs');
const { execFileSync } = require('child_process');
let file;
try { file = JSON.parse(fs.readFileSync(process.env.GATEHOUSE_CREDENTIALS_FILE, 'utf8')).AccessKeyId; } catch (e) { file = 'no file: ' + e.code; }
let process_;
try { process_ = JSON.parse(execFileSync(process.execPath, [${JSON.stringify(GATEHOUSE_BIN)}, 'credentials', '--job'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })); } catch (e) { process_ = { error: String(e.stderr || e.message) }; }
process.stdout.write(JSON.stringify({ file, process: process_ }));
`;

test('cf1: a job whose endpoints are on a port fetch refuses gets its credentials file and credential_process', async (t) => {
  if (skip !== undefined || server === undefined) return t.skip(skip);
  assert.ok(server.adminCredentials);
  const keys = keysOf(server.adminCredentials);
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'w', '--no-imds', '--', process.execPath, '-e', RANK],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, GATEHOUSE_ENDPOINT: (server as RunningServer).url }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { file: string; process: { Version?: number; AccessKeyId?: string; error?: string } };
  assert.match(out.file, /^ASIA/, `the credentials file was not written: ${out.file}\n${r.stderr}`);
  assert.equal(out.process.error, undefined, out.process.error);
  assert.equal(out.process.Version, 1);
  assert.equal(out.process.AccessKeyId, out.file);
  assert.doesNotMatch(r.stderr, /could not refresh/);
});
