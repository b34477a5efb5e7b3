/**
 * Review tc, 1: a job's metadata endpoint answered Alibaba's `ram/security-credentials/` paths without a token (review
 * gu, 1: Alibaba's normal mode, for seed 002's ECI pods) whatever the job's account, and in an `aws` account they serve
 * the very session its `iam/` paths keep behind IMDSv2 (docs/decisions.md, "AWS's `iam/` paths stay IMDSv2 only"):
 * `AccessKeySecret` is the `SecretAccessKey`, `SecurityToken` the `Token`. So any request forgery in such a job (a
 * plain GET to a URL it is handed, no PUT, no header), which IMDSv2 exists to keep out, read the job's AWS credentials at
 * `…/ram/security-credentials/` and `…/<role>`, on the server's endpoint and a node agent's alike: the token rule of the
 * `iam/` paths was bypassed through the other cloud's path.
 *
 * Now the `ram/` paths of a job of an `aws` account are IMDSv2 only too: without a token they are 401 (naming the
 * Alibaba token headers), as the `iam/` paths; with a token they answer as before, so the Alibaba SDK's ECS provider
 * (`@alicloud/credentials`, which fetches a token first: credential-protocols §4.2) still reads them. A job of an `acs`
 * account keeps Alibaba's normal mode (seed 002's bare `curl`, the SDK's `EcsRamRoleCredential` without IMDSv2). A job
 * with nothing to serve is still told why without a token (review fg, 2).
 *
 * A real server on 127.0.0.1 and a node agent (createRelay) in front of its credential endpoints; the real ECS providers
 * of `@alicloud/credentials`, whose metadata host is fixed at 100.100.100.200, sent to the job's endpoint instead (the
 * new provider's `doRequest`, the legacy one's `getBody`, as reviews fg, 2 and gu, 1 do).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const require = createRequire(import.meta.url);
interface EcsProvider {
  doRequest: (req: { host: string }) => Promise<{ statusCode: number; body: Buffer }>;
  getCredentials(): Promise<{ accessKeyId: string }>;
  close(): void;
}
const ECS = (require('@alicloud/credentials/dist/src/providers/ecs_ram_role.js') as { default: { builder(): { build(): EcsProvider } } }).default;
const { doRequest } = require('@alicloud/credentials/dist/src/providers/http.js') as { doRequest: EcsProvider['doRequest'] };
interface LegacyEcs {
  getBody(url: string, options?: Record<string, unknown>): Promise<string>;
  getAccessKeyId(): Promise<string>;
}
const EcsRamRoleCredential = (require('@alicloud/credentials/dist/src/ecs_ram_role_credential.js') as { default: new (roleName?: string) => LegacyEcs }).default;

const ACS = '350000000201';
const UID = process.getuid?.() ?? 0;
let s: TestServer;
let relay: Relay;
let relayUrl = '';
let acsAdmin: Credentials;

type Submitted = { job: { id: string }; capability: string; environment: Record<string, string> };

before(async () => {
  s = await startTestServer();
  acsAdmin = await acsAccount(s, ACS);
  for (const admin of [s.admin, acsAdmin]) assert.ok((await call(connectionTo(s.url, admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  relay = createRelay({ upstream: s.running.agentUrl, revalidateMs: 60_000 });
  relayUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

const savedDisabled = process.env['ALIBABA_CLOUD_ECS_METADATA_DISABLED'];
before(() => void delete process.env['ALIBABA_CLOUD_ECS_METADATA_DISABLED']);
after(() => void (savedDisabled === undefined ? undefined : (process.env['ALIBABA_CLOUD_ECS_METADATA_DISABLED'] = savedDisabled)));

/** The base URL (ending in `/`) of a default-role job's metadata endpoint in `admin`'s account: the server's, or the node agent's. */
async function endpointOf(admin: Credentials, where: 'server' | 'agent'): Promise<string> {
  const r = await call<Submitted>(connectionTo(s.url, admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: UID, ...(where === 'agent' ? { imds: false } : {}) } });
  assert.ok(r.ok, JSON.stringify(r));
  if (where === 'server') return r.value.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  // As `jobs run --agent` asks the node agent for the job's endpoint.
  const opened = await fetch(`${relayUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: r.value.capability }, body: JSON.stringify({ uid: UID }) });
  const at = (await opened.json()) as { host?: string; port?: number };
  assert.equal(opened.status, 200, JSON.stringify(at));
  return `http://${at.host}:${at.port}/`;
}

