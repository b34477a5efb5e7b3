/**
 * Review jk, 1. A question whose resource held a NUL character and named one of Gatehouse's own resources (a workspace
 * `…:workspace/a\u0000b` for `training:GetWorkspace` or `CreateJob`, a job for `training:GetJob`, a managed policy for
 * `iam:GetPolicy`) made the decision read the store with that name; the store refuses NUL (PostgreSQL's `invalid byte
 * sequence for encoding "UTF8": 0x00`, which the SQLite store mirrors), and the refusal escaped the decision:
 * - `POST /v1/authorize` answered 400 "The database refused a value of this request …; nothing was changed", about a
 *   read, where the same question about an S3 object with a NUL is decided (and recorded, review an, 1);
 * - `POST /v1/authorize:batch` answered 400 for the whole batch, so one such item cost a resource server the answers to
 *   the other 999, where every other fault of an item is that item's error (review bb, 3).
 *
 * Now such a name names nothing stored (no workspace, job or policy can hold a NUL): the question is decided as asked,
 * as for a workspace or job that does not exist; and an item the store still refuses a value of is that item's error,
 * the rest of the batch decided. Before the fix 2 of 2 tests failed. Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const NUL = '\u0000';
/**
 * Each with the decision it has on a workspace, job or policy of no such name: the root admin's AdministratorAccess
 * allows each, but only a workspace's members may submit jobs to it.
 */
const QUESTIONS = [
  { action: 'training:GetWorkspace', resource: `arn:aws:training::${ROOT}:workspace/a${NUL}b`, decision: 'Allow' },
  { action: 'training:CreateJob', resource: `arn:aws:training::${ROOT}:workspace/a${NUL}b`, decision: 'ImplicitDeny' },
  { action: 'training:GetJob', resource: `arn:aws:training::${ROOT}:job/a${NUL}b`, decision: 'Allow' },
  { action: 'iam:GetPolicy', resource: `arn:aws:iam::${ROOT}:policy/a${NUL}b`, decision: 'Allow' },
];
let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test('a resource with a NUL naming a workspace, job or policy is decided, as one that does not exist', async () => {
  for (const { decision, ...q } of QUESTIONS) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', q);
    assert.equal(r.status, 200, `${q.action}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json['decision'], decision, `${q.action}: ${JSON.stringify(r.json)}`);
    // As asked about a name that is no workspace's: `a\u0000b` with no NUL is none either.
    const none = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { ...q, resource: q.resource.replace(NUL, '') });
    assert.equal(none.json['decision'], decision, `${q.action} without the NUL: ${JSON.stringify(none.json)}`);
  }
});

test('such an item does not fail the batch: every other item is decided', async () => {
  const plain = { action: 's3:GetObject', resource: 'arn:aws:s3:::jk1/k' };
  const requests = [plain, ...QUESTIONS.map(({ decision: _, ...q }) => q), plain];
  const expected = ['Allow', ...QUESTIONS.map((q) => q.decision), 'Allow'];
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const results = r.json['results'] as { decision?: string; error?: unknown }[];
  assert.deepEqual(results.map((x) => x.decision), expected, JSON.stringify(results));
});
