/**
 * Review ac, finding 2: a pod the admission webhook refused was recorded in the audit log with its role as the pod's
 * annotation spelt it (`Trainer` for a role `/team/trainer`, `arn:aws:iam::A:role/x/../trainer`, another case), not
 * as the role's ARN, so `audit query --role <the role's ARN>` missed the attempt. Now the refusal records the role's
 * canonical ARN (path and case as the directory holds them) and keeps the annotation as written in
 * `detail.roleAnnotation`. Real server (SQLite); AdmissionReview v1 POSTed to /k8s/{cluster}/admit as kube-apiserver
 * sends it, with the cluster's bearer token from /v1/clusters/{name}/webhook-config.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit as admitTo, podCreate as podCreateBy, reviewedAs } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

/** A pod CREATE by `user` (authenticated by a token of its own through the TokenReview), naming `role` in `gatehouse.dev/role`, as kube-apiserver sends it. */
const podCreate = async (user: string, name: string, role: string) => podCreateBy(acct, user, name, role, await reviewedAs(server, 'k1', bearer, user));
const admit = (body: unknown) => admitTo(server.url, 'k1', bearer, body);

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  await server.iam().send(
    new I.CreateRoleCommand({
      RoleName: 'trainer',
      Path: '/team/',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'intruder', {}),
      doc('AccessEntry', 'intruder', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/intruder`, kubernetesGroups: ['devs'] }),
      doc('User', 'deployer', { inlinePolicies: { pass: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] } } }),
      doc('AccessEntry', 'deployer', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/deployer`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
});
after(() => server?.stop());

describe('an admission refusal records the role by its canonical ARN (review ac, 2)', () => {
  it('a short name, another case and a path spelt otherwise are all found by the role’s ARN', async () => {
    const ROLE = `arn:aws:iam::${acct}:role/team/trainer`;
    const spellings = ['trainer', 'TRAINER', `arn:aws:iam::${acct}:role/x/../trainer`, `arn:aws:iam::${acct}:role/team/Trainer`];
    for (const [i, role] of spellings.entries()) {
      const r = await admit(await podCreate('intruder', `p${i}`, role));
      assert.equal(r['allowed'], false, JSON.stringify(r));
    }
    const records = await auditRecords(server, { action: 'training:AdmitPod', role: ROLE });
    const found = records.filter((r) => r.decision === 'Deny');
    assert.deepEqual(
      found.map((r) => [r.role, r.detail['roleAnnotation']]).sort(),
      spellings.map((s) => [ROLE, s]).sort(),
      JSON.stringify(found.map((r) => [r.role, r.detail])),
    );
  });

  it('a role that does not exist is recorded as the annotation names it, as before', async () => {
    const r = await admit(await podCreate('intruder', 'ghostly', 'ghost'));
    assert.equal(r['allowed'], false);
    const records = await auditRecords(server, { action: 'training:AdmitPod', role: `arn:aws:iam::${acct}:role/ghost` });
    assert.equal(records.length, 1, JSON.stringify(records));
  });

  it('a refused change to the containers of a pod running as the role names that role, whatever its annotation now says', async () => {
    const ROLE = `arn:aws:iam::${acct}:role/team/trainer`;
    const created = await admit(await podCreate('deployer', 'runner', 'trainer'));
    assert.equal(created['allowed'], true, JSON.stringify(created));
    const patch = JSON.parse(Buffer.from(String(created['patch']), 'base64').toString('utf8')) as { path: string; value: unknown }[];
    const job = String(patch.find((p) => p.path === '/metadata/annotations/gatehouse.dev~1job')?.value);
    const running = ((await podCreate('deployer', 'runner', 'trainer'))['request'] as { object: { metadata: { annotations: Record<string, string> }; spec: { containers: { image: string }[] } } }).object;
    running.metadata.annotations['gatehouse.dev/job'] = job;
    // intruder renames the annotation to a role that does not exist and changes the image in one UPDATE.
    const changed = structuredClone(running);
    changed.metadata.annotations['gatehouse.dev/role'] = 'ghost';
    (changed.spec.containers[0] as { image: string }).image = 'evil';
    const update = await podCreate('intruder', 'runner', 'ghost');
    Object.assign(update['request'] as Record<string, unknown>, { operation: 'UPDATE', object: changed, oldObject: running, options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' } });
    const r = await admit(update);
    assert.equal(r['allowed'], false, JSON.stringify(r));
    const records = await auditRecords(server, { action: 'training:AdmitPod', role: ROLE });
    const refused = records.filter((x) => x.decision === 'Deny' && x.detail['operation'] === 'UPDATE');
    assert.equal(refused.length, 1, JSON.stringify(records.map((x) => [x.decision, x.role, x.detail])));
    assert.equal(refused[0]?.detail['roleAnnotation'], 'ghost');
  });

  it('a refused Deployment whose pod template names the role by a short name: the canonical ARN too', async () => {
    const ROLE = `arn:aws:iam::${acct}:role/team/trainer`;
    const body = await podCreate('intruder', 'web', 'Trainer');
    const request = body['request'] as Record<string, unknown>;
    const pod = request['object'] as { metadata: Record<string, unknown>; spec: unknown };
    Object.assign(request, {
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ml' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' }, annotations: pod.metadata['annotations'] }, spec: pod.spec } } },
    });
    const r = await admit(body);
    assert.equal(r['allowed'], false, JSON.stringify(r));
    const records = await auditRecords(server, { action: 'training:AdmitWorkload', role: ROLE });
    assert.deepEqual(records.map((x) => [x.decision, x.detail['roleAnnotation']]), [['Deny', 'Trainer']]);
  });
});
