/**
 * Review af, 5: `gatehouse jobs run` against a server on another machine, without `--agent`, hands the ranks
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI=http://<server>:<port>/v1/container-credentials`. Every AWS SDK refuses a
 * plain-http container URL to a host that is not loopback (or 169.254.170.2) before sending anything, so the ranks'
 * AWS SDKs got no credentials there and nothing said why. The launcher now says so, naming the remedy (a node agent
 * on the machine). The refusal itself is checked with the real clients: SDK v3 `fromHttp` and
 * `fromContainerMetadata`, and botocore (Debian's; skipped, saying so, where python3-boto3 is absent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fromContainerMetadata, fromHttp } from '@aws-sdk/credential-providers';
import { containerUrlRefusal, launch } from '../src/adapters/launcher/run.ts';
import { boto3Missing } from './support/processes.ts';

const REMOTE = 'http://192.0.2.10:8081/v1/container-credentials';

test('af5: the AWS SDKs refuse a non-loopback http container URL before any request', async () => {
  await assert.rejects(fromHttp({ awsContainerCredentialsFullUri: REMOTE, awsContainerAuthorizationToken: 'x', maxRetries: 0 })(), /URL not accepted/);
  const previous = process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'];
  process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = REMOTE;
  try {
    await assert.rejects(fromContainerMetadata()(), /not a valid container metadata service hostname/);
  } finally {
    if (previous === undefined) delete process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'];
    else process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = previous;
  }
});

test('af5: botocore (Debian python3-boto3) refuses it too', async (t) => {
  const missing = boto3Missing();
  if (missing !== undefined) return void t.skip(missing);
  const py = await promisify(execFile)('/usr/bin/python3', ['-c', 'from botocore.utils import ContainerMetadataFetcher as F\ntry:\n  F().retrieve_full_uri("' + REMOTE + '", headers={"Authorization": "x"})\nexcept ValueError as e:\n  print("refused", e)'], { encoding: 'utf8', timeout: 20_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  assert.match(py.stdout, /^refused Unsupported host/);
});

test('af5: the launcher says the ranks\' AWS SDKs will get nothing from such an endpoint, and what to do', async () => {
  assert.equal(containerUrlRefusal('http://127.0.0.1:8081/v1/container-credentials'), undefined);
  assert.equal(containerUrlRefusal('http://localhost:8081/v1/container-credentials'), undefined);
  assert.equal(containerUrlRefusal('http://169.254.170.2/v1/container-credentials'), undefined);
  assert.equal(containerUrlRefusal(undefined), undefined);
  const home = await mkdtemp(join(tmpdir(), 'gh-agent-review-af5-'));
  try {
    const lines: string[] = [];
    // No agent answers at port 1 of 127.0.0.1: the launcher's calls fail at once, the rank (node -e '') exits 0.
    const code = await launch({
      jobId: 'j1',
      capability: 'c'.repeat(43),
      agentUrl: 'http://127.0.0.1:1',
      environment: { AWS_CONTAINER_CREDENTIALS_FULL_URI: REMOTE, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'c'.repeat(43) },
      command: [process.execPath, '-e', ''],
      replicas: 1,
      credentialsFile: join(home, 'credentials'),
      profileDir: home,
      baseEnv: { PATH: process.env['PATH'] ?? '' },
      log: (line) => lines.push(line),
    });
    assert.equal(code, 0);
    const said = lines.find((l) => l.includes('container credentials endpoint'));
    assert.ok(said, lines.join('\n'));
    assert.match(said, /http:\/\/192\.0\.2\.10:8081 is not one every AWS SDK accepts \(the AWS SDKs \(v3 fromHttp and fromContainerMetadata, botocore\) refuse it over http\)/);
    assert.match(said, /--agent http:\/\/127\.0\.0\.1:PORT/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
