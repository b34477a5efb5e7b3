/**
 * Review ou, 1: after `gatehouse sts revoke-sessions --job <id>` (or the job's end, which revokes its sessions the same
 * way), a question to the authorize API about a Kubernetes request on a cluster naming the job's session by its ARN
 * (`arn:aws:sts::A:assumed-role/R/job-<id>`) was still answered Allow by the cluster's RBAC, while the
 * SubjectAccessReview webhook refuses that session (its token's user "is a session that was revoked") and every other
 * door refuses it.
 *
 * Contract: docs/decisions.md "A role session named by ARN" (as amended by review op, 1): a session ARN is at most
 * `ImplicitDeny` "while a session of that name, or of its role, or (a job's session) of its job
 * (`sts revoke-sessions --job`), issued before a revocation could still be unexpired"; and "Questions on a cluster's
 * resources (`kubernetes:<verb>`) take a session ARN as a session of the role ... as the SubjectAccessReview webhook
 * does". DESIGN.md "Revocation CLI": `--job ID` revokes a job's sessions.
 *
 * What was wrong: src/app/authorize.ts `resolveNamed` resolves a session ARN on a cluster's resources as the role's
 * session without reading its job (session policies take no part there), so `asEnforced` checked the revocation list
 * without the job, and review op, 1's fix never applied to `kubernetes:` questions. Now, when the job the session name
 * names had its sessions revoked, its record is read (so an ordinary session that merely carries such a name is not
 * refused) and the answer is the implicit deny saying the sessions were revoked.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * A real server (startTestServer, SQLite); the job's session fetched from its container endpoint as the SDKs fetch it,
 * its token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview and SubjectAccessReview webhooks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { trainersOnK1 } from './support/trainers-on-k1.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/ou1-trainer`;
const CLUSTER = `arn:aws:training::${ACCT}:cluster/k1`;
const POD = { namespace: 'ml', verb: 'get', version: 'v1', resource: 'pods', name: 'p1' };
const QUESTIONS = [
  { action: 'kubernetes:get', resource: `${CLUSTER}/namespaces/ml/pods/p1` },
  { action: 'kubernetes:list', resource: `${CLUSTER}/pods` },
];

const world = trainersOnK1({ roles: { 'ou1-trainer': {} }, workspace: 'ou1' });

/** The authorize API's answers (single and batch) about `principal` for each of QUESTIONS: decision and first reason. */
async function decisions(principal: string): Promise<{ decision: string; reason: string }[]> {
  const out: { decision: string; reason: string }[] = [];
  const one = (json: Record<string, unknown>) => ({ decision: String(json['decision']), reason: String((json['reasons'] as string[] | undefined)?.[0] ?? '') });
  const s = world().server;
  for (const q of QUESTIONS) {
    const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, ...q });
    assert.equal(a.status, 200, JSON.stringify(a.json));
    out.push(one(a.json));
  }
  const b = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: QUESTIONS.map((q) => ({ principal, ...q })) });
  assert.equal(b.status, 200, JSON.stringify(b.json));
  for (const r of b.json['results'] as Record<string, unknown>[]) out.push(one(r));
  return out;
}

test('ou1: after revoke-sessions --job, the job’s session named by ARN on a cluster is an implicit deny, as the webhook refuses it', async () => {
  const { server: s, job: submit, sar } = world();
  const job = await submit(ROLE);
  assert.equal((await sar(job.user, POD)).allowed, true);
  for (const d of await decisions(job.arn)) assert.equal(d.decision, 'Allow', JSON.stringify(d));

  const revoked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { jobId: job.id });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  const refused = await sar(job.user, POD);
  assert.equal(refused.allowed, false);
  assert.match(refused.reason, /revoked/);

  for (const principal of [job.arn, `arn:aws:sts::${ACCT}:assumed-role/OU1-TRAINER/JOB-${job.id.toUpperCase()}`]) {
    for (const d of await decisions(principal)) {
      assert.equal(d.decision, 'ImplicitDeny', `${principal}: ${JSON.stringify(d)}`);
      assert.ok(d.reason.includes('were revoked'), `${principal}: ${JSON.stringify(d)}`);
    }
  }
  // The role's own ARN (what any session of it may do) is not refused.
  for (const d of await decisions(ROLE)) assert.equal(d.decision, 'Allow', JSON.stringify(d));
});

test('ou1: a job that ended: its session named by ARN on a cluster is an implicit deny', async () => {
  const { server: s, job: submit } = world();
  const job = await submit(ROLE);
  const stopped = await gatehouseJson(s.url, s.admin, 'POST', `/v1/jobs/${job.id}/stop`, {});
  assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
  for (const d of await decisions(job.arn)) assert.equal(d.decision, 'ImplicitDeny', JSON.stringify(d));
});

test('ou1: another running job’s session, not revoked, is still allowed by the cluster’s RBAC', async () => {
  const { server: s, job: submit } = world();
  const first = await submit(ROLE);
  const other = await submit(ROLE);
  const revoked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { jobId: first.id });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  for (const d of await decisions(other.arn)) assert.equal(d.decision, 'Allow', JSON.stringify(d));
});
