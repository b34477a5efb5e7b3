/**
 * Review ou, 3: once a session's token no longer authenticates (its job's sessions revoked or the job ended, its role's
 * sessions revoked, the session expired), the SubjectAccessReview webhook gives it nothing and records an ImplicitDeny
 * naming the session's ARN alone: no `role`, `session` or `job`. So `gatehouse audit query --job <id>` after `sts
 * revoke-sessions --job <id>` showed none of what the job went on trying in the cluster, and `--role` none of what a
 * role's revoked sessions tried, while every other door records a refused session's token with its role, session and
 * job (src/app/auth-failures.ts `authFailureEvent`, from the session the token opens, expired or revoked too).
 *
 * Contract: DESIGN.md "Who uses it": the auditor "asks who did what, with which role, from which job"; docs/decisions.md
 * "Every record says who acted and from where" (a role session's `session`, `job` and `sourceIdentity`) and "The
 * record of a decision for such a user names ... as the TokenReview sealed it".
 *
 * What was wrong: src/app/kube.ts `accessReview`'s record of a principal it cannot resolve as this user named the
 * principal only. Now, when the review carries the session Gatehouse's TokenReview sealed for that principal (opened
 * and checked to be its own), the record names its role, session, job and source identity.
 *
 * Before the fix 2 of 2 tests failed.
 *
 * A real server (startTestServer, SQLite); a job's session fetched from its container endpoint as the SDKs fetch it,
 * a role session from AssumeRole (SDK v3), their tokens presigned by SDK v3's SignatureV4 and reviewed by the webhooks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import type { UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { Credentials } from './support/server.ts';
import { trainersOnK1, type SarStatus } from './support/trainers-on-k1.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/ou3-trainer`;
const CLUSTER = `arn:aws:training::${ACCT}:cluster/k1`;

const world = trainersOnK1({ roles: { 'ou3-trainer': { sourceIdentity: true } }, workspace: 'ou3' });

/** The SubjectAccessReview webhook's answer for `user` getting pod `name` in `ml`. */
const sar = (user: UserInfo, name: string): Promise<SarStatus> => world().sar(user, { namespace: 'ml', verb: 'get', version: 'v1', resource: 'pods', name });

/** The audit's decision records of pod `name` on the cluster that `query` selects, once what is queued is written. */
async function podDecisions(query: string, name: string): Promise<AuditRecord[]> {
  const s = world().server;
  await s.running.app.audit.flush();
  const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=decision&limit=1000&${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json['records'] as AuditRecord[]).filter((x) => x.resource === `${CLUSTER}/namespaces/ml/pods/${name}`);
}

test('ou3: after revoke-sessions --job, what the job’s session tries in the cluster is found by audit query --job and --role', async () => {
  const s = world().server;
  const { id, user } = await world().job(ROLE);
  const revoked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { jobId: id });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  const refused = await sar(user, 'after-revocation');
  assert.equal(refused.allowed, false);
  assert.match(refused.reason, /revoked/);

  const session = `arn:aws:sts::${ACCT}:assumed-role/ou3-trainer/job-${id}`;
  for (const q of [`job=${id}`, `role=${encodeURIComponent(ROLE)}`]) {
    const records = await podDecisions(q, 'after-revocation');
    assert.equal(records.length, 1, `${q}: ${JSON.stringify(records)}`);
    const r = records[0] as AuditRecord;
    assert.deepEqual({ principal: r.principal, decision: r.decision, role: r.role, session: r.session, job: r.job }, { principal: session, decision: 'ImplicitDeny', role: ROLE, session, job: id });
  }
});

test('ou3: a role’s revoked session, with a source identity: its refusal names the role, the session and the source identity', async () => {
  const s = world().server;
  const a = await s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'laptop', SourceIdentity: 'dave' }));
  const creds: Credentials = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
  const user = await world().reviewed(creds);
  const session = `arn:aws:sts::${ACCT}:assumed-role/ou3-trainer/laptop`;
  const revoked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { sessionArn: session });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  assert.equal((await sar(user, 'laptop-pod')).allowed, false);
  const records = await podDecisions(`role=${encodeURIComponent(ROLE)}`, 'laptop-pod');
  assert.equal(records.length, 1, JSON.stringify(records));
  const r = records[0] as AuditRecord;
  assert.deepEqual({ principal: r.principal, decision: r.decision, role: r.role, session: r.session, job: r.job, sourceIdentity: r.sourceIdentity }, { principal: session, decision: 'ImplicitDeny', role: ROLE, session, job: undefined, sourceIdentity: 'dave' });
});
