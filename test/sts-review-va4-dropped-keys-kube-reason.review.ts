/**
 * Review va, 4. After `gatehouse keys rotate --drop-retired`, a Kubernetes user reviewed before the drop (a job's
 * session, held by kube-apiserver) is refused by the SubjectAccessReview webhook, rightly, as every session issued
 * before the drop is (`LiveState.isRevoked`). But the reason it gave was that the session "was revoked (`gatehouse sts
 * revoke-sessions`, or its job … ended)": neither had happened (the job still runs, and its credential endpoint serves
 * a new session), and the operator reading kube-apiserver's log looked for a revocation no audit record showed.
 *
 * Now the reason says the session was issued before the session keys were dropped, at what instant, by `gatehouse
 * keys rotate --drop-retired`, and that a new one must be assumed; a revoked session is still said to be revoked.
 *
 * One `gatehouse server` (SQLite) with cluster k1 and a job of a trainer role (test/support/trainers-on-k1.ts), its
 * session reviewed by the TokenReview webhook and its requests by the SubjectAccessReview webhook.
 * Before the fix 1 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { trainersOnK1 } from './support/trainers-on-k1.ts';

const ROLE = 'arn:aws:iam::000000000000:role/va4-trainer';
const POD = { namespace: 'ml', verb: 'get', version: 'v1', resource: 'pods', name: 'p1' };

const world = trainersOnK1({ roles: { 'va4-trainer': {} }, workspace: 'va4' });

test('va4: a session reviewed before a drop of the session keys is refused as issued before the drop, not as revoked', async () => {
  const { server: s, job: submit, sar } = world();
  const job = await submit(ROLE);
  assert.equal((await sar(job.user, POD)).allowed, true);
  const rotated = await gatehouseJson(s.url, s.admin, 'POST', '/v1/keys/rotate', { dropRetired: true });
  assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
  const refused = await sar(job.user, POD);
  assert.equal(refused.allowed, false);
  assert.match(refused.reason, /issued before the session keys were dropped at \S+Z \(`gatehouse keys rotate --drop-retired`\)/, refused.reason);
  assert.ok(refused.reason.includes(String(rotated.json['sessionsRefusedBefore'])), refused.reason);
  assert.doesNotMatch(refused.reason, /revoke-sessions/);
});

test('va4: a session revoked by revoke-sessions is still said to be revoked', async () => {
  const { server: s, job: submit, sar } = world();
  const job = await submit(ROLE);
  assert.equal((await sar(job.user, POD)).allowed, true);
  const revoked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { jobId: job.id });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  const refused = await sar(job.user, POD);
  assert.equal(refused.allowed, false);
  assert.match(refused.reason, /is a session that was revoked/);
});
