/**
 * Review sg, finding 1: `gatehouse server --listen 0.0.0.0:PORT` wrote `"Endpoint": "http://0.0.0.0:PORT"` to
 * admin-credentials.json (`[::]:PORT` as `http://[::]:PORT`), the server every CLI command with that data dir asks.
 * 0.0.0.0 is an address to listen on, not one to connect to: a client on Windows cannot (WSAEADDRNOTAVAIL), no
 * certificate names it (an https endpoint fails its host check), and the console's address had been moved off it for
 * that reason (review pm, 3). The file now names the wildcard's loopback address, 127.0.0.1 (`::` as `[::1]`), as the
 * console's and the job credential endpoints' addresses are; a file an earlier version wrote with the wildcard is
 * rewritten by the next start on it (its own address answering is no other instance's).
 *
 * Real servers (startServer) on 0.0.0.0 and [::], port 0; the CLI (in this process) asks the server the file names.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let home: string;
const running: RunningServer[] = [];
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-cli-review-sg1-'));
});
after(async () => {
  for (const s of running) await s.stop().catch(() => {});
  await rm(home, { recursive: true, force: true });
});

const start = async (dataDir: string, listen: string): Promise<RunningServer> => {
  const s = await startServer({ dataDir, listen, agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  running.push(s);
  return s;
};
const endpointIn = async (dataDir: string): Promise<string> => (JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { Endpoint: string }).Endpoint;

test('sg1: on 0.0.0.0 the credentials file names 127.0.0.1, and the CLI with that data dir reaches it', async () => {
  const dataDir = join(home, 'v4');
  const s = await start(dataDir, '0.0.0.0:0');
  const port = new URL(s.url).port;
  assert.equal(await endpointIn(dataDir), `http://127.0.0.1:${port}`);
  const r = await gatehouseInProcess(['whoami', '--data-dir', dataDir, '--json'], { HOME: home, AWS_MAX_ATTEMPTS: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.match((JSON.parse(r.stdout) as { arn: string }).arn, /:user\/admin$/);
});

test('sg1: on [::] the credentials file names [::1]', async () => {
  const dataDir = join(home, 'v6');
  const s = await start(dataDir, '[::]:0');
  assert.equal(await endpointIn(dataDir), `http://[::1]:${new URL(s.url).port}`);
});

test('sg1: a file naming this server by its wildcard (an earlier start) is rewritten to loopback', async () => {
  const dataDir = join(home, 'again');
  const first = await start(dataDir, '127.0.0.1:0');
  const port = new URL(first.url).port;
  await first.stop();
  running.splice(running.indexOf(first), 1);
  const file = join(dataDir, 'admin-credentials.json');
  const doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  await writeFile(file, `${JSON.stringify({ ...doc, Endpoint: `http://0.0.0.0:${port}` }, null, 2)}\n`, { mode: 0o600 });
  await start(dataDir, `0.0.0.0:${port}`);
  assert.equal(await endpointIn(dataDir), `http://127.0.0.1:${port}`);
});
