/**
 * Review og, 1: a SubjectAccessReview that met a database outage kept failing after the database was back.
 *
 * The contract: an authorization webhook that cannot decide answers an error, not a decision (kube-apiserver's webhook
 * authorizer caches decisions, `--authorization-webhook-cache-unauthorized-ttl`, never errors); once it can decide
 * again, it does. src/app/kube.ts keeps the IAM principal a review's `extra.arn` names per change head (`principalOf`)
 * to spare the directory lookups, and a principal the directory in memory does not hold (a user deleted since
 * kube-apiserver cached its TokenReview, a session of a role made on another instance a moment ago) is looked for once
 * more after reading the change log (src/app/sts.ts `loadedEntry`).
 *
 * What was wrong: that read failing (the database not answering a moment) rejected the promise kept for the ARN, and
 * the rejected promise stayed cached until the directory's next change: every later review naming that principal was
 * answered 503 (kube-apiserver retries each with backoff, then falls to its next authorizer) although the database was
 * reachable again, on an idle directory for as long as nothing was written. Now a lookup that failed is not kept: the
 * next review reads again, and is decided.
 *
 * A real server (SQLite) and a second App on its store (test/support/instances.ts) whose reads fail on demand; the
 * review as kube-apiserver sends it, parsed as the webhook parses it, decided by that App's `accessReview`.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../src/app/index.ts';
import { createKube } from '../src/app/kube.ts';
import { StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import { parseSubjectAccessReview } from '../src/core/kube/index.ts';
import { instanceBeside } from './support/instances.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let b: App;
let store: Store | undefined;
let bearer = '';
let acct = '';
const failing = { reads: false };

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {})] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
  const made = await instanceBeside(server, {
    now: () => Date.now(),
    wrap: (real) => ({ ...real, read: (fn, options) => (failing.reads ? Promise.reject(new StoreUnavailableError('SQLite is unavailable: disk I/O error')) : real.read(fn, options)) }),
  });
  b = made.app;
  store = made.store;
});
after(async () => {
  await store?.close().catch(() => {});
  await server?.stop();
});

test('og1: a review whose principal lookup met an outage is decided once the database answers again', async () => {
  const kube = createKube(b, { podEnvironment: async () => ({}) });
  const cluster = await kube.webhookCluster('k1', bearer);
  assert.ok(cluster, 'the second App finds k1 by its webhook token');
  // The user kube-apiserver still holds a TokenReview of (two minutes by default) was deleted since: not in memory.
  const gone = `arn:aws:iam::${acct}:user/deleted-since`;
  const review = parseSubjectAccessReview({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: 'deleted-since', groups: ['devs', 'system:authenticated'], extra: { arn: [gone] }, resourceAttributes: { verb: 'get', version: 'v1', resource: 'pods', namespace: 'ml' } },
  });
  assert.ok(review.ok, JSON.stringify(review));
  const head = b.live.head;
  failing.reads = true;
  await assert.rejects(kube.accessReview(cluster, review.value), (e: unknown) => e instanceof StoreUnavailableError, 'during the outage the review is an error (503), not a decision');
  failing.reads = false;
  // Nothing was written meanwhile: the directory's head is where it was.
  const answer = await kube.accessReview(cluster, review.value).catch((e: unknown) => e);
  assert.equal(b.live.head, head, 'the directory did not move');
  assert.ok(!(answer instanceof Error), `the database answers again, yet the review still fails: ${String(answer)}`);
  const a = answer as { allowed: boolean; denied: boolean; reason: string };
  assert.equal(a.allowed, false);
  assert.equal(a.denied, false, 'no opinion: the principal is gone, RBAC grants it nothing');
  assert.match(a.reason, /deleted-since` of this Kubernetes user does not exist/);
});
