/**
 * Review ho, 1. A `/v1/` body naming a key twice in one object was refused only on the routes that ask a question
 * (review cm, 6); every other route read it as `JSON.parse` does, the last one winning, without a word. So a policy
 * document given as an object, `{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}`, was stored as an
 * Allow of everything, where the very same document sent as text is refused `POLICY_DUPLICATE_KEY` (a statement may
 * not repeat a key: reference §A.1.1); and `{"permissionsBoundary":"Fence","permissionsBoundary":null}` created an
 * unbounded user. Another reader of the same body (a proxy, a log, a reviewer) sees the first.
 *
 * Now every `/v1/` body that repeats a key is refused 400 ValidationError at the key's JSON path (within an apply,
 * the path in its document and the document's index), before any route reads it, and nothing is written.
 * Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseText } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

type Detail = { code?: string; path?: string; message?: string; document?: number };
const send = async (method: string, path: string, text = '') => {
  const r = await gatehouseText(s.url, s.admin, method, path, text);
  const error = r.json['error'] as { code?: string; details?: Detail[] } | undefined;
  return { status: r.status, code: error?.code, detail: error?.details?.[0], json: r.json };
};

const DENY_THEN_ALLOW = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}]}';

test('a policy document object repeating a key is refused at its path, as the same document as text is', async () => {
  const asText = await send('POST', '/v1/policies', JSON.stringify({ name: 'ho1-text', document: DENY_THEN_ALLOW }));
  assert.equal(asText.status, 400, JSON.stringify(asText.json));
  assert.equal(asText.detail?.path, 'Statement[0].Effect');

  const cases: [string, string, string, string][] = [
    ['POST', '/v1/policies', `{"name":"ho1-object","document":${DENY_THEN_ALLOW}}`, 'document.Statement[0].Effect'],
    ['PUT', '/v1/users/admin/inline-policies/ho1-inline', `{"document":${DENY_THEN_ALLOW}}`, 'document.Statement[0].Effect'],
    ['POST', '/v1/roles', `{"name":"ho1-role","trustPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"training.gatehouse.dev"},"Principal":"*","Action":"sts:AssumeRole"}]}}`, 'trustPolicy.Statement[0].Principal'],
    ['POST', '/v1/users', '{"name":"ho1-user","permissionsBoundary":"arn:aws:iam::aws:policy/ReadOnlyAccess","permissionsBoundary":null}', 'permissionsBoundary'],
  ];
  for (const [method, path, body, at] of cases) {
    const r = await send(method, path, body);
    assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.json)}`);
    assert.equal(r.code, 'ValidationError', `${method} ${path}`);
    assert.equal(r.detail?.path, at, `${method} ${path}`);
    assert.match(r.detail?.message ?? '', /is given twice in one object/, `${method} ${path}`);
  }
  // Nothing was written.
  assert.equal((await send('GET', '/v1/policies/ho1-object')).status, 404);
  assert.equal((await send('GET', '/v1/users/admin/inline-policies/ho1-inline')).status, 404);
  assert.equal((await send('GET', '/v1/roles/ho1-role')).status, 404);
  assert.equal((await send('GET', '/v1/users/ho1-user')).status, 404);
});

test('in an apply, the repeated key is named in its document, which is nothing applied', async () => {
  const doc = (name: string, spec: string) => `{"apiVersion":"gatehouse.dev/v1","kind":"Policy","metadata":{"name":"${name}"},"spec":${spec}}`;
  const r = await send('POST', '/v1/apply', `{"documents":[${doc('ho1-a', `{"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}`)},${doc('ho1-b', `{"document":${DENY_THEN_ALLOW}}`)}]}`);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.equal(r.detail?.document, 1);
  assert.equal(r.detail?.path, 'spec.document.Statement[0].Effect');
  assert.equal((await send('GET', '/v1/policies/ho1-a')).status, 404);
  assert.equal((await send('GET', '/v1/policies/ho1-b')).status, 404);
});

test('the same keys once each are read as before; one key in two objects is no repeat', async () => {
  const made = await send('POST', '/v1/policies', `{"name":"ho1-ok","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}}`);
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const user = await send('POST', '/v1/users', '{"name":"ho1-plain","tags":[{"key":"a","value":"1"},{"key":"b","value":"2"}]}');
  assert.equal(user.status, 201, JSON.stringify(user.json));
});
