/**
 * Review ua, 3: the authorize API and who-can read kube-apiserver's own URLs of resource requests as its
 * `RequestInfoFactory` (k8s.io/apiserver `endpoints/request/requestinfo.go`) does (review qs, 2), except two forms it
 * serves every day, which they called "not a Kubernetes request path" and refused (ImplicitDeny, an engine failing
 * closed; who-can: no one): the watch paths, `/api/v1/watch/namespaces/team/pods` (`watch` is a special verb there: the
 * request is `watch` of what follows, whatever the method; client-go's older informers, and the lead of this review: the
 * old `/api/v1/watch/namespaces/NAME` of one namespace), and the parts past a subresource,
 * `/api/v1/nodes/n1/proxy/metrics` (`kubectl get --raw`: "resource/resourceName/subresource/other/stuff/we/don't/interpret",
 * authorized as `get` of `nodes/proxy` named `n1`). They are now read so: `kubernetes:watch` on a watch path is the watch of
 * what follows (an IAM Deny of either spelling applies), and another verb on it is refused naming `watch`, since
 * kube-apiserver never asks one there.
 *
 * Real server; the authorize API and who-can signed with SDK v3's SignatureV4, the review as kube-apiserver sends it.
 *
 * Before the fix 4 of 5 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpsWorld, type OpsWorld } from './support/kube-ops-world.ts';

let world: OpsWorld;
let acct = '';
let cluster = '';
const admin = (method: string, path: string, body?: unknown) => world.admin(method, path, body);

async function authorize(action: string, path: string): Promise<{ decision: string; text: string }> {
  const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource: `${cluster}${path}` });
  return { decision: String(r['decision']), text: JSON.stringify(r) };
}

before(async () => {
  world = await startOpsWorld('watcher', () => [
    { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['watch'] },
    { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] },
  ]);
  ({ acct, cluster } = world);
});

after(async () => {
  await world?.server.stop();
});

test('the webhook allows the requests kube-apiserver makes of these paths', async () => {
  assert.equal(await world.webhook({ verb: 'watch', group: '', version: 'v1', resource: 'pods', namespace: 'team' }), true);
  assert.equal(await world.webhook({ verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'proxy', namespace: '', name: 'n1' }), true);
});

test('the authorize API reads a watch path as the watch of what follows', async () => {
  for (const path of ['/api/v1/watch/namespaces/team/pods', '/api/v1/watch/pods', '/api/v1/watch/namespaces/team']) {
    const d = await authorize('kubernetes:watch', path);
    assert.equal(d.decision, 'Allow', `${path}: ${d.text}`);
  }
});

test('another verb on a watch path is refused, naming the verb kube-apiserver asks there', async () => {
  const d = await authorize('kubernetes:get', '/api/v1/watch/namespaces/team/pods');
  assert.notEqual(d.decision, 'Allow', d.text);
  assert.match(d.text, /watch path.*kubernetes:watch/, d.text);
});

test('the parts past a subresource are its own path: get of a node proxy path is get of nodes/proxy', async () => {
  const d = await authorize('kubernetes:get', '/api/v1/nodes/n1/proxy/metrics');
  assert.equal(d.decision, 'Allow', d.text);
  const w = await admin('POST', '/v1/who-can', { action: 'kubernetes:watch', resource: `${cluster}/api/v1/watch/namespaces/team/pods` });
  assert.match(JSON.stringify(w), /user\/alice/, JSON.stringify(w));
});

test('an IAM Deny of the watch in its own spelling applies to the watch path', async () => {
  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:watch', Resource: `${cluster}/namespaces/team/pods` }] };
  await admin('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: { 'no-pod-watch': deny } } }] });
  await world.server.running.app.refresh();
  assert.equal((await authorize('kubernetes:watch', '/api/v1/watch/namespaces/team/pods')).decision, 'ExplicitDeny');
  assert.equal(await world.webhook({ verb: 'watch', group: '', version: 'v1', resource: 'pods', namespace: 'team' }), false);
});
