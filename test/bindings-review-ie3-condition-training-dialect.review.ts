/**
 * Review ie, 3: as a role's (review ie, 2), a workspace's, job's or cluster's ARN is Gatehouse's own and is decided in
 * its account's dialect: `acs:pai::A:workspace/W` in an `acs` account (jobs submit and authorize on it), whichever
 * spelling the question uses. A binding's condition written in the other dialect was stored as written: in an `acs`
 * account, `roles/ml.developer` under `!resource.name.startsWith("arn:aws:training::A:workspace/vision")`, "every
 * workspace but vision", held for vision too, and its member was allowed `training:CreateJob` there, asked in either
 * spelling (fail open); the positive form granted nothing. Now a write refuses `==`, `!=` and `startsWith` of
 * `resource.name` with an `arn:aws:training:` ARN in an `acs` account (an `acs:pai:` one in an `aws` account), at
 * the literal, naming the ARN to write. The account's own dialect is taken and decides as meant.
 *
 * Real server, an `acs` account made with the CLI and its workspace `vision` applied, SigV4-signed /v1/ calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { acsAccount, visionAndGpu } from './support/alibaba-world.ts';
import { details } from './support/bindings-conditions.ts';

const ACS = '350000000078';
const FAY = `acs:ram::${ACS}:user/fay`;

describe('a condition comparing a workspace’s resource.name with an ARN in the other dialect', () => {
  let s: TestServer;
  let admin: Credentials;
  const put = (expression: string) =>
    gatehouseJson(s.url, admin, 'PUT', '/v1/iam-policies', { resource: `account/${ACS}`, bindings: [{ role: 'roles/ml.developer', members: ['user:fay'], condition: { title: 'not vision', expression } }] });
  const submits = async (resource: string): Promise<unknown> =>
    (await gatehouseJson(s.url, admin, 'POST', '/v1/authorize', { principal: FAY, action: 'training:CreateJob', resource })).json['decision'];

  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, ACS);
    await s.iam(admin).send(new I.CreateUserCommand({ UserName: 'fay' }));
    await visionAndGpu(s, admin, ACS, ['fay']);
  });
  after(() => s?.stop());

  test('`!resource.name.startsWith("arn:aws:training::A:workspace/vision")` in an acs account is refused, and no job is allowed there', async () => {
    const r = await put(`!resource.name.startsWith("arn:aws:training::${ACS}:workspace/vision")`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
    assert.equal(e?.path, 'bindings[0].condition.expression');
    assert.equal(e?.column, 27);
    assert.match(e?.message ?? '', new RegExp(`acs:pai::${ACS}:workspace/vision`), 'it names the ARN to write');
    assert.notEqual(await submits(`acs:pai::${ACS}:workspace/vision`), 'Allow');
    assert.notEqual(await submits(`arn:aws:training::${ACS}:workspace/vision`), 'Allow');
  });

  test('the account’s own dialect is taken and decides as meant', async () => {
    const r = await put(`!resource.name.startsWith("acs:pai::${ACS}:workspace/vision")`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.notEqual(await submits(`acs:pai::${ACS}:workspace/vision`), 'Allow');
    assert.notEqual(await submits(`arn:aws:training::${ACS}:workspace/vision`), 'Allow');
  });
});
