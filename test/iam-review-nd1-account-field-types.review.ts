/**
 * Review nd, 1: `POST /v1/accounts` with its `id` sent as a JSON number (`222233334444`) was refused "account id must be 12
 * digits, got `222233334444`", which is 12 digits: the caller is told the one thing that is right. Without `id` or
 * `partition` it said "got `undefined`" as a ValidationError, and a `name` of 5 "must be 1–128 characters". Now each of
 * `id`, `partition` and `name` that is not a string is "must be a string" at its path, and an absent `id` or `partition`
 * is MissingParameter "`id` is required" (as every other `/v1/` body field), before any account is made. Real server,
 * signed admin API calls.
 * Before the fix 3 of 3 tests failed.
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

type Failure = { status: number; code: unknown; gatehouseCode: unknown; message: string; path: unknown };
async function refusal(body: unknown): Promise<Failure> {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', body);
  const e = r.json['error'] as { code: unknown; gatehouseCode: unknown; message: string; details: { path: unknown }[] };
  assert.ok(e, `refused, got ${r.status} ${JSON.stringify(r.json)}`);
  return { status: r.status, code: e.code, gatehouseCode: e.gatehouseCode, message: e.message, path: e.details[0]?.path };
}
const accounts = async (): Promise<unknown[]> => ((await gatehouseJson(s.url, s.admin, 'GET', '/v1/accounts')).json['accounts'] as { id: unknown }[]).map((a) => a.id);

test('an account id sent as a number is told to be a string, not that it is not 12 digits', async () => {
  const r = await refusal({ id: 222233334444, partition: 'aws' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'ValidationError');
  assert.equal(r.path, 'id');
  assert.equal(r.message, '`id` must be a string');
  assert.doesNotMatch(r.message, /12 digits/);
  assert.deepEqual(await accounts(), ['000000000000']);
});

test('an absent id or partition is a missing parameter, not a value `undefined`', async () => {
  const noId = await refusal({ partition: 'aws' });
  assert.equal(noId.code, 'MissingParameter');
  assert.equal(noId.gatehouseCode, 'MISSING_PARAMETER');
  assert.equal(noId.message, '`id` is required');
  assert.equal(noId.path, 'id');
  const noPartition = await refusal({ id: '222233334444' });
  assert.equal(noPartition.code, 'MissingParameter');
  assert.equal(noPartition.message, '`partition` is required');
  assert.equal(noPartition.path, 'partition');
  assert.doesNotMatch(noPartition.message, /undefined/);
  assert.deepEqual(await accounts(), ['000000000000']);
});

test('a name or partition that is not a string says so; a string one still makes the account', async () => {
  const name = await refusal({ id: '222233334444', partition: 'aws', name: 5 });
  assert.equal(name.message, '`name` must be a string');
  assert.equal(name.path, 'name');
  const partition = await refusal({ id: '222233334444', partition: ['aws'] });
  assert.equal(partition.message, '`partition` must be a string');
  assert.equal(partition.path, 'partition');
  const wrong = await refusal({ id: '222233334444', partition: 'gcp' });
  assert.equal(wrong.message, 'partition must be `aws` or `acs`, got `gcp`');
  const made = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: '222233334444', partition: 'aws', name: 'Vision' });
  assert.equal(made.status, 201);
  assert.deepEqual(await accounts(), ['000000000000', '222233334444']);
});
