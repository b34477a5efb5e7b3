/**
 * Review mk, 3: a condition's string literal took a `\u` escape of a lone UTF-16 surrogate (`"…/\uD83D"`), a string CEL does not have, matching half of a character.
 *
 * CEL strings are sequences of Unicode code points (google/cel-spec doc/langdef.md, "String and Bytes Values": `\u`
 * encodes a code point of the BMP, "characters in other Unicode planes can be represented with surrogate pairs", and
 * "strings must be sequences of valid Unicode code points"), so a high surrogate escape must be followed by a low one,
 * and a low one alone is no character. Gatehouse decoded each `\uXXXX` to one UTF-16 code unit, so
 * `resource.name.startsWith("arn:aws:s3:::data/\uD83D")` was stored, read as one prefix and matched the keys that begin
 * with any of 1,024 characters (U+1F400 to U+1F7FF, half of a surrogate pair each), and `resource.name == "…\uDC00"` held
 * for no request, silently — where the module promises that anything outside the subset is a parse error naming its
 * place. Now a lone surrogate escape is refused (400 `BINDINGS_INVALID_CONDITION` at `bindings[0].condition.expression`,
 * with its line and column, saying to write the pair or the character); a pair (`\uD83D\uDE00`) is one character, as before.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server (SQLite), AWS SDK v3 IAM client, SigV4-signed `/v1/iam-policies` and `/v1/authorize` as the root admin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const EVE = `arn:aws:iam::${ROOT}:user/eve`;

describe('a `\\u` escape of a UTF-16 surrogate in a condition', () => {
  let s: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);
  const put = (expression: string) => v1('PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::data', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:eve'], condition: { title: 'emoji keys', expression } }] });
  const detail = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string; message: string; line?: number; column?: number }[] } | undefined)?.details ?? [])[0];

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'eve' }));
  });
  after(() => s?.stop());

  test('alone, high or low, it is refused at its place, and nothing is written', async () => {
    for (const [expression, column] of [
      ['resource.name.startsWith("arn:aws:s3:::data/\\uD83D")', 45],
      ['resource.name == "arn:aws:s3:::data/\\uDE00"', 37],
      ["resource.name.startsWith('arn:aws:s3:::data/\\ud83d\\u0041')", 45],
    ] as const) {
      const r = await put(expression);
      assert.equal(r.status, 400, `${expression}: ${JSON.stringify(r.json)}`);
      const e = detail(r.json);
      assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION', expression);
      assert.equal(e?.path, 'bindings[0].condition.expression');
      assert.equal(e?.column, column, `${expression}: ${e?.message}`);
      assert.match(e?.message ?? '', /surrogate/, e?.message);
    }
    const got = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent('arn:aws:s3:::data')}`);
    assert.deepEqual(got.json['bindings'] ?? [], [], JSON.stringify(got.json));
    const other = await v1('POST', '/v1/authorize', { principal: EVE, action: 's3:GetObject', resource: 'arn:aws:s3:::data/\u{1F40D}.txt' });
    assert.notEqual(other.json['decision'], 'Allow', JSON.stringify(other.json));
  });

  test('a pair is the one character it encodes', async () => {
    const r = await put('resource.name.startsWith("arn:aws:s3:::data/\\uD83D\\uDE00")');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const smile = await v1('POST', '/v1/authorize', { principal: EVE, action: 's3:GetObject', resource: 'arn:aws:s3:::data/\u{1F600}.txt' });
    assert.equal(smile.json['decision'], 'Allow', JSON.stringify(smile.json));
    const snake = await v1('POST', '/v1/authorize', { principal: EVE, action: 's3:GetObject', resource: 'arn:aws:s3:::data/\u{1F40D}.txt' });
    assert.notEqual(snake.json['decision'], 'Allow', JSON.stringify(snake.json));
  });
});
