/**
 * Review hq, 2: `gatehouse jobs run --agent http://169.254.170.2` (a node agent on ECS's link-local address, port 80,
 * as deploy/kubernetes gives pods) pointed the ranks at it through `AWS_CONTAINER_CREDENTIALS_FULL_URI`, which the AWS
 * SDK v3's `fromContainerMetadata` refuses for that host ("169.254.170.2 is not a valid container metadata service
 * hostname"): a rank's code calling it got no credentials. Pods through the same agent already get
 * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (review hk, 1; docs/decisions.md); now the ranks of a job (and of a node)
 * do too, through the same code, and `--agent http://169.254.170.2:PORT` on another port is warned of as the server's
 * `--agent-address` is. The real CLI in process against a real server; the rank writes its environment, and the real
 * SDK provider reads it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromContainerMetadata } from '@aws-sdk/credential-providers';
import type { TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;
before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-hq2-'));
});
after(async () => stop?.());

/** Runs `fn` with the container variables of `env` (only those) in process.env, where the SDK's provider reads them. */
async function withContainerEnv<T>(env: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T> {
  const keys = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) {
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('hq2: ranks reading a node agent at http://169.254.170.2 are given AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, as pods are', async () => {
  const env = await rankEnvironment({ server, home }, { GATEHOUSE_AGENT_URL: 'http://169.254.170.2' });
  // Before the fix: AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.2/v1/container-credentials.
  assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], undefined, JSON.stringify(env));
  assert.ok(env['AWS_CONTAINER_AUTHORIZATION_TOKEN']);
  // With the capability in its query, for the clients that send no token to a relative URI (review iq, 5).
  assert.equal(env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'], `/v1/container-credentials?capability=${env['AWS_CONTAINER_AUTHORIZATION_TOKEN']}`);
  // The Alibaba endpoint is a full URI in every SDK: it stays at the agent.
  assert.match(env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '', /^http:\/\/169\.254\.170\.2\/v1\/credentials\//);
  // The SDK v3 provider takes it (and asks 169.254.170.2, which this machine does not reach): no hostname refusal.
  const refused = await withContainerEnv(env, () => fromContainerMetadata({ timeout: 500, maxRetries: 0 })().then(() => undefined, (e: Error) => e.message));
  assert.ok(refused === undefined || !/not a valid container metadata service hostname/.test(refused), refused);
});

test('hq2: --agent http://169.254.170.2 on another port than 80: the launcher says fromContainerMetadata refuses it', async () => {
  const out = join(home, 'env-8471.json');
  const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--agent', 'http://169.254.170.2:8471', '--', process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`], {
    HOME: home,
    TMPDIR: home,
    PATH: process.env['PATH'],
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    GATEHOUSE_ENDPOINT: server.url,
  });
  assert.equal(r.code, 0, r.stderr);
  const env = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
  assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], 'http://169.254.170.2:8471/v1/container-credentials');
  // Before the fix: nothing said (169.254.170.2 passed as a host every SDK takes, whatever the port).
  assert.match(r.stderr, /container credentials endpoint http:\/\/169\.254\.170\.2:8471 is not one every AWS SDK accepts \(.*fromContainerMetadata.*port 80/);
});
