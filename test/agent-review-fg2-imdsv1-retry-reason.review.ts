/**
 * Review fg, 2: the Alibaba SDK's ECS provider was told the wrong reason when a job's metadata endpoint had no
 * credentials for it. `@alicloud/credentials` (ECSRAMRoleCredentialsProvider) asks again without a token after any
 * failure with one, unless IMDSv1 is disabled (credential-protocols §4.2), and reports only that second answer. The
 * endpoint answered every request without a token 401 "unauthorized: PUT /latest/api/token first", so a job run with
 * `--role none` (DESIGN.md: "every endpoint answers 404 `job <id> has no role`") failed with "get role name failed:
 * … 401", and a job that had ended with "get sts token failed, httpStatus: 401, message = unauthorized: PUT
 * /latest/api/token first", as if the token flow were broken. Now a request that carries no token is told what the job
 * has (404 no role, 410 ended, 503 none issued) when it has nothing to serve; a job that has credentials still
 * answers it 401 (no token, no answer), and a request with a wrong or expired token is 401 as before, so that SDKs
 * fetch a token again.
 *
 * A real server; the real ECS provider of `@alicloud/credentials`, whose metadata host is fixed (100.100.100.200),
 * sent to the job's metadata endpoint instead (its `doRequest`, kept for tests, with the host changed). Before the fix
 * both refusals read 401; after, 404 and 410 with the job's reason.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

interface AlibabaRequest {
  host: string;
}
interface EcsProvider {
  doRequest: (req: AlibabaRequest) => Promise<{ statusCode: number; body: Buffer }>;
  getCredentials(): Promise<{ accessKeyId: string }>;
  close(): void;
}
const require = createRequire(import.meta.url);
interface EcsBuilder {
  withRoleName(name: string): EcsBuilder;
  build(): EcsProvider;
}
const ECS = (require('@alicloud/credentials/dist/src/providers/ecs_ram_role.js') as { default: { builder(): EcsBuilder } }).default;
const { doRequest } = require('@alicloud/credentials/dist/src/providers/http.js') as { doRequest: EcsProvider['doRequest'] };

let s: TestServer;
type Job = { job: { id: string }; capability: string; environment: Record<string, string> };
let submit: (role: string) => Promise<Job>;

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  submit = async (role) => {
    const r = await call<Job>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role, launcherUid: process.getuid?.() ?? 0 } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };
});
after(async () => {
  await s?.stop();
});

/**
 * The Alibaba SDK's ECS provider, reading the job's metadata endpoint: its key id, or its error's message. With
 * `roleName` (`ALIBABA_CLOUD_ECS_METADATA`) it asks for that role's document at once, without the listing.
 */
async function ecsProvider(job: Job, roleName?: string): Promise<string> {
  const base = new URL(job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint'));
  const builder = ECS.builder();
  const p = (roleName === undefined ? builder : builder.withRoleName(roleName)).build();
  p.doRequest = (req) => {
    req.host = base.host;
    return doRequest(req);
  };
  try {
    return (await p.getCredentials()).accessKeyId;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    p.close();
  }
}

const saved = process.env['ALIBABA_CLOUD_ECS_METADATA_DISABLED'];
before(() => void delete process.env['ALIBABA_CLOUD_ECS_METADATA_DISABLED']);
after(() => void (saved === undefined ? undefined : (process.env['ALIBABA_CLOUD_ECS_METADATA_DISABLED'] = saved)));

test('fg2: a job with a role: the ECS provider gets its credentials; no token is still 401 on AWS’s paths', async () => {
  const job = await submit('default');
  assert.match(await ecsProvider(job), /^ASIA/);
  const base = job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '';
  for (const path of ['latest/meta-data/ram/security-credentials/', 'latest/meta-data/iam/security-credentials/GatehouseTrainingDefaultRole']) {
    // Alibaba's paths answer without a token in an acs account's job only (review gu, 1); this job's account is an aws
    // one, whose endpoint answers them with a token only, as AWS's (review tc, 1).
    assert.equal((await fetch(`${base}${path}`)).status, 401, `${path} without a token`);
    assert.equal((await fetch(`${base}${path}`, { headers: { 'x-aws-ec2-metadata-token': 'made-up', 'x-aliyun-ecs-metadata-token': 'made-up' } })).status, 401, `${path} with a wrong token`);
  }
});

test('fg2: a job without a role: the ECS provider is told 404, not 401', async () => {
  const job = await submit('none');
  const message = await ecsProvider(job);
  assert.match(message, /security-credentials\/ 404$/, message);
  const r = await fetch(`${job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT']}latest/meta-data/ram/security-credentials/`);
  assert.equal(r.status, 404);
  assert.equal(await r.text(), `job ${job.job.id} has no role`);
});

test('fg2: a job that ended: the ECS provider is told 410 and why, not 401', async () => {
  const job = await submit('default');
  const agent = (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  assert.match(await ecsProvider(job), /^ASIA/);
  // Its launcher started it and reported its end (the metadata port answers for a few seconds more, then closes).
  assert.equal((await fetch(`${agent}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: job.capability } })).status, 200);
  assert.equal((await fetch(`${agent}/v1/launcher/end`, { method: 'POST', headers: { authorization: job.capability }, body: '{"exitCode":0}' })).status, 200);
  const listing = await ecsProvider(job);
  assert.match(listing, /security-credentials\/ 410$/, listing);
  const document = await ecsProvider(job, 'GatehouseTrainingDefaultRole');
  assert.match(document, new RegExp(`httpStatus: 410, message = job ${job.job.id} has ended`), document);
});
