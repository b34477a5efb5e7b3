/**
 * Review fg, 3: in an environment behind an HTTP proxy, boto3 in a rank of `gatehouse jobs run` got no credentials
 * from the job's metadata endpoint and could not reach the job's STS endpoint. The ranks inherit the caller's
 * environment, `HTTP_PROXY` included (a cluster whose way out is a proxy), and botocore sends its instance-metadata
 * requests (`IMDSFetcher`, `get_environ_proxies`) and its clients' calls to `AWS_ENDPOINT_URL` through the proxy unless
 * `NO_PROXY` names the host; the proxy cannot reach the node's own 127.0.0.1, and the credential chain stopped with
 * ProxyConnectionError (EC2 and ECS ask for `NO_PROXY=169.254.169.254,169.254.170.2` for the same reason). Now, when
 * the environment names a proxy, the launcher adds the hosts of the job's endpoints that are on the node (loopback,
 * link-local) to `NO_PROXY` and `no_proxy`, after what the caller gave.
 *
 * A real server and the real launcher (`launch`) running a rank of Debian's boto3 (python3-boto3; skipped, saying
 * so, where it is absent) that reads instance metadata (the container variables unset, as a process configured for
 * EC2 reads it) and calls STS GetCallerIdentity at `AWS_ENDPOINT_URL`, with `HTTP_PROXY` naming a proxy that does not
 * answer. Before the fix the rank failed with ProxyConnectionError; after, it is the job's session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { jobProcessEnv, launch } from '../src/adapters/launcher/run.ts';
import { boto3Missing, connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let home: string;

before(async () => {
  s = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-fg3-'));
});
after(async () => {
  await s?.stop();
  await rm(home, { recursive: true, force: true });
});

const RANK = `
import json, os, sys, boto3
os.environ.pop('AWS_CONTAINER_CREDENTIALS_FULL_URI', None)
try:
    session = boto3.Session()
    creds = session.get_credentials()
    # Debian's botocore 1.29 reads no AWS_ENDPOINT_URL: the endpoint is given in code, as such a rank gives it.
    arn = session.client('sts', endpoint_url=os.environ['AWS_ENDPOINT_URL']).get_caller_identity()['Arn']
    out = {'method': creds.method, 'arn': arn}
except Exception as e:
    out = {'error': type(e).__name__ + ': ' + str(e)}
open(sys.argv[1], 'w').write(json.dumps(out))
`;

test('fg3: behind a proxy, boto3 in a rank reads the job’s metadata endpoint and its STS, not through the proxy', async (t) => {
  const missing = boto3Missing();
  if (missing !== undefined) return void t.skip(missing);
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const out = join(home, 'rank.json');
  const proxy = 'http://127.0.0.1:9';
  const status = await launch({
    jobId: r.value.job.id,
    capability: r.value.capability,
    agentUrl: (r.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, ''),
    environment: r.value.environment,
    command: ['/usr/bin/python3', '-c', RANK, out],
    replicas: 1,
    credentialsFile: join(home, 'credentials'),
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '', HTTP_PROXY: proxy, http_proxy: proxy, HTTPS_PROXY: proxy, NO_PROXY: 'example.com' },
    log: () => {},
  });
  assert.equal(status, 0);
  const rank = JSON.parse(await readFile(out, 'utf8')) as { method?: string; arn?: string; error?: string };
  assert.equal(rank.error, undefined, `the rank: ${rank.error}`);
  assert.equal(rank.method, 'iam-role', 'from the job’s metadata endpoint');
  assert.equal(rank.arn, `arn:aws:sts::000000000000:assumed-role/GatehouseTrainingDefaultRole/job-${r.value.job.id}`);
});

test('fg3: NO_PROXY keeps what the caller gave, in both spellings; nothing is added without a proxy', () => {
  const jobEnv = { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:8471/v1/container-credentials', AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://169.254.169.254:1234/', ALIBABA_CLOUD_CREDENTIALS_URI: 'http://127.0.0.1:8471/v1/credentials/x', AWS_ENDPOINT_URL: 'https://gatehouse.example.com' };
  const env = jobProcessEnv({ https_proxy: 'http://proxy:3128', no_proxy: '.corp,localhost' }, jobEnv);
  assert.equal(env['no_proxy'], '.corp,localhost,127.0.0.1,169.254.169.254', 'a remote server is left to the proxy');
  assert.equal(env['NO_PROXY'], '.corp,localhost,127.0.0.1,169.254.169.254', 'from no_proxy when NO_PROXY is not set');
  const plain = jobProcessEnv({ PATH: '/bin' }, jobEnv);
  assert.equal(plain['NO_PROXY'], undefined);
  assert.equal(plain['no_proxy'], undefined);
});
