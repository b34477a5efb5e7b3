/**
 * Review jo, 3 (jo, 1 under `/v1/`): an IAM or STS Query API call sent under the admin API's prefix, the endpoint URL
 * given as the admin API's (`AWS_ENDPOINT_URL=http://127.0.0.1:8470/v1`, the SDKs then POST `/v1/`), was answered by the
 * admin router's JSON 404 ("no route for POST /v1/"), which SDK v3 threw as "XML parse error: unexpected content"
 * and botocore as "invalid XML received. Further retries may succeed". Jo1 answered the Query API's `NotFound` for every
 * other path, not this one, which the admin router answers first. Now a request the router has no route for, signed
 * for `iam` or `sts`, is answered as jo1 answers it; a request signed for the admin API (`gatehouse`) still gets the
 * router's JSON 404. Real SDK v3 clients against a real server.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const clients: { destroy(): void }[] = [];
before(async () => {
  s = await startTestServer();
});
after(async () => {
  for (const c of clients) c.destroy();
  await s?.stop();
});

test('jo3: an SDK v3 STS client whose endpoint is the admin API’s gets NotFound in STS XML, saying where the Query API is', async () => {
  const sts = new STSClient({ endpoint: `${s.url}/v1`, region: REGION, credentials: s.admin, maxAttempts: 1 });
  clients.push(sts);
  const r = await sdkFailure(sts.send(new GetCallerIdentityCommand({})));
  assert.equal(r.code, 'NotFound', r.message);
  assert.equal(r.status, 404);
  assert.match(r.message, /No STS Query API at `\/v1\/`/);
  assert.match(r.message, /without a path/);
});

test('jo3: so does an IAM client', async () => {
  const iam = new IAMClient({ endpoint: `${s.url}/v1/`, region: REGION, credentials: s.admin, maxAttempts: 1 });
  clients.push(iam);
  const r = await sdkFailure(iam.send(new ListRolesCommand({})));
  assert.equal(r.code, 'NotFound', r.message);
  assert.match(r.message, /No IAM Query API at `\/v1\/`/);
});

test('jo3: a request signed for the admin API on a path it has no route for still gets its JSON 404', async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/v1/no-such-thing', query: {}, headers: { host: u.host } });
  const { host: _host, ...headers } = signed.headers;
  const r = await fetch(`${s.url}/v1/no-such-thing`, { headers });
  assert.equal(r.status, 404);
  const body = (await r.json()) as { error: { code: string; gatehouseCode: string; message: string } };
  assert.equal(body.error.gatehouseCode, 'UNKNOWN_ROUTE');
  assert.equal(body.error.message, 'no route for GET /v1/no-such-thing');
});
