/**
 * Review ho, 4. The admin API read a tag of a list (`POST /v1/users`, `/v1/roles`, `/v1/policies` `tags: [{key,
 * value}]`) by its `key` and `value` alone and dropped any other field: `{"key":"team","valeu":"ml"}`, or AWS's own
 * spelling `{"key":"team","Value":"ml"}`, created the principal tagged `team` with an EMPTY value, 201, which
 * `aws:PrincipalTag/team` conditions then read; the same tag in an apply document is refused (`spec.tags[0].valeu:
 * unknown field`). A refused tag was named `tags`, never which one.
 *
 * Now a tag's unknown field, a missing key, or a key or value that is not a string is refused 400 at its JSON path
 * (`tags[0].valeu`, `tags[1].value`, `tags.team`), and nothing is created; `{key}` alone is still an empty value, as in
 * apply. Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const DOC = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

const refusal = (r: { status: number; json: Record<string, unknown> }) => {
  const e = r.json['error'] as { code?: string; details?: { path?: string; message?: string }[] } | undefined;
  return { status: r.status, code: e?.code, path: e?.details?.[0]?.path, message: e?.details?.[0]?.message ?? '' };
};

test('a misspelt, missing or mistyped tag field is refused at its path, nothing created', async () => {
  const cases: [string, Record<string, unknown>, string, string, RegExp][] = [
    ['/v1/users', { name: 'ho4-a', tags: [{ key: 'team', valeu: 'ml' }] }, '/v1/users/ho4-a', 'tags[0].valeu', /unknown field `valeu` of `tags\[0\]`: a tag has `key` and `value`/],
    ['/v1/users', { name: 'ho4-b', tags: [{ key: 'team', Value: 'ml' }] }, '/v1/users/ho4-b', 'tags[0].Value', /unknown field `Value`/],
    ['/v1/roles', { name: 'ho4-c', trustPolicy: TRUST, tags: [{ key: 'a', value: 'b' }, { key: 'c', value: 5 }] }, '/v1/roles/ho4-c', 'tags[1].value', /must be a string/],
    ['/v1/roles', { name: 'ho4-d', trustPolicy: TRUST, tags: [{ Key: 'team', Value: 'ml' }] }, '/v1/roles/ho4-d', 'tags[0].Key', /unknown field `Key`/],
    ['/v1/policies', { name: 'ho4-e', document: DOC, tags: [{ value: 'ml' }] }, '/v1/policies/ho4-e', 'tags[0].key', /is required/],
    ['/v1/policies', { name: 'ho4-f', document: DOC, tags: { team: 7 } }, '/v1/policies/ho4-f', 'tags.team', /value of tag `team` must be a string/],
    ['/v1/users', { name: 'ho4-g', tags: ['team=ml'] }, '/v1/users/ho4-g', 'tags[0]', /must be a tag/],
  ];
  for (const [path, body, made, at, message] of cases) {
    const r = refusal(await gatehouseJson(s.url, s.admin, 'POST', path, body));
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r)}`);
    assert.equal(r.path, at, JSON.stringify(body));
    assert.match(r.message, message, JSON.stringify(body));
    assert.equal((await gatehouseJson(s.url, s.admin, 'GET', made)).status, 404, `${made} was created`);
  }
});

test('tags as documented are taken as before', async () => {
  const list = await gatehouseJson(s.url, s.admin, 'POST', '/v1/users', { name: 'ho4-ok', tags: [{ key: 'team', value: 'ml' }, { key: 'empty' }] });
  assert.equal(list.status, 201, JSON.stringify(list.json));
  assert.deepEqual(list.json['tags'], [{ key: 'team', value: 'ml' }, { key: 'empty', value: '' }]);
  const map = await gatehouseJson(s.url, s.admin, 'POST', '/v1/roles', { name: 'ho4-ok', trustPolicy: TRUST, tags: { team: 'ml' } });
  assert.equal(map.status, 201, JSON.stringify(map.json));
  assert.deepEqual(map.json['tags'], [{ key: 'team', value: 'ml' }]);
});
