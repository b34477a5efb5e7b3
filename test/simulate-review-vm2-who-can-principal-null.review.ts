/**
 * Review vm, 2: `POST /v1/who-can` with `"principal": null` (or `""`, a number, a list) was refused in the words of
 * the authorize API and simulate, "`principal` must be the ARN of a principal, or left out to ask about the signing
 * caller", telling the asker to send a principal who-can refuses, or that leaving it out asks about the signing caller
 * (who-can asks about every user and role of the account). So for `principalProof`: "must be the caller's presigned
 * STS GetCallerIdentity URL". The field's type was checked before whether who-can takes it at all; a value of any
 * type is now refused with who-can's own message (review jb, 15), naming the field, and a good question is answered
 * as before. Real server (SQLite), the admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::vm2/x' };

describe('review vm2: who-can refuses `principal` and `principalProof` of any type in its own words', () => {
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

  it('`principal` and `principalProof` of any value are not fields of who-can', async () => {
    for (const field of ['principal', 'principalProof']) {
      for (const value of [null, '', 5, false, ['arn:aws:iam::000000000000:user/admin'], {}]) {
        const e = await error({ ...Q, [field]: value });
        const what = `${field}: ${JSON.stringify(value)}`;
        assert.equal(e.status, 400, what);
        assert.equal(e.code, 'ValidationError', what);
        assert.equal(e.path, field, what);
        assert.equal(e.message, `\`${field}\` is not a field of who-can: every user and role of your account is asked about`, what);
      }
    }
  });

  it('a good question is answered, and a wrongly typed field of its own is refused as before', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', Q);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const e = await error({ ...Q, context: null });
    assert.equal(e.path, 'context');
    assert.match(e.message ?? '', /`context` must be an object/);
  });
});
