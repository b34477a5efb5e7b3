/**
 * Review ou, 2: a job's session acting in a Kubernetes cluster (a training job whose process runs `kubectl` with the
 * job's credentials, its token reviewed by the TokenReview webhook) had its SubjectAccessReview decisions recorded with
 * its role and session but without its job or source identity: `gatehouse audit query --job <id>` (`GET
 * /v1/audit?job=`) listed what the job did through the IAM and STS APIs, the authorize API and the S3 gateway, and none
 * of what it did, or was refused, in the cluster.
 *
 * Contract: DESIGN.md "Who uses it": the auditor "asks who did what, with which role, from which job"; docs/decisions.md
 * "Every record says who acted and from where": every record of what a caller did names, "when a role session acted its
 * `session`, `job` and `sourceIdentity`"; the authorize API records them so (src/app/audit.ts `note`).
 *
 * What was wrong: src/app/kube.ts `accessReview` wrote `role` and `session` from the principal, never the job or source
 * identity of the session whose sealed claims it opened. Now they are taken from those claims (the session Gatehouse's
 * TokenReview sealed, never from what `extra` says unsealed).
 *
 * Before the fix 2 of 2 tests failed.
 *
 * A real server (startTestServer, SQLite); the job's session fetched from its container endpoint as the SDKs fetch
 * it, its token presigned by SDK v3's SignatureV4 and reviewed by the webhooks in the JSON kube-apiserver sends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import type { UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { Credentials } from './support/server.ts';
import { trainersOnK1 } from './support/trainers-on-k1.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/ou2-trainer`;
const CLUSTER = `arn:aws:training::${ACCT}:cluster/k1`;

// Secrets of `prod` are denied to the role's sessions: a denial is recorded whatever the allow sampling.
const world = trainersOnK1({ roles: { 'ou2-trainer': { sourceIdentity: true, policy: { Effect: 'Deny', Action: 'kubernetes:*', Resource: `${CLUSTER}/namespaces/prod/secrets*` } } }, workspace: 'ou2' });

/** The SubjectAccessReview webhook's answer for `user` getting `name` of `resource` in `namespace`. */
async function sar(user: UserInfo, namespace: string, resource: string, name: string): Promise<{ allowed: boolean; denied: boolean }> {
  const { allowed, denied } = await world().sar(user, { namespace, verb: 'get', version: 'v1', resource, name });
  return { allowed, denied };
}

/** The audit's decision records on the cluster's resources that `query` selects, once what is queued is written. */
async function clusterDecisions(query: string): Promise<AuditRecord[]> {
  const s = world().server;
  await s.running.app.audit.flush();
  const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=decision&limit=1000&${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json['records'] as AuditRecord[]).filter((x) => x.resource.startsWith(`${CLUSTER}/`));
}

test('ou2: a job’s session’s SubjectAccessReview decisions are recorded with its job, found by audit query --job', async () => {
  const { id, user } = await world().job(ROLE);

  assert.deepEqual(await sar(user, 'ml', 'pods', 'p1'), { allowed: true, denied: false });
  assert.deepEqual(await sar(user, 'prod', 'secrets', 'db'), { allowed: false, denied: true });

  const records = await clusterDecisions(`job=${encodeURIComponent(id)}`);
  const got = records.map((x) => `${x.action} ${x.resource.slice(CLUSTER.length)} ${x.decision} ${x.job} ${x.session}`).sort();
  const session_ = `arn:aws:sts::${ACCT}:assumed-role/ou2-trainer/job-${id}`;
  assert.deepEqual(got, [`kubernetes:get /namespaces/ml/pods/p1 Allow ${id} ${session_}`, `kubernetes:get /namespaces/prod/secrets/db ExplicitDeny ${id} ${session_}`], JSON.stringify(records));
});

test('ou2: a session with a source identity has it on its SubjectAccessReview decisions; a session of no job names none', async () => {
  const a = await world().server.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'laptop', SourceIdentity: 'carol' }));
  const session: Credentials = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
  const user = await world().reviewed(session);
  assert.deepEqual(await sar(user, 'prod', 'secrets', 'api-key'), { allowed: false, denied: true });
  const records = (await clusterDecisions(`principal=${encodeURIComponent(`arn:aws:sts::${ACCT}:assumed-role/ou2-trainer/laptop`)}`)).filter((x) => x.resource.endsWith('/api-key'));
  assert.equal(records.length, 1, JSON.stringify(records));
  assert.equal(records[0]?.sourceIdentity, 'carol', JSON.stringify(records));
  assert.equal(records[0]?.job, undefined, JSON.stringify(records));
});
