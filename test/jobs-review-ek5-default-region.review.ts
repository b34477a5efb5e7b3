/**
 * Review ek, 5: the credential environment of a job submitted through the API (`POST /v1/jobs`: a pod, a process a
 * user starts itself) gave `AWS_REGION` only. boto3 and the aws CLI read `AWS_DEFAULT_REGION` (botocore 1.29 of Debian
 * 12, and 1.43 as well), so boto3 in such a process had no region: `Session().region_name` was None and clients of
 * regional services raised NoRegionError. `gatehouse jobs run` was spared by the config file it writes. EKS's pod
 * identity webhook sets both variables (credential-protocols.md, "EKS pod-identity webhook pattern"); now Gatehouse
 * does too. Debian's boto3 reads the environment the API answered with, nothing else; skips where boto3 is absent.
 * Before the fix, 1 of the 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';

let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'ek5-'));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/ek5', { members: [{ user: 'admin' }] });
  assert.ok(ws.status === 200 || ws.status === 201, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

test('boto3 in a job submitted through the API finds the job environment’s region', { skip: boto3Missing() }, async () => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'ek5', role: 'none' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const environment = r.json['environment'] as Record<string, string>;
  assert.equal(environment['AWS_DEFAULT_REGION'], environment['AWS_REGION']);
  // A regional service's client (EC2 has no global endpoint): NoRegionError without a region (keys given: the job has no role).
  const script = 'import boto3; print(boto3.session.Session().region_name); print(boto3.client("ec2", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x").meta.region_name)';
  // Not execFileSync: the server answering the SDK runs in this process.
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], { env: { PATH: '/usr/bin:/bin', HOME: home, AWS_CONFIG_FILE: join(home, 'none'), ...environment }, encoding: 'utf8', timeout: 60_000 });
  assert.deepEqual(stdout.trim().split('\n'), [environment['AWS_REGION'], environment['AWS_REGION']]);
});
