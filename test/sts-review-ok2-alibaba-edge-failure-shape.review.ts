/**
 * Review ok, 2. An Alibaba Cloud STS request (`Version=2015-04-01`) is answered in Alibaba's RPC shape: JSON when it
 * asks (`Format=JSON`, or a V3 request's `x-acs-action`), else `<Error>` XML with `RequestId`, `HostId`, `Code` and
 * `Message` (alibaba-sts-api.ts; review lh, 3 made the edge's early refusals and the store outage's 503 so, since
 * Alibaba's SDKs cannot read AWS's XML). The edge's own answers to a failure past the action — a value the database
 * refuses (400) and a bug (500) — were still AWS STS's `<ErrorResponse xmlns=…>` XML: `@alicloud/sts20150401` got
 * no `Code` (it reported a parse failure, not `InternalError`) and the request id to find the log line was lost to it.
 *
 * Now those answers take the request's Alibaba shape: `InternalError` (500) and `InvalidParameter` (400), in the
 * format it asked. An edge over a store whose reads fail on demand, as a bug (a plain Error) or a refused value
 * (`StoreDataRefusedError`); Alibaba's own client, whose AssumeRoleWithOIDC reads the OIDC provider from the store.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { startFailingEdge, unsignedJwt, type FailingEdge } from './support/failing-edge.ts';

const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

let fe: FailingEdge;
let url = '';
let logs: string[] = [];

before(async () => {
  fe = await startFailingEdge('ok2');
  url = fe.url;
  logs = fe.logs;
});

after(async () => {
  await fe?.close();
});

const OIDC = new URLSearchParams({
  Action: 'AssumeRoleWithOIDC',
  Version: '2015-04-01',
  OIDCProviderArn: 'acs:ram::350000000062:oidc-provider/ok2',
  RoleArn: 'acs:ram::350000000062:role/rrsa',
  RoleSessionName: 'pod',
  OIDCToken: unsignedJwt({ alg: 'RS256', kid: 'k1' }, { iss: 'https://issuer.ok2.example', aud: 'sts.aliyuncs.com', sub: 'system:serviceaccount:ns:sa', exp: Math.floor(Date.now() / 1000) + 600 }),
});

async function failingWith<T>(how: 'bug' | 'refused', fn: () => Promise<T>): Promise<T> {
  fe.fail(how);
  try {
    return await fn();
  } finally {
    fe.fail(undefined);
  }
}

test('a bug under AssumeRoleWithOIDC: Alibaba’s SDK reads InternalError, 500, and its RequestId finds the log line', async () => {
  logs.length = 0;
  const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 30_000, connectTimeout: 5_000 }));
  const req = new AssumeRoleWithOIDCRequest({ OIDCProviderArn: OIDC.get('OIDCProviderArn') ?? '', roleArn: OIDC.get('RoleArn') ?? '', roleSessionName: 'pod', OIDCToken: OIDC.get('OIDCToken') ?? '' });
  await failingWith('bug', () =>
    assert.rejects(client.assumeRoleWithOIDC(req), (e: { code?: string; statusCode?: number; message?: string; data?: { RequestId?: string } }) => {
      assert.equal(e.statusCode, 500, e.message);
      assert.equal(e.code, 'InternalError', e.message);
      const id = e.data?.RequestId ?? '';
      assert.match(id, /^[0-9a-f-]{36}$/, JSON.stringify(e.data));
      assert.ok(logs.some((l) => l.includes('ok2: a bug in a store read') && l.includes(id)), logs.join('\n'));
      return true;
    }),
  );
});

test('a bug under an RPC request with no Format: Alibaba’s <Error> XML, not AWS’s <ErrorResponse>', async () => {
  const r = await failingWith('bug', () => fetch(`${url}/?${OIDC}`, { method: 'POST' }));
  const text = await r.text();
  assert.equal(r.status, 500, text);
  assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><RequestId>[0-9a-f-]{36}<\/RequestId><HostId>127\.0\.0\.1:\d+<\/HostId><Code>InternalError<\/Code><Message>[^<]+<\/Message><\/Error>$/, text);
});

test('a value the database refuses under a Format=JSON request: 400 InvalidParameter in JSON', async () => {
  const q = new URLSearchParams(OIDC);
  q.set('Format', 'JSON');
  const r = await failingWith('refused', () => fetch(`${url}/?${q}`, { method: 'POST' }));
  const text = await r.text();
  assert.equal(r.status, 400, text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(body['Code'], 'InvalidParameter', text);
  assert.match(String(body['Message']), /database refused a value/, text);
  assert.equal(body['RequestId'], r.headers.get('x-amzn-requestid'), text);
});
