/**
 * Review ur, 4: the authorize API reads kube-apiserver's own URL of a request as the request it names, "as its
 * `RequestInfoFactory` reads them" (docs/semantics.md; review qs, 2), but it read the URL as written: kube-apiserver
 * splits the *decoded* path (`req.URL.Path`) and reads the query apart, so `GET
 * /api/v1/namespaces/prod/secrets/db%2Dpassword`, `GET …/secrets/db-password?pretty=true` and `GET
 * /api/v1/namespaces/pr%6Fd/secrets` are the get of secret `db-password` in `prod` and the list of `prod`'s secrets,
 * while the authorize API asked them of objects named `db%2Dpassword` and `db-password?pretty=true` in namespaces `prod`
 * and `pr%6Fd`, which no Deny names: `Deny kubernetes:get on …/namespaces/prod/secrets/db-password` answered Allow,
 * where the webhook refuses the same request. A resource server (a gateway in front of kube-apiserver) asking with the
 * URL it was sent let its caller dodge any IAM Deny by escaping a character or adding a query. And a list or watch of
 * a collection whose field selector requires `metadata.name=X` is named X by kube-apiserver (the webhook decides it so,
 * review ix, 3), while the authorize API asked the collection alone. Now the path's escapes are decoded before it is
 * split, the query is not part of the path, and its `fieldSelector` names the object of a list or watch of the
 * collection; an escape that does not decode is no request (kube-apiserver answers 400).
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; the
 * SubjectAccessReviews as kube-apiserver sends them; the authorize API signed by SDK v3, asked by the root admin.
 *
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, SECRET_READERS, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    // The one object alone: the collection `…/namespaces/prod/secrets` is not denied.
    inlinePolicies: (cluster) => ({
      'no-db-password': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['kubernetes:get', 'kubernetes:list', 'kubernetes:watch'], Resource: `${cluster}/namespaces/prod/secrets/db-password` }] },
    }),
    ...SECRET_READERS,
  });
});

after(async () => {
  await server?.stop();
});

test('an escaped character in the path is the character: the Deny applies as to the plain URL, as in the webhook', async () => {
  assert.equal(await k1.ask('kubernetes:get', '/api/v1/namespaces/prod/secrets/db-password'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:get', '/api/v1/namespaces/prod/secrets/db%2Dpassword'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:get', '/api/v1/namespaces/pr%6Fd/secrets/db-password'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:watch', '/api/v1/watch/namespaces/prod/secrets/db%2dpassword'), 'ExplicitDeny');
  const sar = await k1.sar({ resourceAttributes: { verb: 'get', resource: 'secrets', version: 'v1', namespace: 'prod', name: 'db-password' } });
  assert.deepEqual([sar.allowed, sar.denied], [false, true], sar.reason);
});

test('a query is not part of the path', async () => {
  assert.equal(await k1.ask('kubernetes:get', '/api/v1/namespaces/prod/secrets/db-password?pretty=true'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:get', '/api/v1/namespaces/prod/secrets/db-password/?resourceVersion=0'), 'ExplicitDeny');
});

test('a list or watch of the collection with a field selector on metadata.name is of that object, as the webhook decides it', async () => {
  for (const verb of ['list', 'watch']) {
    assert.equal(await k1.ask(`kubernetes:${verb}`, `/api/v1/namespaces/prod/secrets?${verb === 'watch' ? 'watch=1&' : ''}fieldSelector=metadata.name%3Ddb-password`), 'ExplicitDeny', verb);
    assert.equal(await k1.ask(`kubernetes:${verb}`, '/api/v1/secrets?fieldSelector=metadata.namespace%3Dprod,metadata.name%3D%3Ddb-password'), 'ExplicitDeny', `${verb}, every namespace`);
    const sar = await k1.sar({ resourceAttributes: { verb, resource: 'secrets', version: 'v1', namespace: 'prod', name: 'db-password' } });
    assert.deepEqual([sar.allowed, sar.denied], [false, true], sar.reason);
  }
});

test('what no Deny names is decided as before, and an escape that does not decode is no request', async () => {
  assert.equal(await k1.ask('kubernetes:get', '/api/v1/namespaces/dev/secrets/db%2Dpassword?pretty=true'), 'Allow');
  assert.equal(await k1.ask('kubernetes:list', '/api/v1/namespaces/prod/secrets?limit=500'), 'Allow');
  assert.equal(await k1.ask('kubernetes:list', '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name!%3Ddb-password'), 'Allow');
  assert.equal(await k1.ask('kubernetes:get', '/api/v1/namespaces/prod/secrets/db%zzpassword'), 'ImplicitDeny');
});
