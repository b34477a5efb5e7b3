/**
 * Review gu, 1: a job's Alibaba metadata paths answered every request without a token 401 "unauthorized: PUT
 * /latest/api/token first". Alibaba's metadata server answers them in its normal mode, the default of ECS and ECI
 * (`HttpTokens=optional`; only the opt-in security hardening mode requires a token), and seed 002 reads a pod's
 * credentials exactly so: `curl …/latest/meta-data/ram/security-credentials/<role>`, and its Go example lists the role
 * with a bare `curl` first. A user following the seed, or the SDK's own `EcsRamRoleCredential` (IMDSv1 unless
 * `ALIBABA_CLOUD_ECS_IMDSV2_ENABLE`), got 401. Now `ram/security-credentials/` and `…/<role>` answer a request
 * without a token (the peer, Host and browser checks still apply); a wrong or expired token is still 401, a tokenless
 * read relayed by a proxy (`X-Forwarded-For`) is 403, and AWS's `iam/` paths stay token-only.
 *
 * A real server, the real `curl` with the seed's commands, and the `EcsRamRoleCredential` of `@alicloud/credentials`
 * (whose host is fixed at 100.100.100.200: its `getBody` is sent to the job's endpoint instead, as review fg, 2 sends
 * the ECS provider's `doRequest`).
 *
 * The job is of an `acs` account, as the seed's ECI pods are: since review tc, 1 a job of an `aws` account answers
 * Alibaba's paths with a token only, as AWS's, since they serve the same session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { call } from '../src/adapters/cli/client.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
interface LegacyEcs {
  getBody(url: string, options?: Record<string, unknown>): Promise<string>;
  getAccessKeyId(): Promise<string>;
  getSecurityToken(): Promise<string>;
}
const EcsRamRoleCredential = (require('@alicloud/credentials/dist/src/ecs_ram_role_credential.js') as { default: new (roleName?: string) => LegacyEcs }).default;

let s: TestServer;
let base: string;
const ROLE = 'AliyunPAIDLCDefaultRole';

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, await acsAccount(s, '350000000202'));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  base = r.value.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
});
after(async () => {
  await s?.stop();
});

const curl = async (url: string, ...headers: string[]): Promise<{ status: number; body: string }> => {
  const { stdout } = await run('curl', ['-s', '--noproxy', '*', '-w', '\n%{http_code}', ...headers.flatMap((h) => ['-H', h]), url]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
};

test('gu1: the seed’s curl lists the role and reads its document without a token', async () => {
  const list = await curl(`${base}latest/meta-data/ram/security-credentials/`);
  assert.deepEqual(list, { status: 200, body: ROLE });
  const doc = await curl(`${base}latest/meta-data/ram/security-credentials/${list.body}`);
  assert.equal(doc.status, 200, doc.body);
  const d = JSON.parse(doc.body) as Record<string, string>;
  assert.deepEqual(Object.keys(d).sort(), ['AccessKeyId', 'AccessKeySecret', 'Code', 'Expiration', 'LastUpdated', 'SecurityToken']);
  assert.equal(d['Code'], 'Success');
  assert.match(d['Expiration'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('gu1: the SDK’s EcsRamRoleCredential (IMDSv1 by default) gets the credentials', async () => {
  const c = new EcsRamRoleCredential();
  const getBody = c.getBody.bind(c);
  c.getBody = (url, options) => getBody(url.replace('http://100.100.100.200/', base), options);
  assert.match(await c.getAccessKeyId(), /^STS\./);
  assert.ok((await c.getSecurityToken()).length > 0);
});

test('gu1: a wrong token is still 401, a proxied tokenless read 403, and AWS’s iam/ paths still need a token', async () => {
  assert.equal((await curl(`${base}latest/meta-data/ram/security-credentials/${ROLE}`, 'X-aliyun-ecs-metadata-token: made-up')).status, 401);
  assert.deepEqual(await curl(`${base}latest/meta-data/ram/security-credentials/`, 'X-Forwarded-For: 10.0.0.1'), { status: 403, body: 'forbidden: a request without a token must not carry X-Forwarded-For' });
  assert.equal((await curl(`${base}latest/meta-data/iam/security-credentials/`)).status, 401);
  assert.equal((await curl(`${base}latest/meta-data/ram/security-credentials/other`)).status, 404);
});
