/**
 * Review kv, 2: `credential_process = gatehouse credentials --job` (README: how tools that read AWS profiles get a job's
 * credentials) refused to run where every SDK gets them. A job read through a node agent is given a container URI that
 * names its capability in its query (`/v1/container-credentials?capability=…`, review iq, 5), which the server and the
 * node agent serve with or without `AWS_CONTAINER_AUTHORIZATION_TOKEN` (the AWS SDK for Java 1.x and `curl` send none,
 * SDK v3 and botocore take the URI alone). `--job` required the token all the same and exited 2 "AWS_CONTAINER_…
 * are not set", so a profile using it failed in a pod whose token variable was removed or blanked, while the default
 * chain beside it worked. Now a URI that names the capability is enough; the token is sent when there is one.
 *
 * A real server and a real node agent; the CLI in process with the URI as a full URI (this machine does not reach
 * 169.254.170.2, where it is a relative one), compared with the AWS SDK v3 `fromHttp` given the same environment.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { runCli } from '../src/adapters/cli/program.ts';
import { withContainerUri } from '../src/core/jobs/jobs.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let relay: Relay;
let uri: string;
let job: { capability: string; environment: Record<string, string> };

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  job = r.value;
  relay = createRelay({ upstream: (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '') });
  const agent = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const relative = withContainerUri({ ...job.environment, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.2/v1/container-credentials' })['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] ?? assert.fail('no relative URI');
  uri = `${agent}${relative}`;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

async function credentialsJob(env: Record<string, string>): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runCli(['credentials', '--job'], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readFile: async () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' });
    },
    now: () => Date.now(),
    version: 'test',
    env,
  });
  return { status, out, err };
}

test('kv2: the URI naming the capability, no token: --job prints what SDK v3 gets there', async () => {
  const sdk = await fromHttp({ awsContainerCredentialsFullUri: uri, maxRetries: 0 })();
  const r = await credentialsJob({ AWS_CONTAINER_CREDENTIALS_FULL_URI: uri });
  assert.equal(r.status, 0, r.err);
  const doc = JSON.parse(r.out) as Record<string, unknown>;
  assert.equal(doc['Version'], 1);
  assert.equal(doc['AccessKeyId'], sdk.accessKeyId);
  assert.equal(doc['SessionToken'], sdk.sessionToken);
});

test('kv2: the same with the token variable blanked', async () => {
  const r = await credentialsJob({ AWS_CONTAINER_CREDENTIALS_FULL_URI: uri, AWS_CONTAINER_AUTHORIZATION_TOKEN: '' });
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /"SessionToken":"/);
});

test('kv2: a URI without a capability still needs the token, and says which variables', async () => {
  const r = await credentialsJob({ AWS_CONTAINER_CREDENTIALS_FULL_URI: uri.replace(/\?.*$/, '') });
  assert.equal(r.status, 2);
  assert.match(r.err, /AWS_CONTAINER_AUTHORIZATION_TOKEN/);
});
