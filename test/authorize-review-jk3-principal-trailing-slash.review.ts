/**
 * Review jk, 3. A principal ARN with a right 12-digit account id but nothing after its last `/` (`…:user/`, a role with
 * its path and no name, `…:role/trainer/`) was refused as `is not a principal ARN: its account id \`000000000000\` has
 * 12 digits: an account id has 12` — blaming the one part that was right, in words that contradict themselves (review hy,
 * 1 named a wrong account id, and took every other slip for one). `gatehouse policy evaluate --principal`, `gatehouse
 * authorize --principal` and `POST /v1/authorize` said it alike. Now the refusal says that the ARN ends in `/` where a
 * user's or role's ARN ends in its name; a wrong account id is named as before.
 *
 * Before the fix 2 of 2 tests failed. The CLI in this process, offline, and a real server (SQLite) for the API.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const SLIPS: [string, string][] = [
  ['arn:aws:iam::000000000000:user/', "it ends in `/`, where a user's ARN ends in its name"],
  ['arn:aws:iam::000000000000:role/trainer/', "it ends in `/`, where a role's ARN ends in its name"],
];
let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test('policy evaluate says that the ARN ends in `/`, not that its account id is wrong', async () => {
  for (const [principal, says] of SLIPS) {
    const r = await gatehouseInProcess(['policy', 'evaluate', '--policy', 'examples/policies/ml-data-reader.json', '--principal', principal, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::ml-datasets/train/x'], ENV);
    assert.equal(r.code, EXIT.invalidRequest, `${principal}: ${r.stderr}`);
    assert.ok(r.stderr.includes(says), `${principal}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /account id/, principal);
  }
  // A wrong account id is still named.
  const wrong = await gatehouseInProcess(['policy', 'evaluate', '--policy', 'examples/policies/ml-data-reader.json', '--principal', 'arn:aws:iam::00000000000:user/alice', '--action', 's3:GetObject', '--resource', '*'], ENV);
  assert.match(wrong.stderr, /its account id `00000000000` has 11 digits: an account id has 12/);
});

test('the authorize API says the same', async () => {
  for (const [principal, says] of SLIPS) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 's3:GetObject', resource: '*' });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const message = String((r.json['error'] as { message?: unknown } | undefined)?.message);
    assert.ok(message.includes(says), `${principal}: ${message}`);
    assert.doesNotMatch(message, /account id/, principal);
  }
});
