/**
 * Review sr, 5: an access entry is filed under the principal ARN it was written with, and a role's entry written without
 * the role's path maps the role (`entryCandidates`; EKS matches roles without path; review gk, 3 keeps one entry per
 * principal whichever spelling). `gatehouse kube access-entry delete` (and `describe`) of the role's own ARN, with its
 * path, answered only `NO_SUCH_ENTITY: … has no access entry in cluster k1`: an operator removing the role's access by
 * its ARN was told there was none, while the entry went on mapping every session of the role into its groups. Create
 * with that ARN already names the other entry (`already has an access entry … as …`). Contract: docs/errors.md
 * (errors name what is wrong and where; STYLE), docs/decisions.md "Access entries are tied to the principal's unique id".
 * Now the refusal names the principal's entry and the ARN to give; nothing else changes (the delete still takes the ARN
 * the entry is filed under, as EKS's DeleteAccessEntry does).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
const bare = (): string => `arn:aws:iam::${acct}:role/ops`;
const pathed = (): string => `arn:aws:iam::${acct}:role/team/ops`;
const at = (arn: string): string => `/v1/clusters/k1/access-entries/${encodeURIComponent(arn)}`;
const message = (r: { json: Record<string, unknown> }): string => String((r.json['error'] as { message?: string } | undefined)?.message);

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ops', Path: '/team/', AssumeRolePolicyDocument: trust }));
  const c = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  assert.equal(c.status, 200, JSON.stringify(c.json));
  const e = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: bare(), kubernetesGroups: ['admins'] });
  assert.equal(e.status, 201, JSON.stringify(e.json));
});

after(async () => {
  await server?.stop();
});

describe("review sr5: an entry asked for by the other spelling of its principal's ARN is named", () => {
  test('delete by the role ARN with its path names the entry filed without it', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'DELETE', at(pathed()));
    assert.equal(r.status, 404, JSON.stringify(r.json));
    assert.match(message(r), new RegExp(`filed as ${bare().replace(/[/]/g, '\\/')} .*give that ARN`));
  });

  test('describe likewise', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'GET', at(pathed()));
    assert.equal(r.status, 404, JSON.stringify(r.json));
    assert.match(message(r), /filed as .*:role\/ops /);
  });

  test('the ARN it is filed under deletes it; then there is none under either', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'DELETE', at(bare()));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const again = await gatehouseJson(server.url, server.admin, 'DELETE', at(pathed()));
    assert.equal(again.status, 404);
    assert.doesNotMatch(message(again), /filed as/);
  });
});
