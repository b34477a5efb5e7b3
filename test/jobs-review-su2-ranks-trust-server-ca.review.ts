/**
 * Review su, 2: a server on https with a certificate of a private CA (`--tls-cert`, as deploy/kubernetes runs it, and the
 * README's way to the console and the webhooks) gives its jobs `AWS_ENDPOINT_URL=https://…` (DESIGN.md "Job credential
 * environment"). `gatehouse jobs run` trusted that certificate by `--ca-bundle` or by the `ca_bundle` of the caller's AWS
 * profile (review jn, 3: the aws CLI's ways), and handed the ranks neither: `--ca-bundle` reached the launcher alone, and
 * the caller's `~/.aws/config` is replaced by the job's own (review hp, 3 and before), without it. So the job started,
 * and every STS, IAM and S3 call of a boto3 (or AWS SDK v3) rank to the server failed on its certificate
 * (`SSL: CERTIFICATE_VERIFY_FAILED`). Now the ranks get the CA the launcher trusted, with Node's roots, in a file of the
 * job's own directory, named by `AWS_CA_BUNDLE` (botocore, the aws CLI, `gatehouse`) and `NODE_EXTRA_CA_CERTS` (Node's
 * SDKs), unless the caller set those itself.
 * A real server on 127.0.0.1 with a self-signed certificate made with openssl; the CLI's program in this process; the
 * ranks are Debian 12's python3 with its boto3, and Node. Skips without openssl.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));
const PYTHON = '/usr/bin/python3';
/** boto3's GetCallerIdentity at the job's AWS_ENDPOINT_URL (Debian's botocore 1.29 reads no AWS_ENDPOINT_URL itself). */
const BOTO_RANK = `
import boto3, json, os, sys
try:
    arn = boto3.client('sts', endpoint_url=os.environ['AWS_ENDPOINT_URL'], region_name='us-east-1').get_caller_identity()['Arn']
except Exception as e:
    arn = 'error: ' + str(e)
open(sys.argv[1], 'w').write(json.dumps({'arn': arn}))
`;
/** Node's https GET of the job's AWS_ENDPOINT_URL/healthz, with no CA of its own: what Node's SDKs trust. */
const NODE_RANK = `
const https = require('node:https');
const fs = require('node:fs');
https.get(process.env.AWS_ENDPOINT_URL + '/healthz', (r) => { fs.writeFileSync(process.argv[1], 'status ' + r.statusCode); r.resume(); })
  .on('error', (e) => fs.writeFileSync(process.argv[1], 'error: ' + e.message));
`;

describe('review su2: the ranks trust the server\'s certificate as the launcher did', { skip: OPENSSL === undefined || !existsSync(PYTHON) ? 'openssl or python3 is absent' : false }, () => {
  let dir: string;
  let server: RunningServer;
  let admin: { AccessKeyId: string; SecretAccessKey: string };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-su2-'));
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    admin = JSON.parse(await readFile(join(dir, 'data', 'admin-credentials.json'), 'utf8')) as typeof admin;
    const ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    const conn = { endpoint: new URL(server.url), credentials: { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey }, region: 'us-east-1', credentialsSource: 'test', ca, caFrom: 'test' };
    const ws = await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } });
    assert.ok(ws.ok, JSON.stringify(ws));
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `jobs run` of `rank` (python3 or node with its script) from a HOME of its own, with `args` and `extra` in the caller's environment. */
  async function ran(name: string, args: readonly string[], rank: readonly string[], extra: Record<string, string> = {}, aws?: string): Promise<string> {
    const home = join(dir, name);
    await mkdir(home);
    if (aws !== undefined) {
      await mkdir(join(home, '.aws'));
      await writeFile(join(home, '.aws', 'config'), aws);
    }
    const out = join(home, 'rank.out');
    // Nothing of this machine's: no AWS_CA_BUNDLE, no NODE_EXTRA_CA_CERTS.
    const env = { HOME: home, TMPDIR: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', AWS_ACCESS_KEY_ID: admin.AccessKeyId, AWS_SECRET_ACCESS_KEY: admin.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url, ...extra };
    const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'default', '--no-imds', ...args, '--', ...rank, out], env);
    assert.equal(r.code, 0, r.stderr);
    return readFile(out, 'utf8');
  }

  it('--ca-bundle: a boto3 rank and a Node rank reach the https AWS_ENDPOINT_URL', async () => {
    const boto = JSON.parse(await ran('flag-boto', ['--ca-bundle', join(dir, 'cert.pem')], [PYTHON, '-c', BOTO_RANK])) as { arn: string };
    assert.match(boto.arn, /^arn:aws:sts::000000000000:assumed-role\/[^/]+\/job-/, boto.arn);
    assert.equal(await ran('flag-node', ['--ca-bundle', join(dir, 'cert.pem')], [process.execPath, '-e', NODE_RANK]), 'status 200');
  });

  it("the ca_bundle of the caller's AWS profile: a boto3 rank reaches it too", async () => {
    const boto = JSON.parse(await ran('profile-boto', [], [PYTHON, '-c', BOTO_RANK], {}, `[default]\nca_bundle = ${join(dir, 'cert.pem')}\n`)) as { arn: string };
    assert.match(boto.arn, /^arn:aws:sts::000000000000:assumed-role\/[^/]+\/job-/, boto.arn);
  });
});
