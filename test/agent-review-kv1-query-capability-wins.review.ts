/**
 * Review kv, 1: the relative URI a pod (or a rank of `jobs run --agent http://169.254.170.2`) is given names the job's
 * capability in its query (`/v1/container-credentials?capability=<capability>`, review iq, 5), and the README says it
 * serves the job's credentials "with or without AWS_CONTAINER_AUTHORIZATION_TOKEN". But the server and the node agent
 * took whatever `Authorization` the SDK sent first, and the query only when there was none, so two ordinary
 * environments got 403 `Forbidden` although the URI they asked named the job:
 * - a token file beside it (`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, from an EKS Pod Identity manifest or a base image;
 *   the admission webhook keeps a container's own variables): SDK v3 `fromHttp` and botocore send the file's content in
 *   place of the token (credential-protocols §2.1, §3.1), so the capability in the URI was never looked at;
 * - the token variable set empty (`AWS_CONTAINER_AUTHORIZATION_TOKEN=`, the usual way to blank it in a pod spec or a
 *   Dockerfile): botocore sends an empty `Authorization` (it checks only that the variable is there), taken as the
 *   capability.
 * Now the query's capability, part of the URI Gatehouse gave, is the one used when the request names one; `Authorization`
 * otherwise, as before (full URIs carry no query).
 *
 * A real server and a real node agent; the real AWS SDK v3 `fromHttp` with a token file, and botocore with an empty
 * token, each given the relative URI at the agent's and the server's address as a full URI (this machine does not reach
 * 169.254.170.2). Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fromHttp } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { withContainerUri } from '../src/core/jobs/jobs.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const run = promisify(execFile);
let s: TestServer;
let relay: Relay;
let home: string;
let bases: { name: string; url: string }[];
let job: { capability: string; environment: Record<string, string> };
let relative: string;
let keyId: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-kv1-'));
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  job = r.value;
  const serverAgent = (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  relay = createRelay({ upstream: serverAgent });
  bases = [
    { name: 'node agent', url: `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}` },
    { name: 'server', url: serverAgent },
  ];
  relative = withContainerUri({ ...job.environment, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.2/v1/container-credentials' })['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] ?? assert.fail('no relative URI');
  const direct = await fetch(`${serverAgent}/v1/container-credentials`, { headers: { authorization: job.capability } });
  keyId = ((await direct.json()) as { AccessKeyId: string }).AccessKeyId;
});
after(async () => {
  await relay?.close();
  await s?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

test('kv1: SDK v3 fromHttp with a token file beside the relative URI gets the job’s credentials', async () => {
  const file = join(home, 'eks-pod-identity-token');
  await writeFile(file, 'eyJhbGciOiJSUzI1NiJ9.not-a-gatehouse-capability.sig');
  for (const base of bases) {
    try {
      const c = await fromHttp({ awsContainerCredentialsFullUri: `${base.url}${relative}`, awsContainerAuthorizationTokenFile: file, maxRetries: 0 })();
      assert.equal(c.accessKeyId, keyId, base.name);
    } catch (e) {
      assert.fail(`${base.name}: ${(e as { Code?: string }).Code ?? ''} ${(e as Error).message}`);
    }
  }
});

test('kv1: botocore with AWS_CONTAINER_AUTHORIZATION_TOKEN set empty gets the job’s credentials (skipped without botocore)', async (t) => {
  let python: string | undefined;
  for (const p of ['/usr/bin/python3', 'python3']) {
    try {
      await run(p, ['-c', 'import botocore']);
      python = p;
      break;
    } catch {
      // Not this one.
    }
  }
  if (python === undefined) return t.skip('no Python with botocore');
  // One interpreter for both addresses: botocore reads the environment at each get_session().
  const script = 'import os,sys,botocore.session\nfor u in sys.argv[1:]:\n  os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]=u\n  try:\n    c=botocore.session.get_session().get_credentials()\n    print(c.access_key if c else "none")\n  except Exception as e:\n    print(type(e).__name__, str(e)[:200])\n';
  const env = { PATH: process.env['PATH'] ?? '', HOME: home, AWS_CONTAINER_AUTHORIZATION_TOKEN: '', AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' };
  const { stdout } = await run(python, ['-c', script, ...bases.map((b) => `${b.url}${relative}`)], { env });
  assert.deepEqual(stdout.trim().split('\n'), bases.map(() => keyId), stdout);
});

test('kv1: a request without a query still takes its capability from Authorization, and a wrong query capability is refused', async () => {
  for (const base of bases) {
    const ok = await fetch(`${base.url}/v1/container-credentials`, { headers: { authorization: job.capability } });
    assert.equal(ok.status, 200, base.name);
    assert.equal(((await ok.json()) as { AccessKeyId: string }).AccessKeyId, keyId);
    const bad = await fetch(`${base.url}/v1/container-credentials?capability=${'x'.repeat(43)}`, { headers: { authorization: '' } });
    assert.equal(bad.status, 403, base.name);
    await bad.text();
  }
});
