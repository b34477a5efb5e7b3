/**
 * Policy review qe, finding 5: an access entry's write is decided with its principal as `training:principalArn`
 * (review N, N10: EKS's `eks:principalArn`), the principal's canonical ARN in its account's dialect (`acs:ram::A:role/…`
 * in an `acs` account), and a condition on it compared literally. Both dialects are accepted everywhere (DESIGN.md), but
 * in an `acs` account a Deny keeping the admin roles out of every cluster with `StringLike training:principalArn
 * arn:aws:iam::A:role/admin*` never applied: whoever could create an access entry mapped `admin` into the cluster. Now the
 * key reads the principal's ARN in either spelling, as findings 1, 3 and 4 made `aws:PrincipalArn`,
 * `iam:AssociatedResourceArn` and `aws:SourceArn` read; a Deny in the account's own spelling still applies, and a
 * principal it does not name is still mapped.
 * Before the fix 1 of 3 tests failed.
 * Real server (SQLite), an `acs` account, SigV4-signed /v1/apply and /v1/clusters/…/access-entries.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604065';
let s: TestServer;
let lead: Credentials;
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const trust = { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:root`] }, Action: 'sts:AssumeRole' }] };
const map = (principalArn: string) => gatehouseJson(s.url, lead, 'POST', '/v1/clusters/k1/access-entries', { principalArn, kubernetesGroups: ['devs'] });

before(async () => {
  s = await startTestServer();
  const admin = await accountAdmin(s, A, 'acs');
  lead = await userWithKey({ url: s.url, admin }, 'lead');
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'training:*', Resource: '*' },
      { Effect: 'Deny', Action: 'training:CreateAccessEntry', Resource: '*', Condition: { StringLike: { 'training:principalArn': `arn:aws:iam::${A}:role/admin*` } } },
      { Effect: 'Deny', Action: 'training:CreateAccessEntry', Resource: '*', Condition: { StringLike: { 'training:principalArn': `acs:ram::${A}:role/ops*` } } },
    ],
  };
  const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'lead', { inlinePolicies: { p: policy } }),
      ...['admin', 'ops', 'dev'].map((n) => doc('Role', n, { trustPolicy: trust })),
      doc('Cluster', 'k1', {}),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => s?.stop());

describe('training:principalArn reads the entry\'s principal in either dialect (policy review qe, 5)', () => {
  it('a Deny on StringLike training:principalArn in AWS\'s spelling refuses an acs account\'s entry', async () => {
    const r = await map(role('admin'));
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /training:CreateAccessEntry/);
  });

  it('one in the account\'s own spelling still does (unchanged)', async () => {
    const r = await map(role('ops'));
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  it('a principal the Denies do not name is mapped', async () => {
    const r = await map(role('dev'));
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });
});
