/**
 * Review ix, 3: a list or watch narrowed by a `metadata.name` field selector got past an IAM deny on listing the
 * collection. kube-apiserver names the object in such a request's attributes (k8s.io/apiserver `RequestInfoFactory`:
 * for `list` and `watch`, `fieldSelector` requiring `metadata.name=X` sets the request's name to X), so `kubectl get
 * secrets -n prod --field-selector metadata.name=db-password -o yaml` is one SubjectAccessReview, `list` on `secrets`
 * in prod named `db-password`, and `kubectl get secret db-password -n prod -w` is `watch` named so. Gatehouse viewed it
 * as `kubernetes:list` on `…/namespaces/prod/secrets/db-password` alone, which a `Deny kubernetes:list` on the collection
 * `…/namespaces/prod/secrets` (how listing a collection is denied, and what the plain `kubectl get secrets -n prod`
 * meets) does not match: the list was allowed and returned the secret with its data, as `-A` did for every namespace.
 * Such a review is a request on the collection that the selector narrows, so it is now also viewed as the collection
 * (and, without a namespace, as the collection in each namespace a Deny names, as a list across namespaces is since
 * review K, K6), in the webhook and the authorize API. The plain `get` of the object is decided as before.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them; the authorize API as the root admin asks it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, SECRET_READERS, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;

const secrets = (verb: string, namespace: string, name?: string) =>
  k1.sar({ resourceAttributes: { verb, resource: 'secrets', version: 'v1', namespace, ...(name !== undefined ? { name } : {}) } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'no-prod-secret-lists': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['kubernetes:list', 'kubernetes:watch'], Resource: `${cluster}/namespaces/prod/secrets` }] },
    }),
    ...SECRET_READERS,
  });
});

after(async () => {
  await server?.stop();
});

test('a list or watch of the collection narrowed to one object by metadata.name is denied as the list is', async () => {
  const list = await secrets('list', 'prod');
  assert.deepEqual([list.allowed, list.denied], [false, true], list.reason);
  for (const verb of ['list', 'watch']) {
    const narrowed = await secrets(verb, 'prod', 'db-password');
    assert.deepEqual([narrowed.allowed, narrowed.denied], [false, true], `${verb}: ${narrowed.reason}`);
    assert.match(narrowed.reason, new RegExp(`kubernetes:${verb} on resource: arn:aws:training::\\d{12}:cluster/k1/namespaces/prod/secrets with an explicit deny`));
  }
});

test('across every namespace too (kubectl get secrets -A --field-selector metadata.name=…)', async () => {
  const all = await secrets('list', '', 'db-password');
  assert.deepEqual([all.allowed, all.denied], [false, true], all.reason);
});

test('the authorize API says the same', async () => {
  assert.equal(await k1.ask('kubernetes:list', '/namespaces/prod/secrets/db-password'), 'ExplicitDeny');
});

test('a get of the object, and a narrowed list where no Deny reaches, are decided as before', async () => {
  const get = await secrets('get', 'prod', 'db-password');
  assert.deepEqual([get.allowed, get.denied], [true, false], get.reason);
  const dev = await secrets('list', 'dev', 'db-password');
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
  assert.equal(await k1.ask('kubernetes:list', '/namespaces/dev/secrets/db-password'), 'Allow');
});
