/**
 * Review ho, 3. A policy document given to the admin API as a JSON object (`POST /v1/policies` `document`, `POST
 * /v1/roles` `trustPolicy`, `PUT …/inline-policies/P` `document`, `PUT /v1/resource-policies/R` `document`) was
 * checked as the one-line text the server serialized it to, and its errors said so: `path` `Statement[1].Effect`
 * (no `document.`: not a path of the body sent) and `line 1, column 97`, a place in a text the client never sent, for
 * a body written over 20 lines, in `details` and in the message (`(at Statement[1].Effect, line 1)`).
 *
 * Now such an error names the body's JSON path (`document.Statement[1].Effect`) and, where it had a place, the line
 * and column of that element in the body as sent; a document sent as text keeps the places in that text, as before.
 * Real server (SQLite), SigV4-signed, bodies pretty-printed as a client writes them.
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

type Detail = { code?: string; path?: string; message?: string; line?: number; column?: number };
const send = async (method: string, path: string, text: string) => {
  const r = await gatehouseText(s.url, s.admin, method, path, text);
  const error = r.json['error'] as { message?: string; details?: Detail[] } | undefined;
  return { status: r.status, message: error?.message ?? '', details: error?.details ?? [], json: r.json };
};

/** Line and column (1-based) of the first `needle` at or after `from` in `text`. */
const placeOf = (text: string, needle: string, from = 0): { line: number; column: number } => {
  const at = text.indexOf(needle, from);
  assert.notEqual(at, -1, needle);
  const before = text.slice(0, at);
  return { line: before.split('\n').length, column: at - before.lastIndexOf('\n') };
};

const statement = (effect: string) => ({ Effect: effect, Action: 's3:GetObject', Resource: '*' });

test('a document object\'s error names its path and place in the body', async () => {
  const body = JSON.stringify({ name: 'ho3', description: 'two statements', document: { Version: '2012-10-17', Statement: [statement('Allow'), statement('allow')] } }, null, 2);
  const r = await send('POST', '/v1/policies', body);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const d = r.details[0];
  assert.equal(d?.code, 'POLICY_INVALID_EFFECT');
  assert.equal(d?.path, 'document.Statement[1].Effect');
  const want = placeOf(body, '"Effect"', body.indexOf('"allow"') - 20);
  assert.deepEqual({ line: d?.line, column: d?.column }, want);
  assert.match(r.message, new RegExp(`\\(at document\\.Statement\\[1\\]\\.Effect, line ${want.line}\\)$`));
});

test('the same for a trust policy, an inline policy and a resource policy; an error with no place has none', async () => {
  const trust = JSON.stringify({ name: 'ho3-role', trustPolicy: { Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition: { StringEquals: 'x' } } } }, null, 2);
  const role = await send('POST', '/v1/roles', trust);
  assert.equal(role.status, 400, JSON.stringify(role.json));
  assert.match(role.details[0]?.path ?? '', /^trustPolicy\.Statement\.Condition/);
  assert.equal(role.details[0]?.line !== undefined && role.details[0].line > 1, true, JSON.stringify(role.details[0]));

  const inline = JSON.stringify({ document: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:GetObject', Resourc: '*' } } }, null, 2);
  const put = await send('PUT', '/v1/users/admin/inline-policies/ho3', inline);
  assert.equal(put.status, 400, JSON.stringify(put.json));
  assert.deepEqual(put.details.map((d) => d.path), ['document.Statement.Resourc', 'document.Statement.Resource']);
  assert.deepEqual({ line: put.details[0]?.line, column: put.details[0]?.column }, placeOf(inline, '"Resourc"'));
  // `Resource` is missing: nowhere in the body, so no place is made up for it.
  assert.equal(put.details[1]?.line, undefined);

  const resource = JSON.stringify({ document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ho3/*', Conditon: {} }] } }, null, 2);
  const rp = await send('PUT', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::ho3')}`, resource);
  assert.equal(rp.status, 400, JSON.stringify(rp.json));
  assert.equal(rp.details[0]?.path, 'document.Statement[0].Conditon');
  assert.deepEqual({ line: rp.details[0]?.line, column: rp.details[0]?.column }, placeOf(resource, '"Conditon"'));
});

test('a document sent as text keeps the places in that text', async () => {
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [statement('Allow'), statement('allow')] }, null, 2);
  const r = await send('POST', '/v1/policies', JSON.stringify({ name: 'ho3-text', document: doc }));
  assert.equal(r.status, 400);
  assert.equal(r.details[0]?.path, 'Statement[1].Effect');
  assert.deepEqual({ line: r.details[0]?.line, column: r.details[0]?.column }, placeOf(doc, '"Effect"', doc.indexOf('"allow"') - 20));
});
