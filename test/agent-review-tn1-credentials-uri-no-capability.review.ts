/**
 * Review tn, 1: a job's `ALIBABA_CLOUD_CREDENTIALS_URI` (and `ALIBABACLOUD_CREDENTIALS_URI`) carried the ranks' live
 * capability in its path (`http://…:8471/v1/credentials/<capability>`), and the Alibaba SDKs write the whole URI into
 * their errors: credentials-go's `URLCredentialsProvider` ("get credentials from <url> failed: …" on any answer but 200,
 * credentials/providers/uri.go), the legacy `URICredential` of `@alicloud/credentials` ("Get credentials from <url>
 * failed, status code is …", dist/src/uri_credential.js). A 503 of an outage, a 409 of a refused issuance or an agent
 * restarting put the capability in the job's logs, and whoever reads the logs (a log shipper's readers, another user
 * of the node) read the job's credentials with it: a secret in logs (review-common: "a secret that leaks"; the brief:
 * "secrets never in logs/errors/audit"). Contract: DESIGN.md "Job credential environment" (the URI is given),
 * credential-protocols §4.1 and §9.4 (the provider sends no header, so the URI authenticates by its host or a
 * capability: "bind to loopback/sidecar or embed a capability in the URL").
 *
 * Now a job of an Alibaba-style account with a metadata endpoint reads the URI there, with no capability
 * (`http://127.0.0.1:<port>/v1/credentials`): the endpoint's peer check by uid admits the caller, as it admits the
 * tokenless `ram/` reads that serve the same session (review gu, 1), so a URI copied out of a log is of no use to
 * anyone else. A job of an `aws` account kept the capability (a tokenless read of its session on that port is what
 * review tc, 1 closed; since review tv, 2 it reads the URI there on a path with a key no forgery can guess), and so
 * does a job without a metadata endpoint (`--no-imds`, a pod).
 *
 * The launcher refreshes the credentials file from the capability URI on the credential port (the metadata endpoint
 * serves only the uid it reported), and where the server's metadata endpoint is not the job's on this machine it gives
 * the ranks that URI back, as it takes their `AWS_EC2_METADATA_SERVICE_ENDPOINT` away.
 *
 * A real server, and the real `@alicloud/credentials` (its `credentials_uri` type and its legacy `URICredential`,
 * whose error is the one that names the URI) on 127.0.0.1. Linux only (elsewhere the endpoint cannot check a uid and
 * the URI keeps its capability).
 *
 * Before the fix 5 of 6 tests failed (the fifth, the launcher's credentials file, passed before and is kept by the fix).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { launch } from '../src/adapters/launcher/run.ts';
import { call } from '../src/adapters/cli/client.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { Credential, refusedToThisUid, submitWithUid, UID, URICredential, uriOnEndpointWithoutCapability, type Submitted } from './support/credentials-uri.ts';

const linux = process.platform === 'linux';
let s: TestServer;
let acsAdmin: Credentials;

before(async () => {
  s = await startTestServer();
  acsAdmin = await acsAccount(s, '350000000241');
  for (const admin of [s.admin, acsAdmin]) assert.ok((await call(connectionTo(s.url, admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
const homes: string[] = [];
after(async () => {
  await s?.stop();
  for (const h of homes) await rm(h, { recursive: true, force: true });
});

const submit = (admin: Credentials, uid: number): Promise<Submitted> => submitWithUid(s, admin, uid);

test('tn1: an acs job’s credentials URI holds no capability, and is on its uid-checked metadata endpoint', { skip: !linux }, async () => {
  const j = await submit(acsAdmin, UID);
  uriOnEndpointWithoutCapability(j);
  const env = j.environment;
  // The real SDK reads it: `credentials_uri` (what the default chain ends at).
  const uri = env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '';
  const c = await new Credential({ type: 'credentials_uri', credentialsURI: uri }).getCredential();
  assert.match(c.accessKeyId, /^STS\./);
  assert.ok(c.securityToken.length > 0);
});

test('tn1: the SDK’s error once the job ended names the URI, and no capability with it', { skip: !linux }, async () => {
  const j = await submit(acsAdmin, UID);
  const uri = j.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '';
  const ranks = j.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
  assert.match(await new URICredential(uri).getAccessKeyId(), /^STS\./);
  assert.ok((await call(connectionTo(s.url, acsAdmin), 'POST', ['jobs', j.job.id, 'stop'])).ok);
  const e = await new URICredential(uri).getAccessKeyId().then(() => assert.fail('served after the job ended'), (x: Error) => x);
  assert.match(e.message, /^Get credentials from http:\/\/127\.0\.0\.1:\d+\/v1\/credentials failed, status code is 410$/);
  assert.ok(!e.message.includes(ranks), e.message);
});

test('tn1: the URI copied out of a log serves no process of another uid', { skip: !linux }, async () => {
  // A job whose launcher reported another uid: this test's process is then that "other user".
  const j = await submit(acsAdmin, UID + 1);
  await refusedToThisUid(j.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '');
});

test('tn1: an aws job’s URI is on its metadata endpoint with a key (review tv, 2), and the bare URI serves it to no one', { skip: !linux }, async () => {
  const j = await submit(s.admin, UID);
  const uri = j.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '';
  assert.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\/[\w-]{43}$/);
  assert.ok(!uri.includes(j.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '-'), uri);
  assert.match(await new URICredential(uri).getAccessKeyId(), /^ASIA/);
  const bare = new URL('v1/credentials', j.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '').href;
  const r = await fetch(bare);
  const body = (await r.json()) as { Code?: string };
  assert.equal(r.status, 403);
  assert.equal(body.Code, 'Forbidden');
});

test('tn1: the launcher still writes the credentials file, from the capability URI, and the ranks get the bare one', { skip: !linux }, async () => {
  // Its launcher reported another uid, so the metadata endpoint refuses this process: the file is the launcher's
  // to write all the same (it reads the credential port with the ranks' capability, as before).
  const j = await submit(acsAdmin, UID + 1);
  const home = await mkdtemp(join(tmpdir(), 'gh-agent-review-tn1-'));
  homes.push(home);
  const out = join(home, 'rank-uri');
  const status = await launch({
    jobId: j.job.id,
    capability: j.capability,
    agentUrl: (j.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, ''),
    environment: j.environment,
    command: ['/bin/sh', '-c', 'test -s "$GATEHOUSE_CREDENTIALS_FILE" && printf %s "$ALIBABA_CLOUD_CREDENTIALS_URI" > "$1"', 'rank', out],
    replicas: 1,
    credentialsFile: join(home, 'credentials'),
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '' },
    log: () => {},
  });
  assert.equal(status, 0, 'the rank found the credentials file written');
  assert.equal(await readFile(out, 'utf8'), j.environment['ALIBABA_CLOUD_CREDENTIALS_URI']);
});

test('tn1: where the server’s metadata endpoint is not the job’s here, the ranks get the capability URI back', { skip: !linux }, async () => {
  const j = await submit(acsAdmin, UID);
  // The server as if on another machine: nothing of the job answers at its metadata port here.
  const closed = createServer();
  const port = await new Promise<number>((r) => closed.listen(0, '127.0.0.1', () => r((closed.address() as { port: number }).port)));
  await new Promise((r) => closed.close(r));
  const away = (v: string): string => v.replace(/:\d+\//, `:${port}/`);
  const environment = { ...j.environment, AWS_EC2_METADATA_SERVICE_ENDPOINT: away(j.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? ''), ALIBABA_CLOUD_CREDENTIALS_URI: away(j.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? ''), ALIBABACLOUD_CREDENTIALS_URI: away(j.environment['ALIBABACLOUD_CREDENTIALS_URI'] ?? '') };
  const home = await mkdtemp(join(tmpdir(), 'gh-agent-review-tn1-'));
  homes.push(home);
  const out = join(home, 'rank-uri');
  const agentUrl = (j.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  const status = await launch({
    jobId: j.job.id,
    capability: j.capability,
    agentUrl,
    environment,
    command: ['/bin/sh', '-c', 'printf "%s %s" "$ALIBABA_CLOUD_CREDENTIALS_URI" "$ALIBABACLOUD_CREDENTIALS_URI" > "$1"', 'rank', out],
    replicas: 1,
    credentialsFile: join(home, 'credentials'),
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '' },
    log: () => {},
  });
  assert.equal(status, 0);
  const uri = `${agentUrl}/v1/credentials/${encodeURIComponent(j.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '')}`;
  assert.equal(await readFile(out, 'utf8'), `${uri} ${uri}`);
});
