/**
 * Review vm, 7: a question whose `action` is not a string was refused in words that quoted it as if it were one: a
 * list of one action (`"action": ["s3:GetObject"]`, as IAM's simulator takes `ActionNames`) read "action `s3:GetObject`
 * must be one action `service:Name` (no wildcards)", naming a good action as the bad one, and `null` read "action
 * `null` must be one action", as if the action were named `null`. /v1/authorize, /v1/simulate and /v1/who-can (one
 * check, `actionAndResourceRefusal`) now say `action` must be a string and what was sent instead (a list, with the way
 * to ask about several: one question each, or /v1/authorize:batch), with the same code and path; a string that is no
 * action is refused as before. Real server (SQLite), SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const RESOURCE = 'arn:aws:s3:::vm7/k';
const ALICE = 'arn:aws:iam::000000000000:user/admin';

describe('review vm7: an action that is not a string is refused as such', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  const refusal = async (route: string, action: unknown) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', `/v1/${route}`, { ...(route !== 'who-can' ? { principal: ALICE } : {}), action, resource: RESOURCE });
    const e = r.json['error'] as { code: string; message: string; details: { path?: string; code?: string }[] } | undefined;
    return { status: r.status, code: e?.code, message: e?.message ?? '', path: e?.details?.[0]?.path, gatehouseCode: e?.details?.[0]?.code };
  };

  it('a list, null, a number, an object or a boolean: `action` must be a string, saying what came', async () => {
    for (const route of ['authorize', 'simulate', 'who-can']) {
      for (const [action, got] of [[['s3:GetObject'], 'a list'], [['s3:GetObject', 's3:PutObject'], 'a list'], [null, 'null'], [5, 'a number'], [{ action: 's3:GetObject' }, 'an object'], [true, 'a boolean']] as const) {
        const e = await refusal(route, action);
        const what = `${route} ${JSON.stringify(action)}`;
        assert.equal(e.status, 400, what);
        assert.equal(e.code, 'InvalidInput', what);
        assert.equal(e.gatehouseCode, 'REQUEST_INVALID_ACTION', what);
        assert.equal(e.path, 'action', what);
        assert.match(e.message, new RegExp(`^\`action\` must be a string, one action \`service:Name\` \\(no wildcards\\), got ${got}`), `${what}: ${e.message}`);
        if (Array.isArray(action)) assert.match(e.message, /authorize:batch/, what);
      }
    }
  });

  it('a string that is no action is refused as before, and a good question is answered', async () => {
    const e = await refusal('authorize', 's3:Get*');
    assert.equal(e.message, 'action `s3:Get*` must be one action `service:Name` (no wildcards)');
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: ALICE, action: 's3:GetObject', resource: RESOURCE });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
});
