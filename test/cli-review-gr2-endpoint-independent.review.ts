/**
 * Review gr, 2: the CLI took the server's address from where the credentials came from. The data dir's
 * `admin-credentials.json` names the server (`Endpoint`, kept current by every start), but it was read only when the
 * admin's key in it signed: with keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile (AWS_PROFILE), `gatehouse
 * whoami --data-dir DIR` went to http://127.0.0.1:8470 and failed with "cannot reach the Gatehouse server", though DIR
 * named the server; in a job, the job's server (`AWS_ENDPOINT_URL`) was used only with the job's own session, so a
 * rank that exported keys of its own was sent to 127.0.0.1:8470 too. As in the aws CLI, where the endpoint is set
 * (`--endpoint-url`, `AWS_ENDPOINT_URL`, a profile's `endpoint_url`) independently of the credentials, the server is
 * now `--endpoint`, else GATEHOUSE_ENDPOINT, else the job's AWS_ENDPOINT_URL (in a job), else the data dir's
 * `Endpoint`, else http://127.0.0.1:8470, whatever signs; the file's keys are still used only when nothing else gives
 * credentials.
 *
 * The CLI in this process against a real server on 127.0.0.1 (its port is not 8470).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
let alice: Credentials;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-gr2-'));
  alice = await userWithKey(server, 'alice');
  assert.notEqual(new URL(server.url).port, '8470');
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const base = (): Record<string, string> => ({ HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin' });
const whoami = (args: readonly string[], env: Record<string, string>) => gatehouseInProcess(['whoami', '--json', ...args], env);
const arnOf = (stdout: string): string => (JSON.parse(stdout) as { arn: string }).arn;

test('gr2: keys from the environment go to the server the data dir names', async () => {
  const r = await whoami(['--data-dir', server.dataDir], { ...base(), AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey });
  assert.equal(r.code, 0, r.stderr);
  assert.match(arnOf(r.stdout), /:user\/alice$/, 'signed with the environment’s keys, not the admin file’s');
});

test('gr2: a profile’s keys go to the server the data dir names', async () => {
  const credentials = join(home, 'credentials');
  await writeFile(credentials, `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`, { mode: 0o600 });
  const r = await whoami(['--data-dir', server.dataDir], { ...base(), AWS_PROFILE: 'alice', AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: join(home, 'none') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(arnOf(r.stdout), /:user\/alice$/);
});

test('gr2: --endpoint and GATEHOUSE_ENDPOINT still win over the data dir', async () => {
  const env = { ...base(), AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey, AWS_MAX_ATTEMPTS: '1' };
  const unreachable = 'http://127.0.0.1:9';
  for (const r of [await whoami(['--data-dir', server.dataDir, '--endpoint', unreachable], env), await whoami(['--data-dir', server.dataDir], { ...env, GATEHOUSE_ENDPOINT: unreachable })]) {
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /127\.0\.0\.1:9\b/);
  }
});

test('gr2: in a job, keys of the rank’s own go to the job’s server (AWS_ENDPOINT_URL)', async () => {
  const job = {
    GATEHOUSE_JOB_ID: 'j-gr2',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/v1/container-credentials',
    AWS_CONTAINER_AUTHORIZATION_TOKEN: 'not-used',
    AWS_ENDPOINT_URL: server.url,
  };
  const r = await whoami([], { ...base(), ...job, AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey });
  assert.equal(r.code, 0, r.stderr);
  assert.match(arnOf(r.stdout), /:user\/alice$/);
});

test('gr2: an admin file that cannot be read or parsed is not an error when other keys sign', async () => {
  const dir = await mkdtemp(join(home, 'bad-'));
  await writeFile(join(dir, 'admin-credentials.json'), 'not json', { mode: 0o600 });
  const env = { ...base(), AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey };
  const r = await whoami(['--data-dir', dir, '--endpoint', server.url], env);
  assert.equal(r.code, 0, r.stderr);
  const none = await whoami(['--data-dir', join(home, 'missing'), '--endpoint', server.url], env);
  assert.equal(none.code, 0, none.stderr);
});
