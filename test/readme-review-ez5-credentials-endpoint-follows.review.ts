/**
 * Review `readme`, ez5: a data dir's `admin-credentials.json` named the server's address of its first start for good.
 * Started again on other addresses (`--listen`, or `--tls-cert` as README §6 asks for the webhooks; and `gatehouse demo
 * --keep`, which ends with "npx gatehouse server --data-dir DIR serves it again", every one of whose ports the system
 * had picked), the server served, and every CLI command with that data dir asked the old address: `ConnectionFailed:
 * cannot reach the Gatehouse server at http://127.0.0.1:34123: connection refused`. Now each start points the file's
 * `Endpoint` at its own URL, keeping the rest of the file as it is (keys, mode 0600), and says so in its log, unless a
 * Gatehouse server still answers at the address it names (an instance beside it on the same data dir); a file that is
 * not the server's JSON is left alone. Real servers on 127.0.0.1 (port 0: another port each start) on one
 * data dir, and the CLI in this process with no key in its environment, as README §2 runs it before any export.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-ez5-'));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const start = (dataDir: string, logs: string[]) => startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: (line) => void logs.push(line) });
const whoami = (dataDir: string) => gatehouseInProcess(['whoami', '--data-dir', dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir });

test('ez5: started again on another address, the server points admin-credentials.json at it, and the CLI reaches it', async () => {
  const dataDir = join(dir, 'data');
  const first = await start(dataDir, []);
  const file = join(dataDir, 'admin-credentials.json');
  const written = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  assert.equal(written['Endpoint'], first.url);
  await first.stop();

  const logs: string[] = [];
  const second = await start(dataDir, logs);
  try {
    assert.notEqual(second.url, first.url, 'port 0: another port');
    const now = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    assert.deepEqual(now, { ...written, Endpoint: second.url }, 'the keys and the order kept, the Endpoint this start\'s');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.ok(logs.includes(`${file}: Endpoint ${first.url} → ${second.url}, where this server listens (the CLI asks it)`), logs.join('\n'));
    const r = await whoami(dataDir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/admin\n/);
  } finally {
    await second.stop();
  }
});

test('ez5: an instance started beside a running one on the same data dir leaves the file naming the running one', async () => {
  const dataDir = join(dir, 'beside');
  const first = await start(dataDir, []);
  const file = join(dataDir, 'admin-credentials.json');
  try {
    const logs: string[] = [];
    const second = await start(dataDir, logs);
    await second.stop();
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as Record<string, string>)['Endpoint'], first.url);
    assert.ok(!logs.some((l) => l.includes('Endpoint')), logs.join('\n'));
    const r = await whoami(dataDir);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await first.stop();
  }
});

test('ez5: an admin-credentials.json that is not the server\'s JSON is left alone, and nothing said of it', async () => {
  const dataDir = join(dir, 'other');
  const first = await start(dataDir, []);
  const file = join(dataDir, 'admin-credentials.json');
  await first.stop();
  await writeFile(file, 'not json\n', { mode: 0o600 });
  const logs: string[] = [];
  const second = await start(dataDir, logs);
  try {
    assert.equal(await readFile(file, 'utf8'), 'not json\n');
    assert.ok(!logs.some((l) => l.includes('Endpoint')), logs.join('\n'));
  } finally {
    await second.stop();
  }
});

test('ez5: the README and server --help say that the file follows the server', async () => {
  const readme = (await readFile(new URL('../README.md', import.meta.url), 'utf8')).replace(/\s+/g, ' ');
  assert.ok(readme.includes("`.gatehouse/admin-credentials.json` (mode 0600), whose `Endpoint` each later start points at its own address (`--listen`, `--tls-cert`) unless a server still answers at the one it names"), 'README, Run it');
  const help = await gatehouseInProcess(['server', '--help'], {});
  assert.match(help.stdout.replace(/\s+/g, ' '), /writes DIR\/admin-credentials\.json \(mode 0600\); each later start points its Endpoint at this start's URL, unless a server still answers at the one it names\./);
});
