/**
 * Review jb, 15: `POST /v1/who-can` with a field it does not take (`unconditional`, `withConditionsNotMet`, a typo
 * such as `contxt`) was refused in the words of the authorize API's question: "unknown field `contxt`: a question has
 * `principal` or `principalProof` (optional, the proof with its `audience`), `action`, `resource` and `context`",
 * naming as its fields two that who-can refuses ("`principal` is not a field of who-can"). The refusal now names
 * who-can's own fields, with the field's path; `principal` keeps its own message, and a good question is answered as
 * before. Before the fix 1 of 2 tests failed. Real server (SQLite), the admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::jb15/x' };

describe('review jb15: who-can names its own fields when it refuses an unknown one', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  const error = async (body: object) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', body);
    const e = r.json['error'] as { code: string; message: string; details: { path?: string }[] };
    return { status: r.status, code: e?.code, message: e?.message, path: e?.details?.[0]?.path };
  };

  it('an unknown field is refused naming who-can\'s fields, not the authorize API\'s', async () => {
    for (const k of ['contxt', 'unconditional', 'withConditionsNotMet']) {
      const e = await error({ ...Q, [k]: true });
      assert.equal(e.status, 400);
      assert.equal(e.code, 'ValidationError');
      assert.equal(e.path, k);
      assert.equal(e.message, `unknown field \`${k}\`: who-can takes \`action\`, \`resource\` and \`context\` (optional); every user and role of your account is asked about`);
    }
  });

  it('`principal` keeps its own refusal, and a good question is answered', async () => {
    const e = await error({ ...Q, principal: 'arn:aws:iam::000000000000:user/admin' });
    assert.equal(e.message, '`principal` is not a field of who-can: every user and role of your account is asked about');
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', Q);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
});
