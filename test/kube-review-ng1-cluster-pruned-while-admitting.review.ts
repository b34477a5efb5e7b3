/**
 * Review ng, 1: a pod's admission decided the pod's role in one read and stored the pod's job in a later write, so a cluster pruned in between still got a live pod job.
 *
 * `POST /k8s/{cluster}/admit` found the cluster (by its webhook token) and decided the role's PassRole and trust in
 * reads, then stored the pod's job (live, issued the role's sessions tagged with the cluster) in its own write with
 * nothing asked again (src/app/kube.ts `createPodJob`). An `apply --prune` committed between the two found no live
 * pod (none was stored yet: review hb, 2 refuses pruning a cluster with live nodes or pods) and deleted the cluster;
 * the pod's job was then stored live in a cluster that no longer existed, which hb2 says cannot be, whose webhook no
 * longer answers the pod's deletion (so the job never ends), and which a cluster made again under the name finds as
 * its own. Review nb, 2 closed the same gap for a node's start. Now the job's own write reads the cluster again and the
 * pod is refused (`cluster … does not exist`), nothing stored.
 *
 * A real server (SQLite) and a second App on its store whose next write first makes the prune through the server's
 * admin API, as another request would land between the admission's reads and its write.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { App } from '../src/app/index.ts';
import { createKube } from '../src/app/kube.ts';
import { parseAdmissionReview } from '../src/core/kube/index.ts';
import { podCreate, reviewedAs } from './support/admission.ts';
import { racingWrite, type RacingWrite } from './support/racing-write.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let race: RacingWrite;
let app: App;
let acct = '';
let bearer = '';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const others = () => [doc('Cluster', 'k2', {}), doc('User', 'pat', { inlinePolicies: { pass: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }) } })];

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' })) }));
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [doc('Cluster', 'k1', {}), ...others(), doc('AccessEntry', 'pat', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/pat`, kubernetesGroups: ['devs'] })],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
  race = await racingWrite(server);
  app = race.app;
});
after(async () => {
  await server?.stop();
});

test("ng1: a cluster pruned between a pod admission's checks and its job's write gets no live pod job", async () => {
  const kube = createKube(app, { podEnvironment: async () => ({}) });
  const cluster = await kube.webhookCluster('k1', bearer);
  assert.ok(cluster, 'the second App finds k1 by its webhook token');
  const review = parseAdmissionReview(podCreate(acct, 'pat', 'train-0', 'trainer', await reviewedAs(server, 'k1', bearer, 'pat')));
  assert.ok(review.ok, JSON.stringify(review));
  let pruned = 0;
  race.beforeNextWrite(async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: others(), prune: true });
    pruned = r.status;
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  const v = await kube.admit(cluster, review.value);
  assert.equal(pruned, 200, 'the cluster was pruned in between');
  assert.equal((await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/k1')).status, 404, 'k1 is gone');
  assert.equal(v.allowed, false, `the pod was admitted, its job stored live in the pruned cluster: ${JSON.stringify(v)}`);
  if (!v.allowed) assert.match(v.message ?? '', /cluster k1 does not exist/);
  const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  assert.equal(listed.status, 200, JSON.stringify(listed.json));
  assert.deepEqual(listed.json['jobs'], [], 'no job of the pruned cluster');
});
