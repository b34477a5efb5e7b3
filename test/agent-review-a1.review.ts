/**
 * Review agent, A1: a job's metadata endpoint answers the IMDSv2 token PUT with the token's TTL in
 * `X-aws-ec2-metadata-token-ttl-seconds` (Alibaba's `X-aliyun-ecs-metadata-token-ttl-seconds` for its PUT), as EC2
 * does. aws-sdk-go-v2 (feature/ec2/imds `buildGetTokenOutput`) parses that header with `strconv.ParseInt` and fails
 * the whole credential fetch ("unable to parse API token") without it, so every Go program of a job (Terraform,
 * anything on aws-sdk-go-v2) got no credentials from IMDS. Against a real server and a real node agent: the header
 * on both endpoints, parsed as Go parses it; the AWS SDK v3 instance-metadata provider and boto3 still get the job's
 * credentials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { request } from 'node:http';
import { join } from 'node:path';
import { jobMetadataEndpoints } from './support/metadata-endpoints.ts';
import { imdsCredentials } from './support/relay-world.ts';

let home: string;
/** The server's metadata endpoint of the job, and the node agent's. */
let endpoints: readonly { name: string; url: string }[] = [];
let keyId: string;

jobMetadataEndpoints('gh-agent-review-a1-', (env) => (env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, ''), (world) => {
  ({ home, endpoints, keyId } = world);
});

function put(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/latest/api/token`, { method: 'PUT', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What Go's `strconv.ParseInt(h, 10, 64)` accepts: an optional sign and decimal digits, nothing else. */
const goParseInt = (h: unknown): number | undefined => (typeof h === 'string' && /^[+-]?[0-9]+$/.test(h) ? Number(h) : undefined);

test('A1: the token PUT answers the TTL in the header it was asked with, as EC2 (aws-sdk-go-v2 needs it)', async () => {
  for (const e of endpoints) {
    for (const ttl of ['21600', '60', '1']) {
      const aws = await put(e.url, { 'x-aws-ec2-metadata-token-ttl-seconds': ttl });
      assert.equal(aws.status, 200, `${e.name}: ${aws.body}`);
      assert.equal(goParseInt(aws.headers['x-aws-ec2-metadata-token-ttl-seconds']), Number(ttl), `${e.name}: ${JSON.stringify(aws.headers)}`);
    }
    const ali = await put(e.url, { 'x-aliyun-ecs-metadata-token-ttl-seconds': '21600' });
    assert.equal(ali.status, 200, `${e.name}: ${ali.body}`);
    assert.equal(ali.headers['x-aliyun-ecs-metadata-token-ttl-seconds'], '21600', e.name);
    // A refused PUT names no TTL.
    const bad = await put(e.url, { 'x-aws-ec2-metadata-token-ttl-seconds': '21601' });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['x-aws-ec2-metadata-token-ttl-seconds'], undefined);
  }
});

test('A1: the AWS SDK v3 instance-metadata provider and boto3 still read the job\'s credentials', async () => {
  for (const e of endpoints) {
    assert.equal((await imdsCredentials(e.url)).accessKeyId, keyId, e.name);
    // Not spawnSync: the server answering boto3 runs in this process.
    const py = await promisify(execFile)('python3', ['-c', 'import boto3; c = boto3.Session().get_credentials(); print(c.method, c.access_key)'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, AWS_EC2_METADATA_SERVICE_ENDPOINT: e.url, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(py.stdout.trim(), `iam-role ${keyId}`, `${e.name}: ${py.stderr}`);
  }
});
