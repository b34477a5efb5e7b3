/**
 * Review ie, 4: an `aws` account's roles, workspaces and jobs are decided on their `arn:aws:` ARNs (jobs, PassRole and
 * the authorize API take `arn:aws-cn:iam::A:role/x` for the role `arn:aws:iam::A:role/x`, review U), so a binding's
 * condition reads a role's `resource.name` as `arn:aws:iam::A:role/x` only. A condition written with another AWS
 * partition's ARN (`arn:aws-cn:iam::A:role/admin`, as an administrator of a China-region estate writes them) was
 * stored as written: `roles/iam.serviceAccountUser` under `!resource.name.startsWith("arn:aws-cn:iam::A:role/admin")`
 * held for every role, and its member was allowed `iam:PassRole` on `admin-role` in either spelling (fail open). Now a
 * write refuses it, at the literal, naming the `arn:aws:` ARN to write, as reviews ie, 2 and 3 refuse the other dialect.
 *
 * Real server, SigV4-signed /v1/ calls as the root admin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { details } from './support/bindings-conditions.ts';

const ROOT = '000000000000';
const GIL = `arn:aws:iam::${ROOT}:user/gil`;

describe('a condition comparing a role’s resource.name with another AWS partition’s ARN', () => {
  let s: TestServer;
  const put = (expression: string) =>
    gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: `account/${ROOT}`, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:gil'], condition: { title: 'not admin', expression } }] });
  const passes = async (resource: string): Promise<unknown> =>
    (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: GIL, action: 'iam:PassRole', resource })).json['decision'];

  before(async () => {
    s = await startTestServer();
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'training.gatehouse.dev' } }] });
    for (const r of ['trainer', 'admin-role']) await s.iam().send(new I.CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trust }));
    await s.iam().send(new I.CreateUserCommand({ UserName: 'gil' }));
  });
  after(() => s?.stop());

  test('`!resource.name.startsWith("arn:aws-cn:iam::A:role/admin")` is refused, and admin-role is not passed', async () => {
    const r = await put(`!resource.name.startsWith("arn:aws-cn:iam::${ROOT}:role/admin")`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
    assert.equal(e?.path, 'bindings[0].condition.expression');
    assert.match(e?.message ?? '', new RegExp(`arn:aws:iam::${ROOT}:role/admin\``), 'it names the ARN to write');
    assert.notEqual(await passes(`arn:aws:iam::${ROOT}:role/admin-role`), 'Allow');
    assert.notEqual(await passes(`arn:aws-cn:iam::${ROOT}:role/admin-role`), 'Allow');
  });

  test('a workspace’s other-partition ARN is refused too; `arn:aws:` is taken and decides as meant', async () => {
    assert.equal((await put(`resource.name != "arn:aws-cn:training::${ROOT}:workspace/vision"`)).status, 400);
    const r = await put(`!resource.name.startsWith("arn:aws:iam::${ROOT}:role/admin")`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await passes(`arn:aws:iam::${ROOT}:role/trainer`), 'Allow');
    assert.notEqual(await passes(`arn:aws-cn:iam::${ROOT}:role/admin-role`), 'Allow');
  });
});
