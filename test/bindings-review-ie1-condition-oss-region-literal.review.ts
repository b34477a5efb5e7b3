/**
 * Review ie, 1: a condition on `resource.name` reads an OSS object in its one form, `acs:oss:*:*:<bucket>/<key>`,
 * whatever region or account the request spells (review gk, 1), but a condition written with the region or the account
 * an OSS console shows (`acs:oss:cn-hangzhou:*:data/secret/`, `acs:oss:*:<account>:data/x`) was stored as written. No
 * request's `resource.name` has that form, so such a comparison is the same for every request:
 * `!resource.name.startsWith("acs:oss:cn-hangzhou:*:ie1-data/secret/")`, "everything in the bucket but `secret/`", was
 * true for every object and granted `secret/` too (fail open, asked with the very spelling the condition names), and the
 * positive form silently granted nothing. Now a write refuses `==`, `!=` and `startsWith` of `resource.name` with an OSS
 * ARN whose region or account is not `*`, at the literal, saying the form to write, as it refuses a GCP resource name
 * (review gx, 7). The canonical form is taken and decides as meant. Stored conditions load as before.
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
const ERIN = `arn:aws:iam::${ROOT}:user/erin`;

describe('a condition comparing resource.name with a region- or account-spelled OSS ARN', () => {
  let server: TestServer;
  const put = (expression: string) =>
    gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
      resource: 'acs:oss:*:*:ie1-data',
      bindings: [{ role: 'roles/storage.objectViewer', members: ['user:erin'], condition: { title: 'not the secret folder', expression } }],
    });
  const decision = async (resource: string): Promise<unknown> =>
    (await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: ERIN, action: 'oss:GetObject', resource })).json['decision'];

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'erin' }));
  });
  after(() => server?.stop());

  test('`!resource.name.startsWith("acs:oss:cn-hangzhou:*:…/secret/")` is refused, and grants nothing under secret/', async () => {
    const r = await put('!resource.name.startsWith("acs:oss:cn-hangzhou:*:ie1-data/secret/")');
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
    assert.equal(e?.path, 'bindings[0].condition.expression');
    assert.equal(e?.column, 27);
    assert.match(e?.message ?? '', /acs:oss:\*:\*:ie1-data\/secret\//, 'it says the form to write');
    assert.notEqual(await decision('acs:oss:cn-hangzhou:*:ie1-data/secret/key'), 'Allow');
    assert.notEqual(await decision('acs:oss:*:*:ie1-data/secret/key'), 'Allow');
  });

  test('`==`/`!=` with an OSS ARN naming its account or region are refused too', async () => {
    for (const expression of [`resource.name == "acs:oss:*:${ROOT}:ie1-data/public/a.txt"`, 'resource.name != "acs:oss:cn-beijing:*:ie1-data/x"', `"acs:oss:cn-hangzhou:${ROOT}:ie1-data" == resource.name`]) {
      const r = await put(expression);
      assert.equal(r.status, 400, `${expression}: ${JSON.stringify(r.json)}`);
      assert.equal(details(r.json)[0]?.code, 'BINDINGS_INVALID_CONDITION', expression);
    }
  });

  test('the one form is taken and decides as meant under every spelling', async () => {
    const r = await put('!resource.name.startsWith("acs:oss:*:*:ie1-data/secret/")');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await decision('acs:oss:cn-hangzhou:*:ie1-data/train/x.csv'), 'Allow');
    assert.equal(await decision('acs:oss:cn-hangzhou:*:ie1-data/secret/key'), 'ImplicitDeny');
    assert.equal((await put('resource.name.endsWith("acs:oss:cn-hangzhou:*:x")')).status, 200, 'a key may end so');
  });
});
