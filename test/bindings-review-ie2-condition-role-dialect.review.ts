/**
 * Review ie, 2: a role (a service account) is passed, asked about and decided on its canonical ARN, in its account's
 * dialect, whichever spelling the request uses (review U, ej 5): `acs:ram::A:role/x` in an `acs` account,
 * `arn:aws:iam::A:role/x` in an `aws` one. So a binding's condition reads `resource.name` of a role in that dialect
 * only, but a condition written in the other one (both dialects are "accepted everywhere", DESIGN.md) was stored as
 * written. In an `acs` account, `roles/iam.serviceAccountUser` under `!resource.name.startsWith("arn:aws:iam::A:role/admin")`,
 * "every role but admin", held for every role and let its member pass `admin-role` (`ram:PassRole` and `iam:PassRole`,
 * asked in either spelling: Allow), and the positive form granted nothing, silently. Now a write (API, `apply`,
 * `iam-policy set`) refuses `==`, `!=` and `startsWith` of `resource.name` with an IAM or RAM ARN in the dialect its
 * account does not use, at the literal, naming the ARN to write, as it refuses a GCP resource name (review gx, 7).
 * The account's own dialect is taken and decides as meant.
 *
 * Real server, an `acs` account made with the CLI, SigV4-signed /v1/ calls as its admin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { details } from './support/bindings-conditions.ts';

const ACS = '350000000077';
const FAY = `acs:ram::${ACS}:user/fay`;

describe('a condition comparing a role’s resource.name with an ARN in the other dialect', () => {
  let s: TestServer;
  let admin: Credentials;
  const binding = (expression: string) => ({ role: 'roles/iam.serviceAccountUser', members: ['user:fay'], condition: { title: 'not admin', expression } });
  const put = (expression: string) => gatehouseJson(s.url, admin, 'PUT', '/v1/iam-policies', { resource: `account/${ACS}`, bindings: [binding(expression)] });
  const passes = async (resource: string, action = 'ram:PassRole'): Promise<unknown> =>
    (await gatehouseJson(s.url, admin, 'POST', '/v1/authorize', { principal: FAY, action, resource })).json['decision'];

  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, ACS);
    const iam = s.iam(admin);
    const trust = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }] });
    for (const r of ['trainer', 'admin-role']) await iam.send(new I.CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trust }));
    await iam.send(new I.CreateUserCommand({ UserName: 'fay' }));
  });
  after(() => s?.stop());

  test('`!resource.name.startsWith("arn:aws:iam::A:role/admin")` in an acs account is refused, and admin-role is not passed', async () => {
    const r = await put(`!resource.name.startsWith("arn:aws:iam::${ACS}:role/admin")`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
    assert.equal(e?.path, 'bindings[0].condition.expression');
    assert.equal(e?.column, 27);
    assert.match(e?.message ?? '', new RegExp(`acs:ram::${ACS}:role/admin`), 'it names the ARN to write');
    for (const resource of [`acs:ram::${ACS}:role/admin-role`, `arn:aws:iam::${ACS}:role/admin-role`]) {
      for (const action of ['ram:PassRole', 'iam:PassRole']) assert.notEqual(await passes(resource, action), 'Allow', `${action} ${resource}`);
    }
  });

  test('the same through apply', async () => {
    const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'roles', account: ACS }, spec: { resource: `account/${ACS}`, bindings: [binding(`resource.name != "arn:aws:iam::${ACS}:role/admin-role"`)] } };
    const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', { documents: [doc] });
    assert.notEqual(r.status, 200, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /spec\.bindings\[0\]\.condition\.expression/);
    assert.notEqual(await passes(`acs:ram::${ACS}:role/admin-role`), 'Allow');
  });

  test('the account’s own dialect is taken and decides as meant under either spelling of the request', async () => {
    const r = await put(`!resource.name.startsWith("acs:ram::${ACS}:role/admin")`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await passes(`acs:ram::${ACS}:role/trainer`), 'Allow');
    assert.equal(await passes(`arn:aws:iam::${ACS}:role/trainer`, 'iam:PassRole'), 'Allow');
    assert.notEqual(await passes(`acs:ram::${ACS}:role/admin-role`), 'Allow');
    assert.notEqual(await passes(`arn:aws:iam::${ACS}:role/admin-role`, 'iam:PassRole'), 'Allow');
  });
});
