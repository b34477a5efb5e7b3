/**
 * Review ij, 2: an AdmissionReview nested a few thousand levels deep was answered 500 `We encountered an internal
 * error`, with a stack overflow's trace in the server's log for each. The admin API refuses a body nested past
 * MAX_BODY_DEPTH before any route reads it (review fd, 1); the webhooks parsed any depth and handed it on, and the
 * admission of an UPDATE compares the old and new pod templates by walking them recursively (core/kube/changes.ts
 * `canonical`), which overflows the stack some thousands of levels down. kube-apiserver decodes up to 10,000 levels, and
 * a custom resource whose schema keeps unknown fields (a training operator's job) carries them to the webhook as
 * written. Such a review is now refused 400 before it is read, naming where it is nested too deep and the bound; one
 * within it is admitted as before.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; alice's token reviewed by the TokenReview webhook; AdmissionReviews as kube-apiserver sends them (its
 * JSON written out by hand past the depth `JSON.stringify` reaches).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;

/** `depth` nested arrays around `1`. */
const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** The admission webhook's answer to an UPDATE of `kind` from `old` to `now`, where the string `"DEEP"` stands for `deep`. */
async function update(kind: { group: string; version: string; kind: string; resource: string }, now: unknown, old: unknown, deep: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '00000000-0000-4000-8000-000000000001',
      kind: { group: kind.group, version: kind.version, kind: kind.kind },
      resource: { group: kind.group, version: kind.version, resource: kind.resource },
      name: 'train',
      namespace: 'ml',
      operation: 'UPDATE',
      userInfo: k1.user,
      object: now,
      oldObject: old,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' },
    },
  };
  const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${k1.bearer}` }, body: JSON.stringify(review).replaceAll('"DEEP"', deep) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

const pytorchJob = (image: string) => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: { name: 'train', namespace: 'ml' },
  spec: { pytorchReplicaSpecs: { Worker: { replicas: 2, template: { spec: { containers: [{ name: 'pytorch', image }], extraConfig: 'DEEP' } } } } },
});

const pod = (image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'train', namespace: 'ml' }, spec: { containers: [{ name: 'c', image, args: 'DEEP' }] } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, { inlinePolicies: () => ({}), group: 'devs', rbac: [] });
});

after(async () => {
  await server?.stop();
});

test('a pod UPDATE nested thousands of levels deep is refused 400, saying where and the bound', async () => {
  const r = await update({ group: '', version: 'v1', kind: 'Pod', resource: 'pods' }, pod('b'), pod('a'), nested(5000));
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.equal(r.json['kind'], 'Status');
  assert.match(String(r.json['message']), /^`request\.object\.spec\.containers\[0\]\.args(\[0\])+/);
  assert.match(String(r.json['message']), /nested past 512 levels of objects and arrays/);
  assert.ok(!server.logs.some((l) => /Maximum call stack/.test(l)), server.logs.join('\n').slice(0, 2000));
});

test("a custom resource's unknown field nested deep, as kube-apiserver keeps it, is refused 400 too", async () => {
  const r = await update({ group: 'kubeflow.org', version: 'v1', kind: 'PyTorchJob', resource: 'pytorchjobs' }, pytorchJob('b'), pytorchJob('a'), nested(9000));
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(String(r.json['message']), /^`request\.object\.spec\.pytorchReplicaSpecs\.Worker\.template\.spec\.extraConfig(\[0\])+/);
});

test('one nested within the bound is admitted as before', async () => {
  const r = await update({ group: 'kubeflow.org', version: 'v1', kind: 'PyTorchJob', resource: 'pytorchjobs' }, pytorchJob('b'), pytorchJob('a'), nested(400));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal((r.json['response'] as Record<string, unknown>)['allowed'], true, JSON.stringify(r.json));
});
