/**
 * Review hq, 1: a pod's role ARN (`gatehouse.dev/role`) must name the role with its exact path, as AssumeRole finds it
 * and as a job's submission and a node's start hold it (review hp, 1). Pod admission took an ARN at path `/` for the
 * role of that name at any path: `arn:aws:iam::A:role/finance-admin` was admitted as `role/sandbox/finance-admin`,
 * which AWS never does (that ARN names no role), and the pod's job ran as the role the ARN does not name. Now an ARN
 * whose path is not the role's names no role (PassRole decided on it as given, then `does not exist`); a bare name
 * (the cluster account's role of that name) is still found at its path.
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
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const role = (pathAndName: string) => `arn:aws:iam::${acct}:role/${pathAndName}`;

const podCreate = async (user: string, name: string, r: string) => podCreateBy(acct, user, name, r, await reviewedAs(server, 'k1', bearer, user));
const admit = (body: unknown) => admitTo(server.url, 'k1', bearer, body);
const message = (r: Record<string, unknown>) => String((r['status'] as { message?: string } | undefined)?.message ?? '');

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const trust = JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }));
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'finance-admin', Path: '/sandbox/', AssumeRolePolicyDocument: trust }));
  const entry = (user: string) => doc('AccessEntry', user, { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/${user}`, kubernetesGroups: ['devs'] });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      // Allowed to pass every role.
      doc('User', 'pat', { inlinePolicies: { pass: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }) } }),
      entry('pat'),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
});
after(() => server?.stop());

describe('review hq1: a pod role ARN names the role with its path', () => {
  it('the role at its own path is admitted, and by its bare name', async () => {
    const byArn = await admit(await podCreate('pat', 'p1', role('sandbox/finance-admin')));
    assert.equal(byArn['allowed'], true, JSON.stringify(byArn));
    const byName = await admit(await podCreate('pat', 'p2', 'finance-admin'));
    assert.equal(byName['allowed'], true, JSON.stringify(byName));
  });

  it('an ARN at path / does not name the role at /sandbox/', async () => {
    const r = await admit(await podCreate('pat', 'p3', role('finance-admin')));
    // Before the fix: allowed, the pod's job to run as arn:aws:iam::A:role/sandbox/finance-admin.
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.equal(message(r), `check permission for ram role failed: role ${role('finance-admin')} does not exist in account ${acct}`);
  });

  it('nor does an ARN at another path', async () => {
    const r = await admit(await podCreate('pat', 'p4', role('other/finance-admin')));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.equal(message(r), `check permission for ram role failed: role ${role('other/finance-admin')} does not exist in account ${acct}`);
  });
});
