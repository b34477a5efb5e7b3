/**
 * Review mr, 2: with AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN set (and no keys, no profile), the CLI signed as `--data-dir`'s admin, where the AWS tools sign as the role.
 * botocore's chain (credential-protocols §3.4: env, assume-role, web identity, …) and the JavaScript SDK's (§2.5) take
 * those variables as "this process is a session of ROLE, assumed with that token" (EKS pod identity, a CI runner's
 * OIDC token, README §3's workloads against Gatehouse); gatehouse passed them over and fell through to the data dir's
 * admin-credentials.json, the account's admin: `gatehouse whoami` answered `user/admin` and every command acted with
 * the admin's rights, where `aws sts get-caller-identity` answered the role's session. A profile that uses web identity
 * was already refused (`InvalidProfile`, "which gatehouse does not follow"), never replaced by the admin's key (review
 * ec); the variables were not. Now they are refused alike (`WebIdentityNotFollowed`, exit 2, nothing sent), saying what
 * to do; keys in the environment or a profile named still sign as before, as they come first in the AWS tools' chains.
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let home = '';
const ROLE = 'arn:aws:iam::000000000000:role/mr2-workload';
before(async () => {
  server = await startTestServer();
  home = join(server.dataDir, 'home-mr2');
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(join(home, 'token'), 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln');
  await writeFile(join(home, '.aws', 'credentials'), `[mr2]\naws_access_key_id = ${server.admin.accessKeyId}\naws_secret_access_key = ${server.admin.secretAccessKey}\n`);
});
after(async () => {
  await server?.stop();
});

const base = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: server.url });
const webIdentity = () => ({ AWS_WEB_IDENTITY_TOKEN_FILE: join(home, 'token'), AWS_ROLE_ARN: ROLE });
const whoami = (env: Record<string, string>) => gatehouseInProcess(['whoami', '--data-dir', server.dataDir], env);

test('mr2: without the variables, --data-dir\'s admin signs (as before)', async () => {
  const r = await whoami(base());
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stdout, /:user\/admin\n/);
});

test('mr2: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not passed over for the admin file: refused, naming them', async () => {
  const r = await whoami({ ...base(), ...webIdentity() });
  assert.equal(r.code, EXIT.usage, `${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing answered as the admin');
  assert.match(r.stderr, /^gatehouse: WebIdentityNotFollowed: /);
  assert.match(r.stderr, /AWS_WEB_IDENTITY_TOKEN_FILE/);
  assert.ok(r.stderr.includes(ROLE), r.stderr);
  assert.doesNotMatch(r.stderr, /eyJ/, 'the token is never shown');
});

test('mr2: under --json the refusal is the JSON error', async () => {
  const r = await gatehouseInProcess(['whoami', '--data-dir', server.dataDir, '--json'], { ...base(), ...webIdentity() });
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.equal((JSON.parse(r.stderr) as { error: { code: string } }).error.code, 'WebIdentityNotFollowed');
});

test('mr2: keys in the environment, or a profile named, still sign with the variables set (they come first)', async () => {
  const keys = await whoami({ ...base(), ...webIdentity(), AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey });
  assert.equal(keys.code, EXIT.ok, keys.stderr);
  const profile = await gatehouseInProcess(['whoami', '--profile', 'mr2', '--data-dir', join(home, 'none')], { ...base(), ...webIdentity() });
  assert.equal(profile.code, EXIT.ok, profile.stderr);
});
