/**
 * Review N, N6: the webhooks' refusals say what to do. A review over the size limit was answered 413 "the review is
 * too large" (no limit, no cause; kube-apiserver logs the message and nothing else), and a GET was answered 405 without
 * `Allow`. Now the 413 names the review, the limit and what makes it large; the 405 says `Allow: POST`. The
 * SubjectAccessReview is the one kube-apiserver sends, with 1,200 groups of 60 characters.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let token = '';

before(async () => {
  server = await startTestServer();
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  token = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});

after(async () => {
  await server?.stop();
});

test('413 names the review, its limit and the cause; 405 says Allow: POST', async () => {
  const groups = Array.from({ length: 1200 }, (_, i) => `group-${String(i).padStart(54, '0')}`);
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get', version: 'v1', resource: 'pods', namespace: 'a' }, user: 'u', groups } };
  const big = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const json = (await big.json()) as Record<string, unknown>;
  assert.equal(big.status, 413);
  assert.deepEqual([json['kind'], json['reason']], ['Status', 'RequestEntityTooLarge']);
  assert.match(String(json['message']), /^the SubjectAccessReview is larger than 64 KiB; its user's groups and extra make it so: give the user fewer groups/);
  const tr = await fetch(`${server.url}/k8s/k1/authenticate`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'x'.repeat(70_000) } }) });
  assert.equal(tr.status, 413);
  assert.match(String(((await tr.json()) as Record<string, unknown>)['message']), /^the TokenReview is larger than 64 KiB; a k8s-aws-v1\. token is at most 21857 characters/);
  const get = await fetch(`${server.url}/k8s/k1/authorize`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  await get.body?.cancel();
});
