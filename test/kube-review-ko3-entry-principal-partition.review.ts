/**
 * Review ko, 3: an access entry is found at authentication by its principal's ARN in its account's dialect
 * (src/core/kube/access-entry.ts `entryCandidates`: `arn:aws:iam::A:user/x` in an `aws` account, `acs:ram::A:user/x` in
 * an `acs` one). An entry whose `principalArn` spelt the principal in another AWS partition (`arn:aws-cn:iam::A:user/lead`)
 * or the other dialect (`acs:ram::A:user/lead` in an `aws` account) was taken (201, tied to lead's id) and mapped no one,
 * silently; and beside lead's own entry a second one of the same principal and document name was kept, where a principal
 * has one entry per cluster (review gk, 3). Now both doors (POST /v1/clusters/{c}/access-entries and apply) refuse it,
 * 400 at `principalArn`, naming the ARN to write; the account's own spelling is taken as before.
 * Before the fix 4 of 4 tests failed (the first three answered 201 or took the entry, the last then listed three entries).
 *
 * Real server (SQLite), SigV4-signed /v1/ calls as the root admin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const create = (principalArn: string) => gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn, kubernetesGroups: ['devs'] });
const said = (r: { json: Record<string, unknown> }) => JSON.stringify(r.json);

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  await server.iam().send(new I.CreateUserCommand({ UserName: 'lead', Path: '/team/' }));
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {})] });
  assert.equal(applied.status, 200, said(applied));
});
after(() => server?.stop());

describe('review ko3: an access entry spelling its principal in another partition or dialect is refused', () => {
  it('arn:aws-cn:iam:: in an aws account', async () => {
    const r = await create(`arn:aws-cn:iam::${acct}:user/team/lead`);
    assert.equal(r.status, 400, said(r));
    assert.match(said(r), new RegExp(`principals are found by their \`arn:aws:iam::\` ARNs.*give \`arn:aws:iam::${acct}:user/team/lead\``));
    assert.match(said(r), /principalArn/);
  });

  it('acs:ram:: in an aws account', async () => {
    const r = await create(`acs:ram::${acct}:user/lead`);
    assert.equal(r.status, 400, said(r));
    assert.match(said(r), new RegExp(`give \`arn:aws:iam::${acct}:user/lead\``));
  });

  it('in an apply', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [doc('AccessEntry', 'lead-cn', { cluster: 'k1', principalArn: `arn:aws-cn:iam::${acct}:user/lead`, kubernetesGroups: ['devs'] })],
    });
    assert.equal(r.status, 400, said(r));
    assert.match(said(r), new RegExp(`give \`arn:aws:iam::${acct}:user/lead\``));
  });

  it('the account’s own spelling is taken, once', async () => {
    const r = await create(`arn:aws:iam::${acct}:user/team/lead`);
    assert.equal(r.status, 201, said(r));
    const list = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/k1/access-entries');
    assert.deepEqual((list.json['accessEntries'] as { principalArn: string }[]).map((e) => e.principalArn), [`arn:aws:iam::${acct}:user/team/lead`]);
  });
});
