/**
 * Review og, 4: a TokenReview that the database's outage kept from being checked was answered as a refused token.
 *
 * The contract: the webhooks answer a failure of the store with 503 ServiceUnavailable and `Retry-After`
 * (src/adapters/http/k8s-api.ts: "503 when the store is unreachable"; review mj, 2: kube-apiserver's webhook client
 * retries a 5xx only with `Retry-After`, k8s.io/apiserver `webhook.DefaultShouldRetry`), and a console sign-in whose last
 * use cannot be read is "neither taken nor ended: retry later" (src/app/sts.ts, review mp, 4).
 *
 * What was wrong: an instance that has not seen a console sign-in reads the note of its last use before taking it; with
 * the store not answering, `app.authenticate` says SERVICE_UNAVAILABLE, and the TokenReview webhook answered it as any
 * refusal: 200, `authenticated: false`, "the token's credentials are not valid: …". kube-apiserver does not retry such an
 * answer: the user's request failed 401 Unauthorized (kubectl: "You must be logged in to the server"), and client-go's
 * exec plugin dropped its credential, for a store's hiccup. Now it is answered 503 with `Retry-After`, in a Kubernetes
 * `Status`, which kube-apiserver retries with backoff; once the store answers the token is taken.
 *
 * A real server (SQLite) and a second App on its store whose reads fail on demand (test/support/instances.ts), serving
 * the webhooks on its own port; the sign-in opened through the server as web/console.js signs its calls; its token
 * presigned by SDK v3's SignatureV4 (as `aws eks get-token`), reviewed in the JSON kube-apiserver sends.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../src/app/index.ts';
import { createKube } from '../src/app/kube.ts';
import { StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import { kubeWebhookHandler } from '../src/adapters/http/k8s-api.ts';
import { consoleSignIn } from './support/console-idle.ts';
import { kubeToken } from './support/admission.ts';
import { instanceBeside } from './support/instances.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let b: App;
let store: Store | undefined;
let http: Server | undefined;
let url = '';
let bearer = '';
const failing = { reads: false };

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  await admin('POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {}), doc('User', 'alice', {}), doc('AccessEntry', 'alice', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['devs'] })] });
  bearer = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
  const made = await instanceBeside(server, {
    now: () => Date.now(),
    wrap: (real) => ({ ...real, read: (fn, options) => (failing.reads ? Promise.reject(new StoreUnavailableError('SQLite is unavailable: disk I/O error')) : real.read(fn, options)) }),
  });
  b = made.app;
  store = made.store;
  const kube = createKube(b, { podEnvironment: async () => ({}) });
  await kube.engine.prepare();
  const serverHost = new URL(server.url).host;
  const handle = kubeWebhookHandler({ app: b, kube, tokenHosts: () => [serverHost] });
  http = createServer((req, res) => {
    // As the server's edge does for a webhook that throws (src/main/server.ts): not part of what is tested here.
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  await store?.close().catch(() => {});
  await server?.stop();
});

test("og4: a console sign-in's token that an outage kept from being checked is answered 503, then taken", async () => {
  const k = await admin('POST', '/v1/access-keys', { userName: 'alice' });
  const signIn = await consoleSignIn(server, { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) });
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await kubeToken(server.url, 'k1', signIn) } });
  const review = () => fetch(`${url}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body });
  failing.reads = true;
  let r: Response;
  let json: Record<string, unknown>;
  try {
    r = await review();
    json = (await r.json()) as Record<string, unknown>;
  } finally {
    failing.reads = false;
  }
  assert.equal(r.status, 503, `the token was answered as refused, which kube-apiserver does not retry: ${r.status} ${JSON.stringify(json)}`);
  assert.equal(json['kind'], 'Status');
  assert.equal(json['reason'], 'ServiceUnavailable');
  assert.ok(r.headers.get('retry-after') !== null, 'with Retry-After, which kube-apiserver retries');
  const again = await review();
  const status = ((await again.json()) as { status: { authenticated: boolean; error?: string } }).status;
  assert.equal(again.status, 200);
  assert.equal(status.authenticated, true, `once the store answers the sign-in is taken: ${status.error}`);
});
