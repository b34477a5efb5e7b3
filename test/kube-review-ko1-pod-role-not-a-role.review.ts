/**
 * Review ko, 1: a pod (or a workload's pod template) whose `gatehouse.dev/role` / `k8s.aliyun.com/eci-ram-role-name`
 * annotation names no role at all (a user's ARN, a policy's, `role/` with no name, a bare name with a `/` or over 64
 * characters) was refused 403 `check permission for ram role failed: role … does not exist in account A`, blaming a
 * missing role or a permission for what is a malformed annotation, where the jobs API answers the same `role` 400 naming
 * what is wrong (review km, 1). Now admission refuses it with code 400, naming the annotation, the value and the forms
 * it takes; a role ARN of another account, or one of this account no role has, is still refused 403 as before.
 * Before the fix 4 of 5 tests failed.
 * Real server (SQLite); AdmissionReview v1 POSTed to /k8s/{cluster}/admit with the cluster's bearer token.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit as admitTo, admissionReviewOf, podCreate as podCreateBy, reviewedAs } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

const podCreate = async (name: string, r: string) => podCreateBy(acct, 'pat', name, r, await reviewedAs(server, 'k1', bearer, 'pat'));
const admit = (body: unknown) => admitTo(server.url, 'k1', bearer, body);
const status = (r: Record<string, unknown>) => (r['status'] ?? {}) as { code?: number; message?: string };
const form = "takes a role ARN (arn:aws:iam::<account>:role/<name>, with the role's path if it has one) or the name of a role of account";

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const trust = JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }));
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust }));
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'pat', { inlinePolicies: { pass: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }) } }),
      doc('AccessEntry', 'pat', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/pat`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
});
after(() => server?.stop());

describe('review ko1: a role annotation naming no role is refused 400, naming the annotation', () => {
  it('a user ARN', async () => {
    const given = `arn:aws:iam::${acct}:user/pat`;
    const r = await admit(await podCreate('p1', given));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.equal(status(r).code, 400, JSON.stringify(r));
    assert.equal(
      status(r).message,
      `check permission for ram role failed: annotation \`gatehouse.dev/role\` ${form} ${acct}, got \`${given}\`, which is not a role ARN (the resource part must be \`role/\`, a path if any, and a name of 1-64 letters, digits or \`+=,.@_-\`)`,
    );
  });

  it('a role ARN with no name, and a policy ARN', async () => {
    for (const given of [`arn:aws:iam::${acct}:role/`, `arn:aws:iam::${acct}:policy/trainer`]) {
      const r = await admit(await podCreate('p2', given));
      assert.equal(status(r).code, 400, JSON.stringify(r));
      assert.match(String(status(r).message), /annotation `gatehouse\.dev\/role` takes a role ARN .*which is not a role ARN/);
    }
  });

  it('a bare name that is no role name', async () => {
    const r = await admit(await podCreate('p3', 'team/trainer'));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.equal(status(r).code, 400, JSON.stringify(r));
    assert.equal(status(r).message, `check permission for ram role failed: annotation \`gatehouse.dev/role\` ${form} ${acct}, got \`team/trainer\`, which is not a role name (1-64 letters, digits or \`+=,.@_-\`); for a role at a path, give its ARN`);
  });

  it('in a Deployment’s pod template, naming the ECI annotation', async () => {
    const user = await reviewedAs(server, 'k1', bearer, 'pat');
    const given = `arn:aws:iam::${acct}:user/pat`;
    const template = { metadata: { annotations: { 'k8s.aliyun.com/eci-ram-role-name': given } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1', namespace: 'ml' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template } };
    const r = await admit(admissionReviewOf({ group: 'apps', kind: 'Deployment', resource: 'deployments' }, 'CREATE', deployment, null, user));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.equal(status(r).code, 400, JSON.stringify(r));
    assert.match(String(status(r).message), /^check permission for ram role failed: annotation `k8s\.aliyun\.com\/eci-ram-role-name` takes a role ARN .*which is not a role ARN/);
  });

  it('a role ARN is still decided as before: another account’s, a missing one, an existing one', async () => {
    const other = await admit(await podCreate('p4', 'arn:aws:iam::999999999999:role/trainer'));
    assert.equal(status(other).code, 403, JSON.stringify(other));
    assert.equal(status(other).message, `check permission for ram role failed: role arn:aws:iam::999999999999:role/trainer does not exist in account ${acct} (a role of another account cannot be passed)`);
    const missing = await admit(await podCreate('p5', 'nobody'));
    assert.equal(status(missing).code, 403, JSON.stringify(missing));
    const ok = await admit(await podCreate('p6', 'trainer'));
    assert.equal(ok['allowed'], true, JSON.stringify(ok));
  });
});
