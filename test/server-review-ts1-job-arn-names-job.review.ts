/**
 * Review ts, 1: `jobs list`, the audit records and the refusals name a job by its ARN (`arn:aws:training::A:job/ID`),
 * and `audit query --job` takes that ARN (review qo, 2, src/app/audit-spelling.ts `recordedJobId`); but `jobs get`,
 * `jobs events`, `jobs stop` (GET /v1/jobs/ID, GET /v1/jobs/ID/events, POST /v1/jobs/ID/stop) and `sts revoke-sessions
 * --job` refused the same ARN as "not a job id", so the identifier a user copies from an audit record did not reach the
 * job. Contract: one identifier across commands (docs/semantics.md, jobs; review tm, 1 and qo, 2). Now every job
 * route reads a job ARN of the caller's account as its id (src/core/jobs/jobs.ts `givenJobId`), and refuses an ARN of
 * another account's job with ValidationError naming both accounts (a caller reaches only its own account's jobs), not
 * as "not a job id".
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { startJobsWorld, type JobsWorld } from './support/jobs-world.ts';

let w: JobsWorld;
let jobId: string;
let account: string;

before(async () => {
  w = await startJobsWorld('gh-server-review-ts1-');
  assert.ok((await call(w.admin, 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ job: { id: string; account: string } }>(w.admin, 'POST', ['jobs'], { body: { workspace: 'vision', role: 'none', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  jobId = r.value.job.id;
  account = r.value.job.account;
  assert.match(account, /^\d{12}$/);
});
after(async () => {
  await w?.close();
});

test('ts1: the job\'s ARN (either spelling, id in any case) names the job for get, events, revoke-sessions and stop', async () => {
  const arn = `arn:aws:training::${account}:job/${jobId}`;
  const got = await call<{ id: string }>(w.admin, 'GET', ['jobs', arn]);
  assert.ok(got.ok, `jobs get ${arn}: ${JSON.stringify(got)}`);
  assert.equal(got.value.id, jobId);
  const acs = `acs:pai::${account}:job/${jobId.toUpperCase()}`;
  const events = await call<{ events: unknown[] }>(w.admin, 'GET', ['jobs', acs, 'events']);
  assert.ok(events.ok, `jobs events ${acs}: ${JSON.stringify(events)}`);
  assert.ok(events.value.events.length > 0);
  const revoked = await call(w.admin, 'POST', ['sts', 'revoke-sessions'], { body: { jobId: arn } });
  assert.ok(revoked.ok, `revoke-sessions --job ${arn}: ${JSON.stringify(revoked)}`);
  const stopped = await call<{ id: string; state: string }>(w.admin, 'POST', ['jobs', arn, 'stop']);
  assert.ok(stopped.ok, `jobs stop ${arn}: ${JSON.stringify(stopped)}`);
  assert.equal(stopped.value.id, jobId);
  assert.equal(stopped.value.state, 'Stopped');
});

test('ts1: another account\'s job ARN is refused naming the accounts, not as "not a job id"', async () => {
  const other = account === '999999999999' ? '888888888888' : '999999999999';
  const arn = `arn:aws:training::${other}:job/${jobId}`;
  for (const r of [await call(w.admin, 'GET', ['jobs', arn]), await call(w.admin, 'POST', ['sts', 'revoke-sessions'], { body: { jobId: arn } })]) {
    assert.equal(r.ok, false, JSON.stringify(r));
    if (!r.ok) {
      assert.equal(r.code, 'ValidationError', JSON.stringify(r));
      assert.ok(r.message.includes(other) && r.message.includes(account), r.message);
      assert.ok(!r.message.includes('not a job id'), r.message);
    }
  }
});
