/**
 * Review tn, 2: through a node agent (`jobs run --agent`, `clusters run-node --agent`, the multi-node setup) a job's
 * `ALIBABA_CLOUD_CREDENTIALS_URI` still carried the ranks' live capability in its path
 * (`http://<agent>/v1/credentials/<capability>`), which the Alibaba SDKs print in their errors (credentials-go's
 * `URLCredentialsProvider`, the legacy `URICredential` of `@alicloud/credentials`): review tn, 1 took it out of the
 * URI of a job whose metadata endpoint the server opens, not of one whose endpoint the node agent opens after the
 * submit. A 503 of the agent (the server out of reach, nothing cached) put the capability in the job's logs, and a
 * reader of the logs on any host that reaches the agent's port read the job's credentials. Contract: the brief's
 * "secrets never in logs/errors/audit"; credential-protocols §4.1, §9.4.
 *
 * Now, once the agent has opened the job's metadata endpoint, the launcher gives the ranks the URI there with no
 * capability (`http://127.0.0.1:<port>/v1/credentials`) when that endpoint serves it a credentials document: a job
 * of an `acs` account, an agent with the route; since review tv, 2 a job of an `aws` account too, on
 * `/v1/credentials/<key>`. Otherwise (an older agent, an endpoint not open yet) the ranks keep the URI with the
 * capability, which works as before.
 *
 * A real server and node agent (relay.ts) on 127.0.0.1, `launch` as `jobs run --agent` runs it, the rank reading its
 * URI with `curl`.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const UID = process.getuid?.() ?? 0;
const linux = process.platform === 'linux';
let s: TestServer;
let relay: Relay;
let relayUrl = '';
let acsAdmin: Credentials;
const homes: string[] = [];

before(async () => {
  s = await startTestServer();
  acsAdmin = await acsAccount(s, '350000000242');
  for (const admin of [s.admin, acsAdmin]) assert.ok((await call(connectionTo(s.url, admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  relay = createRelay({ upstream: s.running.agentUrl, revalidateMs: 60_000, metadataGraceMs: 100 });
  relayUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  await s?.stop();
  for (const h of homes) await rm(h, { recursive: true, force: true });
});

/** `jobs run --agent` of a default-role job in `admin`'s account: what its rank read at its credentials URI. */
async function runThroughAgent(admin: Credentials): Promise<{ uri: string; answer: string; ranks: string }> {
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(connectionTo(s.url, admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false, launcherUid: UID } });
  assert.ok(r.ok, JSON.stringify(r));
  // As `jobs run --agent` points the environment at the agent (jobs.ts `throughAgent`).
  const environment = { ...r.value.environment };
  for (const k of ['ALIBABA_CLOUD_CREDENTIALS_URI', 'ALIBABACLOUD_CREDENTIALS_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
    const u = new URL(environment[k] ?? '');
    environment[k] = `${relayUrl}${u.pathname}`;
  }
  const home = await mkdtemp(join(tmpdir(), 'gh-agent-review-tn2-'));
  homes.push(home);
  const code = await launch({
    jobId: r.value.job.id,
    capability: r.value.capability,
    agentUrl: relayUrl,
    environment,
    command: ['/bin/sh', '-c', 'printf %s "$ALIBABA_CLOUD_CREDENTIALS_URI" > "$1/uri"; curl -s --noproxy "*" "$ALIBABA_CLOUD_CREDENTIALS_URI" > "$1/answer"', 'rank', home],
    replicas: 1,
    credentialsFile: join(home, 'credentials'),
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '' },
    log: () => {},
    metadataFromAgent: true,
    launcherUid: UID,
  });
  assert.equal(code, 0);
  return { uri: await readFile(join(home, 'uri'), 'utf8'), answer: await readFile(join(home, 'answer'), 'utf8'), ranks: r.value.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' };
}

test('tn2: through a node agent an acs job’s rank reads a credentials URI with no capability', { skip: !linux }, async () => {
  const got = await runThroughAgent(acsAdmin);
  assert.ok(!got.uri.includes(got.ranks), `the URI holds the ranks' capability: ${got.uri}`);
  assert.match(got.uri, /^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials$/);
  const doc = JSON.parse(got.answer) as Record<string, string>;
  assert.equal(doc['Code'], 'Success');
  assert.match(doc['AccessKeyId'] ?? '', /^STS\./);
});

test('tn2: through a node agent an aws job’s rank reads the URI with the endpoint’s key, no capability (review tv, 2)', { skip: !linux }, async () => {
  const got = await runThroughAgent(s.admin);
  assert.ok(!got.uri.includes(got.ranks), `the URI holds the ranks' capability: ${got.uri}`);
  assert.match(got.uri, /^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\/[\w-]{43}$/);
  assert.match((JSON.parse(got.answer) as Record<string, string>)['AccessKeyId'] ?? '', /^ASIA/);
});
