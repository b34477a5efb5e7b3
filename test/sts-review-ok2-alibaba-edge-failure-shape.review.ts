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
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { createApp, type App } from '../src/app/index.ts';
import { StoreDataRefusedError, type Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createHttpEdge, type HttpEdge } from '../src/adapters/http/server.ts';
import { oidcPort } from '../src/adapters/http/oidc.ts';

const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

let dir = '';
let real: SqliteStore;
let app: App;
let edge: HttpEdge;
let url = '';
const logs: string[] = [];
let failing: 'bug' | 'refused' | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-ok2-'));
  real = await openSqliteStore({ dataDir: dir });
  const fault = (): Error => (failing === 'refused' ? new StoreDataRefusedError('string or blob too big', 'SQLITE_TOOBIG') : new Error('ok2: a bug in a store read'));
  const store: Store = {
    dialect: real.dialect,
    migrations: real.migrations,
    read: (fn) => (failing ? Promise.reject(fault()) : real.read(fn)),
    write: (fn) => (failing ? Promise.reject(fault()) : real.write(fn)),
    close: () => real.close(),
  };
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto, oidc: oidcPort }, { audit: { enabled: false } });
  await app.start();
  await app.bootstrap();
  edge = createHttpEdge({ app, ready: async () => true, log: (line) => void logs.push(line) });
  url = `http://127.0.0.1:${(await edge.listen('127.0.0.1', 0)).port}`;
});

after(async () => {
  await edge?.close(0);
  await app?.audit.stop();
  await real?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// A token the provider lookup is reached with (its signature is never checked: the store fails first).
function jwt(header: object, payload: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part(header)}.${part(payload)}.${Buffer.from('sig').toString('base64url')}`;
}

const OIDC = new URLSearchParams({
  Action: 'AssumeRoleWithOIDC',
  Version: '2015-04-01',
  OIDCProviderArn: 'acs:ram::350000000062:oidc-provider/ok2',
  RoleArn: 'acs:ram::350000000062:role/rrsa',
  RoleSessionName: 'pod',
  OIDCToken: jwt({ alg: 'RS256', kid: 'k1' }, { iss: 'https://issuer.ok2.example', aud: 'sts.aliyuncs.com', sub: 'system:serviceaccount:ns:sa', exp: Math.floor(Date.now() / 1000) + 600 }),
});

async function failingWith<T>(how: 'bug' | 'refused', fn: () => Promise<T>): Promise<T> {
  failing = how;
  try {
    return await fn();
  } finally {
    failing = undefined;
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
