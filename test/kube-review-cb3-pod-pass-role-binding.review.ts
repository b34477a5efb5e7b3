/**
 * Review cb, finding 3: the admission webhook decided the PassRole of a pod's role annotation (`gatehouse.dev/role`) by
 * IAM policies alone. `roles/iam.serviceAccountUser` on the role (a GCP-style binding granting
 * `iam.serviceAccounts.actAs`) lets a user pass it to a job and to a node, and the authorize API and `gatehouse
 * simulate` answer Allow for that PassRole; yet a pod of the same user naming the role was refused. Now admission
 * accepts the binding as those do: never over an IAM explicit deny, and cut by the passer's permissions boundary.
 * Real server (SQLite); AdmissionReview v1 POSTed to /k8s/{cluster}/admit with the cluster's bearer token.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit as admitTo, podCreate as podCreateBy, reviewedAs } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
let roleArn = '';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

/** A pod CREATE by `user` (authenticated by a token of its own through the TokenReview), naming `role` in `gatehouse.dev/role`, as kube-apiserver sends it. */
const podCreate = async (user: string, name: string, role: string) => podCreateBy(acct, user, name, role, await reviewedAs(server, 'k1', bearer, user));
const admit = (body: unknown) => admitTo(server.url, 'k1', bearer, body);

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  roleArn = `arn:aws:iam::${acct}:role/trainer`;
  await server.iam().send(
    new I.CreateRoleCommand({
      RoleName: 'trainer',
      AssumeRolePolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' })),
    }),
  );
  const entry = (user: string) => doc('AccessEntry', user, { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/${user}`, kubernetesGroups: ['devs'] });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Policy', 'nothing-to-pass', { document: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }),
      // No IAM policy at all: the binding alone.
      doc('User', 'bound', {}),
      entry('bound'),
      // The binding, and IAM denies the PassRole.
      doc('User', 'denied', { inlinePolicies: { no: policy({ Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }) } }),
      entry('denied'),
      // The binding, and a permissions boundary that does not allow the PassRole.
      doc('User', 'boxed', { permissionsBoundary: 'nothing-to-pass' }),
      entry('boxed'),
      // No binding, no policy.
      doc('User', 'stranger', {}),
      entry('stranger'),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const bound = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: roleArn, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:bound', 'user:denied', 'user:boxed'] }] });
  assert.equal(bound.status, 200, JSON.stringify(bound.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
});
after(() => server?.stop());

describe('pod admission accepts roles/iam.serviceAccountUser as the PassRole (review cb, 3)', () => {
  it('the authorize API answers Allow for the PassRole, and a pod naming the role is admitted', async () => {
    const asked = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', {
      principal: `arn:aws:iam::${acct}:user/bound`,
      action: 'iam:PassRole',
      resource: roleArn,
      context: { 'iam:PassedToService': 'compute.gatehouse.dev' },
    });
    assert.equal(asked.json['decision'], 'Allow', JSON.stringify(asked.json));
    const r = await admit(await podCreate('bound', 'p1', 'trainer'));
    // Before the fix: refused, "no identity-based policy allows the iam:PassRole action".
    assert.equal(r['allowed'], true, JSON.stringify(r));
  });

  it('an IAM explicit deny of the PassRole refuses, binding or not', async () => {
    const r = await admit(await podCreate('denied', 'p2', 'trainer'));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.match(JSON.stringify(r), /explicitly denied/);
  });

  it('the permissions boundary cuts what the binding grants, and the refusal says so', async () => {
    const r = await admit(await podCreate('boxed', 'p3', 'trainer'));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.match(JSON.stringify(r), /permissions boundary does not allow/);
  });

  it('without a binding the refusal says what bindings answered', async () => {
    const r = await admit(await podCreate('stranger', 'p4', 'trainer'));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.match(JSON.stringify(r), /iam:PassRole/);
    assert.match(JSON.stringify(r), /bindings: /);
  });
});
