/**
 * Review `readme`, gy1: "Run it" says the server writes `.gatehouse/admin-credentials.json`, "whose `Endpoint` each
 * later start points at its own address (`--listen`, `--tls-cert`)…; the CLI finds it there". It did only while it
 * also signed with that file's key. The tour exports keys from §2 on (the admin's, then alice's and bob's in §4 and
 * §5, a profile in §3), and a platform engineer who started the server on another address (`npx gatehouse server
 * --listen 127.0.0.1:28470`, since something else held 8470) saw the very next gatehouse command of the tour, `npx
 * gatehouse iam users list`, fail with `ConnectionFailed: cannot reach the Gatehouse server at http://127.0.0.1:8470:
 * connection refused`, exit 10, and `jobs run` of alice after it; worse, with another Gatehouse on 8470, the keys
 * went to that server. Now the server is still the one the data dir's `admin-credentials.json` names, whichever keys
 * sign (the environment's or a profile's): `--endpoint`, else `GATEHOUSE_ENDPOINT`, else that file's `Endpoint`,
 * else `http://127.0.0.1:8470`. A real server on 127.0.0.1 (a port the system picks, never 8470) whose data dir is
 * `./.gatehouse` of the command's working directory, as the README runs it; the CLI in this process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let dir: string;
let server: TestServer;
let alice: Credentials;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-gy1-'));
  server = await startTestServer({ dataDir: join(dir, '.gatehouse'), keepDir: true });
  alice = await userWithKey(server, 'alice');
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const base = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(dir, 'home') });
const keys = (c: Credentials) => ({ AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey });

test('gy1: the admin\'s keys exported (§2), `iam users list` asks the server admin-credentials.json names', async () => {
  assert.notEqual(server.url, 'http://127.0.0.1:8470');
  const r = await gatehouseInProcess(['iam', 'users', 'list'], { ...base(), ...keys(server.admin) }, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^admin +arn:aws:iam::000000000000:user\/admin /m);
  assert.match(r.stdout, /^alice +arn:aws:iam::000000000000:user\/alice /m);
});

test('gy1: alice\'s keys exported (§4), the command signs as alice, at the data dir\'s server', async () => {
  const r = await gatehouseInProcess(['whoami'], { ...base(), ...keys(alice) }, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/alice\n/);
  const other = await gatehouseInProcess(['whoami', '--data-dir', join(dir, '.gatehouse')], { ...base(), ...keys(alice) });
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stdout, /^arn:aws:iam::000000000000:user\/alice\n/, '--data-dir names the file too');
});

test('gy1: a profile\'s keys (AWS_PROFILE, §3) go to the data dir\'s server too', async () => {
  const home = join(dir, 'home');
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(join(home, '.aws', 'credentials'), `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`);
  const r = await gatehouseInProcess(['whoami'], { ...base(), AWS_PROFILE: 'alice' }, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/alice\n/);
});

test('gy1: GATEHOUSE_ENDPOINT and --endpoint still win over the file', async () => {
  const closed = 'http://127.0.0.1:9';
  for (const [args, env] of [[['whoami'], { GATEHOUSE_ENDPOINT: closed }], [['whoami', '--endpoint', closed], {}]] as const) {
    const r = await gatehouseInProcess(args, { ...base(), ...keys(alice), ...env, AWS_MAX_ATTEMPTS: '1' }, { cwd: dir });
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /cannot reach the Gatehouse server at http:\/\/127\.0\.0\.1:9\b/);
  }
});

test('gy1: --help says where the server comes from', async () => {
  const r = await gatehouseInProcess(['whoami', '--help'], { ...base(), ...keys(alice) }, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.replace(/\s+/g, ' '), /the Gatehouse server, whatever credentials sign \(default: GATEHOUSE_ENDPOINT, else in a job its AWS_ENDPOINT_URL, else the Endpoint in --data-dir's admin-credentials\.json/);
});
