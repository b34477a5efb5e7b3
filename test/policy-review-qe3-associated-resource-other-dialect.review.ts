/**
 * Policy review qe, finding 3: `iam:AssociatedResourceArn`, the ARN of the job, node or pod a role is passed to (review
 * gb, 5), carries the account's own spelling (`acs:pai::A:job/…` in an `acs` account), and a PassRole condition on it
 * compared literally. Both dialects are accepted everywhere (DESIGN.md) and a Deny's `Resource` naming a job, workspace
 * or cluster in the other spelling already applies (review is, 6), but in an `acs` account a Deny keeping a role off
 * training jobs with `ArnLike iam:AssociatedResourceArn arn:aws:training::A:job/*` never applied: the node started with
 * the role. Now such a value names a workspace's, job's or cluster's ARN in either spelling (`arn:aws:training::A:X` ≡
 * `acs:pai::A:X`), as finding 1 made `aws:PrincipalArn` read; a Deny in the account's own spelling still applies, and a
 * job the condition does not name is untouched.
 * Before the fix 1 of 3 tests failed.
 * Real server (SQLite), an `acs` account, SigV4-signed /v1/apply, /v1/clusters/…/nodes and /v1/jobs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604063';
let s: TestServer;
let admin: Credentials;
let erin: Credentials;
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const trust = (service: string) => ({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { Service: [service] }, Action: 'sts:AssumeRole' }] });

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'acs');
  erin = await userWithKey({ url: s.url, admin }, 'erin');
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['training:*', 'ram:PassRole'], Resource: '*' },
      // nodeadm never to a job of the account (a node runs as one), written in AWS's spelling…
      { Effect: 'Deny', Action: 'iam:PassRole', Resource: `arn:aws:iam::${A}:role/nodeadm`, Condition: { ArnLike: { 'iam:AssociatedResourceArn': `arn:aws:training::${A}:job/*` } } },
      // …and nodeops in the account's own.
      { Effect: 'Deny', Action: 'ram:PassRole', Resource: role('nodeops'), Condition: { StringLike: { 'iam:AssociatedResourceArn': `acs:pai::${A}:job/*` } } },
    ],
  };
  const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'erin', { inlinePolicies: { p: policy } }),
      doc('Role', 'nodeadm', { trustPolicy: trust('compute.gatehouse.dev') }),
      doc('Role', 'nodeops', { trustPolicy: trust('compute.gatehouse.dev') }),
      doc('Role', 'trainer', { trustPolicy: trust('training.gatehouse.dev') }),
      doc('Workspace', 'vision', { members: [{ user: 'erin' }] }),
      doc('Cluster', 'gpu', { instanceRole: 'nodeadm' }),
      doc('Cluster', 'cpu', { instanceRole: 'nodeops' }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => s?.stop());

describe('iam:AssociatedResourceArn reads a training ARN in either dialect (policy review qe, 3)', () => {
  it('a PassRole Deny on ArnLike iam:AssociatedResourceArn in AWS\'s spelling refuses a node in an acs account', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  it('one in the account\'s own spelling still does (unchanged)', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/clusters/cpu/nodes', { imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  it('a role the Denies do not name is passed to a job', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });
});
