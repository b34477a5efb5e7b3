/**
 * Review sn, 2: a server started with `--listen 0.0.0.0:PORT` (and `--s3-listen 0.0.0.0:PORT`), so that other machines
 * reach it, handed the jobs it launches `AWS_ENDPOINT_URL=http://0.0.0.0:PORT` and `AWS_ENDPOINT_URL_S3=http://0.0.0.0:…`:
 * an address to listen on, not to connect to (a client on Windows cannot, no certificate names it), while the same
 * server already named the wildcard by its loopback in admin-credentials.json (review sg, 1) and in the jobs' container
 * credentials URL (review af, 3). Jobs launched here now get `http://127.0.0.1:PORT` for both; the OIDC issuer, which is
 * in tokens already issued, keeps the listen address (docs/decisions.md), and `--s3-address` still wins.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

describe('review sn2: jobs of a server on a wildcard address are given its loopback', () => {
  let home: string;
  let server: RunningServer;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-review-sn2-'));
    server = await startServer({ dataDir: join(home, 'data'), listen: '0.0.0.0:0', s3Listen: '0.0.0.0:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  });
  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('a job\'s AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3 name 127.0.0.1 at the listeners\' ports, and an SDK reaches the API there', async () => {
    assert.ok(server.adminCredentials);
    const conn = connectionTo(server.url.replace('0.0.0.0', '127.0.0.1'), keysOf(server.adminCredentials));
    assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
    const r = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
    assert.ok(r.ok, JSON.stringify(r));
    const env = r.value.environment;
    const api = new URL(env['AWS_ENDPOINT_URL'] ?? '');
    const s3 = new URL(env['AWS_ENDPOINT_URL_S3'] ?? '');
    assert.deepEqual([api.hostname, api.port], ['127.0.0.1', new URL(server.url).port]);
    assert.deepEqual([s3.hostname, s3.port], ['127.0.0.1', new URL(server.s3Url).port]);
    const sts = new STSClient({ endpoint: api.href, region: 'us-east-1', credentials: keysOf(server.adminCredentials), maxAttempts: 1 });
    try {
      assert.match((await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '', /^arn:aws:iam::\d+:/);
    } finally {
      sts.destroy();
    }
  });

  it('the OIDC issuer keeps the listen address, as in the tokens it already issued', async () => {
    const base = server.url.replace('0.0.0.0', '127.0.0.1');
    const doc = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { issuer: string };
    assert.equal(doc.issuer, server.url);
  });
});