/** What a plain GET (a request forgery: no PUT, no header) reads. */
async function plainGet(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

/** The key id the ECS provider of `@alicloud/credentials` reads at `base` (token first, IMDSv1 after a failure), or its error. */
async function ecsProvider(base: string): Promise<string> {
  const p = ECS.builder().build();
  p.doRequest = (req) => {
    req.host = new URL(base).host;
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

/** The key id the legacy `EcsRamRoleCredential` (no token: IMDSv1) reads at `base`, or its error. */
async function legacyTokenless(base: string): Promise<string> {
  const c = new EcsRamRoleCredential();
  const getBody = c.getBody.bind(c);
  c.getBody = (url, options) => getBody(url.replace('http://100.100.100.200/', base), options);
  try {
    return await c.getAccessKeyId();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** A job of an aws account at `base`: Alibaba's paths answer a plain GET 401, a client with a token as before. */
async function awsJobTokenOnly(base: string): Promise<void> {
  const role = 'GatehouseTrainingDefaultRole';
  for (const path of ['latest/meta-data/ram/security-credentials/', `latest/meta-data/ram/security-credentials/${role}`, 'latest/meta-data/iam/security-credentials/']) {
    const r = await plainGet(`${base}${path}`);
    // Before the fix: 200, the role's name and then the job's AWS session.
    assert.equal(r.status, 401, `${path}: ${r.body.slice(0, 80)}`);
    assert.match(r.body, /^unauthorized: PUT \/latest\/api\/token first/, path);
  }
  assert.match((await plainGet(`${base}latest/meta-data/ram/security-credentials/`)).body, /X-aliyun-ecs-metadata-token/);
  // The SDK fetches a token first and reads the session, the same one as AWS's path serves with a token.
  const keyId = await ecsProvider(base);
  assert.match(keyId, /^ASIA/, keyId);
  const token = await (await fetch(`${base}latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
  const aws = await fetch(`${base}latest/meta-data/iam/security-credentials/${role}`, { headers: { 'x-aws-ec2-metadata-token': token } });
  assert.equal(((await aws.json()) as { AccessKeyId?: string }).AccessKeyId, keyId);
  // A client that sends no token gets no credentials (before the fix: the job's ASIA… key).
  const tokenless = await legacyTokenless(base);
  assert.doesNotMatch(tokenless, /^ASIA/, tokenless);
}

test('tc1: the server’s endpoint of an aws account’s job answers Alibaba’s paths with a token only', async () => {
  await awsJobTokenOnly(await endpointOf(s.admin, 'server'));
});

test('tc1: a node agent’s endpoint of an aws account’s job answers Alibaba’s paths with a token only', async () => {
  await awsJobTokenOnly(await endpointOf(s.admin, 'agent'));
});

test('tc1: an acs account’s job keeps Alibaba’s normal mode, on both endpoints; a job without a role is still told why', async () => {
  for (const where of ['server', 'agent'] as const) {
    const base = await endpointOf(acsAdmin, where);
    const listing = await plainGet(`${base}latest/meta-data/ram/security-credentials/`);
    assert.deepEqual(listing, { status: 200, body: 'AliyunPAIDLCDefaultRole' }, where);
    const doc = await plainGet(`${base}latest/meta-data/ram/security-credentials/AliyunPAIDLCDefaultRole`);
    assert.equal(doc.status, 200, `${where}: ${doc.body}`);
    assert.equal((JSON.parse(doc.body) as { Code?: string }).Code, 'Success', where);
    assert.match(await legacyTokenless(base), /^STS\./, where);
    assert.match(await ecsProvider(base), /^STS\./, where);
    // AWS's path stays IMDSv2 only there.
    assert.equal((await plainGet(`${base}latest/meta-data/iam/security-credentials/`)).status, 401, where);
  }
  const r = await call<Submitted>(connectionTo(s.url, s.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'none', launcherUid: UID } });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(await plainGet(`${r.value.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT']}latest/meta-data/ram/security-credentials/`), { status: 404, body: `job ${r.value.job.id} has no role` });
});
