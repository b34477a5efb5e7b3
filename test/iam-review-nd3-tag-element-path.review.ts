/**
 * Review nd, 3: a tag refused by `POST /v1/users`, `/v1/roles` or `/v1/policies` (a key with the reserved `aws:` prefix,
 * a value over 256 characters, a character outside the tag alphabet) was named at `tags`, the whole field, with a message
 * naming `Tags[1].Value`, IAM's spelling: in a body of 30 tags, given as a list or as a map, the caller had to count to
 * find it. Now `details[0].path` is the tag's own element: `tags[1].value` (`tags[0].key`) in a list, `tags.<key>` in a
 * map, as the adapter already named a tag whose value is not a string. The count limit stays at `tags`. Real server,
 * signed admin API calls.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
const DOC = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

async function refusedAt(path: string, body: Record<string, unknown>): Promise<string> {
  const r = await gatehouseJson(s.url, s.admin, 'POST', path, body);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const e = r.json['error'] as { code: string; details: { path: string }[] };
  assert.equal(e.code, 'ValidationError');
  return e.details[0]?.path ?? '';
}

test('a refused tag of a list is named at its element: tags[i].key, tags[i].value', async () => {
  const tags = [{ key: 'team', value: 'ml' }, { key: 'cost', value: 'x'.repeat(257) }, { key: 'env', value: 'dev' }];
  assert.equal(await refusedAt('/v1/users', { name: 'alice', tags }), 'tags[1].value');
  assert.equal(await refusedAt('/v1/users', { name: 'alice', tags: [{ key: 'team', value: 'ml' }, { key: 'env', value: 'dev' }, { key: 'aws:owner', value: 'me' }] }), 'tags[2].key');
  assert.equal(await refusedAt('/v1/roles', { name: 'ops', trustPolicy: TRUST, tags: [{ key: 'bad#key', value: 'v' }] }), 'tags[0].key');
  const users = await gatehouseJson(s.url, s.admin, 'GET', '/v1/users');
  assert.deepEqual((users.json['users'] as { name: string }[]).map((u) => u.name), ['admin']);
});

test('a refused tag of a map is named at its key: tags.<key>', async () => {
  assert.equal(await refusedAt('/v1/users', { name: 'alice', tags: { team: 'ml', 'AWS:owner': 'me' } }), 'tags.AWS:owner');
  assert.equal(await refusedAt('/v1/policies', { name: 'p', document: DOC, tags: { team: 'ml', cost: 'a'.repeat(300) } }), 'tags.cost');
});

test('the count limit stays at tags, and good tags are kept', async () => {
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
  assert.equal(await refusedAt('/v1/users', { name: 'alice', tags: many }), 'tags');
  const made = await gatehouseJson(s.url, s.admin, 'POST', '/v1/users', { name: 'alice', tags: { team: 'ml' } });
  assert.equal(made.status, 201);
  assert.deepEqual(made.json['tags'], [{ key: 'team', value: 'ml' }]);
});
