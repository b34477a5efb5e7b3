/**
 * Review gm, 2: a change the admin API's edge records (workspaces, clusters, resource policies, access entries, the
 * webhook credential) refused to its caller for want of permission is recorded with the request as sent, and the
 * request was recorded whole: any principal with a key and no permission at all sent `PUT /v1/resource-policies/…`,
 * `PUT /v1/workspaces/…` or `PUT /v1/clusters/…` with a body of up to 4 MiB (MAX_ADMIN_BODY), refused 403 before the
 * body was checked, and each refusal put a 4 MiB record in the audit log, kept for ever (and a page of `GET /v1/audit`
 * of a thousand of them, 4 GiB, built in memory). As reviews fx 3 and fx 5 bounded what STS and OIDC refusals record, a refused request's body over 64 KiB
 * (larger than any valid one) is now recorded as the length and SHA-256 of the text the record would have held, and its field names; a refusal is still recorded, and a small body
 * whole. Real server (SQLite) on 127.0.0.1, SigV4-signed requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson, type AuditRecord } from '../src/core/audit/index.ts';
import { rootAdminCaller } from './support/callers.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const BIG = 'x'.repeat(1 << 20);
const MAX_RECORD_CHARS = 80_000;

describe('review gm2: a refused edge change records a bounded request', () => {
  let s: TestServer;
  let nobody: Credentials;
  before(async () => {
    s = await startTestServer();
    nobody = await userWithKey(s, 'gm2-nobody');
    const c = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/clusters/gm2', {});
    assert.equal(c.status, 200, JSON.stringify(c.json));
  });
  after(async () => s?.stop());

  /** The records of `action` refused to gm2-nobody. */
  const refusals = async (action: string): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const page = await s.running.app.audit.query(rootAdminCaller, { action, principal: 'arn:aws:iam::000000000000:user/gm2-nobody' }, 0, 1000);
    assert.ok(page.ok);
    return page.value.records.filter((r) => r.decision === 'ACCESS_DENIED');
  };

  const cases: [string, string, string, Record<string, unknown>][] = [
    ['resource policy', '/v1/resource-policies/arn:aws:s3:::gm2-bucket', 'gatehouse:PutResourcePolicy', { document: { Version: '2012-10-17', Statement: [{ Sid: BIG, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::gm2-bucket/*' }] } }],
    ['workspace', '/v1/workspaces/gm2-ws', 'training:CreateWorkspace', { members: [{ user: BIG }] }],
    // gm2 exists: its PUT is an update (review sb, 1).
    ['cluster', '/v1/clusters/gm2', 'training:UpdateCluster', { instanceRole: BIG }],
  ];
  for (const [what, path, action, body] of cases) {
    it(`a ${what} refused with a 1 MiB body: recorded, by its size and digest, not whole`, async () => {
      const r = await gatehouseJson(s.url, nobody, 'PUT', path, body);
      assert.equal(r.status, 403, JSON.stringify(r.json).slice(0, 300));
      const [rec, ...more] = await refusals(action);
      assert.ok(rec, 'the refusal is recorded');
      assert.equal(more.length, 0);
      const size = JSON.stringify(rec).length;
      assert.ok(size < MAX_RECORD_CHARS, `the record of a refused ${what} holds ${size} characters`);
      const request = rec.detail['request'] as Record<string, unknown>;
      // Of the text the record would have held: the body's canonical JSON (secrets redacted; these hold none).
      assert.equal(request['sha256'], createHash('sha256').update(canonicalJson(body)).digest('hex'));
      assert.equal(request['characters'], canonicalJson(body).length);
      assert.deepEqual(request['fields'], Object.keys(body));
    });
  }

  it('a refused request with a small body is recorded whole', async () => {
    const body = { members: [{ user: 'alice' }] };
    const r = await gatehouseJson(s.url, nobody, 'PUT', '/v1/workspaces/gm2-small', body);
    assert.equal(r.status, 403);
    const recs = (await refusals('training:CreateWorkspace')).filter((x) => x.resource.endsWith('/gm2-small'));
    assert.equal(recs.length, 1);
    assert.deepEqual(recs[0]?.detail['request'], body);
  });
});
