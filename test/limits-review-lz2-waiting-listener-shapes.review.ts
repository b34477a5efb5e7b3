/**
 * Review lz, 2: while the server waits for its database at start (or loads its directory), `--listen` is answered by a
 * waiting listener that says 503 ServiceUnavailable, "try again", to every API call. It said it in the IAM Query API's
 * XML to all of them but `/v1/` and the webhooks: an Alibaba Cloud STS call (`@alicloud/sts20150401`, and
 * `@alicloud/credentials`' OIDC and RAM-role providers, which ask for JSON) got a document its SDK cannot read, so a pod
 * starting while the server waited saw a parse failure, not "ServiceUnavailable"; an AWS STS call got IAM's namespace,
 * and one asking `Accept: application/json` (aws-iam-authenticator style verifiers, review gj, 1) got XML. The edge that
 * takes the port over answers its early refusals in each API's own shape (review lh, 3). Alibaba STS answers an
 * unavailable service 503 `ServiceUnavailable` in the format asked (STS API reference, 2015-04-01, common error codes);
 * AWS STS answers in its own namespace, and in JSON when `Accept` asks it. Now the waiting listener does as the edge.
 * A real server on 127.0.0.1 started against a PostgreSQL address that refuses connections, and Alibaba's own client.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { startServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';
import { settled } from './support/settle.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

let dataDir = '';
let base = '';
const stop = new AbortController();
let starting: Promise<unknown> = Promise.resolve();

/** GET `path` on a connection of its own: status, content type and body. */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => void (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gh-lz2-'));
  const dead = await freePort();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  starting = startServer({
    dataDir,
    listen: `127.0.0.1:${port}`,
    agentListen: '127.0.0.1:0',
    s3Listen: 'off',
    env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), GATEHOUSE_DATABASE_WAIT_SECONDS: '60' },
    databaseUrl: `postgres://postgres@127.0.0.1:${dead}/test`,
    log: () => undefined,
    signal: stop.signal,
  }).then(
    (x) => x.stop(),
    () => undefined,
  );
  // Asked until the waiting listener is up, to a bound of time (settle.ts), not 100 tries.
  const r = await settled(() => get('/healthz').catch(() => undefined), (got) => got?.status === 200);
  if (r?.status !== 200) assert.fail('the waiting listener never answered /healthz');
});

after(async () => {
  stop.abort();
  await starting;
  await rm(dataDir, { recursive: true, force: true });
});

describe('review lz2: the waiting listener answers each API in its own shape', () => {
  it("Alibaba's STS client reads 503 ServiceUnavailable, in JSON", async () => {
    const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(base).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
    await assert.rejects(client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: 'acs:ram::350000000063:oidc-provider/p', roleArn: 'acs:ram::350000000063:role/r', roleSessionName: 'pod', OIDCToken: 'x.y.z' })), (e: { code?: string; statusCode?: number; message?: string }) => {
      assert.equal(e.statusCode, 503, e.message);
      assert.equal(e.code, 'ServiceUnavailable', e.message);
      assert.match(e.message ?? '', /starting/);
      return true;
    });
    // The parameter form answers XML unless Format says JSON, as Alibaba does.
    const json = await get('/?Action=GetCallerIdentity&Version=2015-04-01&Format=JSON');
    assert.equal(json.status, 503);
    assert.match(json.type, /^application\/json/);
    assert.equal((JSON.parse(json.body) as { Code?: string }).Code, 'ServiceUnavailable');
  });

  it('an AWS STS call gets STS\'s namespace, and JSON when it asks for it', async () => {
    const xml = await get('/?Action=GetCallerIdentity&Version=2011-06-15');
    assert.equal(xml.status, 503);
    assert.match(xml.body, /xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"/);
    assert.match(xml.body, /<Code>ServiceUnavailable<\/Code>/);
    const json = await get('/?Action=GetCallerIdentity&Version=2011-06-15', { accept: 'application/json' });
    assert.equal(json.status, 503);
    assert.match(json.type, /^application\/json/);
    assert.equal((JSON.parse(json.body) as { Error?: { Code?: string } }).Error?.Code, 'ServiceUnavailable');
    // IAM keeps its own.
    const iam = await get('/?Action=ListUsers&Version=2010-05-08');
    assert.match(iam.body, /xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"/);
  });
});
