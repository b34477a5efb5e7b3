/**
 * Review cm, 1. The question routes (`POST /v1/authorize`, `/v1/authorize:batch`, `/v1/simulate`, `/v1/who-can`,
 * `/v1/escalation-paths`) read their question from the JSON body alone, and dropped any query parameter without a
 * word: `POST /v1/authorize?principal=<alice>` with `{"action", "resource"}` was decided for the signing caller (the
 * administrator: Allow) where alice is explicitly denied, the very mistake an unknown body field is refused for
 * (`questionOf`). A resource server that put the principal in the URL, as some SDK wrappers build requests, was told
 * Allow for every caller.
 *
 * Now a query parameter on those routes is refused, 400 naming it, as the listings refuse one they do not take.
 * Real server (SQLite), SigV4-signed (the signature covers the query, so the parameter was really sent and signed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice';
const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/secret/x' };
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'alice' }));
  await s.iam().send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'p',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/secret/*' }] }),
    }),
  );
});
after(() => s?.stop());

type Err = { error?: { code?: string; gatehouseCode?: string; message?: string; details?: { path?: string }[] } };

test('a principal given in the query is refused, not dropped for the signing caller', async () => {
  // As the body says it, alice is denied.
  const asked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { ...Q, principal: ALICE });
  assert.equal(asked.json['decision'], 'ExplicitDeny', JSON.stringify(asked.json));
  const r = await gatehouseJson(s.url, s.admin, 'POST', `/v1/authorize?principal=${encodeURIComponent(ALICE)}`, Q);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const e = (r.json as Err).error;
  assert.equal(e?.gatehouseCode, 'VALIDATION_ERROR');
  assert.equal(e?.details?.[0]?.path, 'principal');
  assert.match(e?.message ?? '', /`principal`.*body/);
});

test('every question route refuses a query parameter; without one (or with a bare `?`) it answers', async () => {
  const routes: [string, unknown][] = [
    ['/v1/authorize:batch', { requests: [Q] }],
    ['/v1/simulate', { ...Q, principal: ALICE }],
    ['/v1/who-can', Q],
    ['/v1/escalation-paths', {}],
  ];
  for (const [path, body] of routes) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', `${path}?dryRun=true`, body);
    assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.json)}`);
    assert.equal((r.json as Err).error?.details?.[0]?.path, 'dryRun', path);
    const plain = await gatehouseJson(s.url, s.admin, 'POST', path, body);
    assert.equal(plain.status, 200, `${path}: ${JSON.stringify(plain.json)}`);
  }
  const bare = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize?', Q);
  assert.equal(bare.status, 200, JSON.stringify(bare.json));
});
