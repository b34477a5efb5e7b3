/**
 * Review ou, 6: a question to the authorize API about a job's session named by its ARN
 * (`arn:aws:sts::A:assumed-role/R/job-<id>`) on a cluster's resources was decided as a bare session of the role, without
 * the session tags its job gives it (`gatehouse:workspace`, `gatehouse:job`), while the SubjectAccessReview webhook
 * decides that session's own reviews with them. Policies scope jobs by those tags (src/core/sts/session.ts:
 * "policies scope by them (`${aws:PrincipalTag/gatehouse:workspace}`)"), so the two doors disagreed both ways: a Deny of
 * deleting pods for jobs of workspace `teama` (`StringEquals aws:PrincipalTag/gatehouse:workspace`) was ExplicitDeny in
 * the webhook and Allow from the authorize API; and "a job touches only its workspace's namespace"
 * (`NotResource …/namespaces/${aws:PrincipalTag/gatehouse:workspace}/*`) was allowed by the webhook in `teama` and
 * ExplicitDeny from the authorize API.
 *
 * Contract: DESIGN.md "one authorizer contract" (the authorize API and the webhooks decide alike); docs/decisions.md "A
 * role session named by ARN": a job's session "is decided with what its job gives it, read from the job's record
 * (`jobSessionOf`)", and "Questions on a cluster's resources … as the SubjectAccessReview webhook does"; review ft: the
 * webhook decides a session's IAM side as the session (tags and session policies).
 *
 * What was wrong: src/app/authorize.ts `resolveNamed` skipped the job's record on a cluster's resources. Now a job's
 * session is resolved from it there too (its tags, source identity and session policy), as everywhere else.
 *
 * Before the fix 2 of 4 tests failed.
 *
 * A real server (startTestServer, SQLite); the job's session fetched from its container endpoint as the SDKs fetch it,
 * its token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview and SubjectAccessReview webhooks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { trainersOnK1, type TrainerJob } from './support/trainers-on-k1.ts';

const ACCT = '000000000000';
const CLUSTER = `arn:aws:training::${ACCT}:cluster/k1`;

// Jobs of `teama` may not delete pods anywhere; jobs of any workspace touch only their workspace's namespace.
const world = trainersOnK1({
  roles: {
    'ou6-no-delete': { policy: { Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${CLUSTER}/*`, Condition: { StringEquals: { 'aws:PrincipalTag/gatehouse:workspace': 'teama' } } } },
    'ou6-own-namespace': { policy: { Effect: 'Deny', Action: 'kubernetes:*', NotResource: `${CLUSTER}/namespaces/\${aws:PrincipalTag/gatehouse:workspace}/*` } },
  },
  workspace: 'teama',
  rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }],
});

/** A job of workspace `teama` with role `role`. */
const jobOf = (role: string): Promise<TrainerJob> => world().job(`arn:aws:iam::${ACCT}:role/${role}`);

/** What the webhook and the authorize API (by the session's ARN, single and batch) answer for `verb` on pod `ns/p`. */
async function both(job: Pick<TrainerJob, 'arn' | 'user'>, verb: string, ns: string): Promise<{ webhook: string; api: string[] }> {
  const s = world().server;
  const st = await world().sar(job.user, { namespace: ns, verb, version: 'v1', resource: 'pods', name: 'p' });
  const webhook = st.allowed ? 'Allow' : st.denied ? 'ExplicitDeny' : 'ImplicitDeny';
  const q = { principal: job.arn, action: `kubernetes:${verb}`, resource: `${CLUSTER}/namespaces/${ns}/pods/p` };
  const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', q);
  assert.equal(a.status, 200, JSON.stringify(a.json));
  const b = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: [q] });
  assert.equal(b.status, 200, JSON.stringify(b.json));
  return { webhook, api: [String(a.json['decision']), String((b.json['results'] as Record<string, unknown>[])[0]?.['decision'])] };
}

test('ou6: a Deny on the job’s workspace tag: ExplicitDeny from both doors', async () => {
  const job = await jobOf('ou6-no-delete');
  assert.deepEqual(await both(job, 'delete', 'prod'), { webhook: 'ExplicitDeny', api: ['ExplicitDeny', 'ExplicitDeny'] });
  assert.deepEqual(await both(job, 'get', 'prod'), { webhook: 'Allow', api: ['Allow', 'Allow'] });
});

test('ou6: a job kept to its workspace’s namespace: allowed there, denied elsewhere, by both doors', async () => {
  const job = await jobOf('ou6-own-namespace');
  assert.deepEqual(await both(job, 'get', 'teama'), { webhook: 'Allow', api: ['Allow', 'Allow'] });
  assert.deepEqual(await both(job, 'get', 'teamb'), { webhook: 'ExplicitDeny', api: ['ExplicitDeny', 'ExplicitDeny'] });
});

test('ou6: a default-role job’s session (its session policy allows no kubernetes: action) is still allowed by RBAC, as in the webhook', async () => {
  const s = world().server;
  const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/teamd', { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::ou6-teamd' });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const submitted = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'teamd', role: 'default', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const entry = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${ACCT}:role/GatehouseTrainingDefaultRole`, kubernetesGroups: ['trainers'] });
  assert.equal(entry.status, 201, JSON.stringify(entry.json));
  const c = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: String(submitted.json['capability']) } });
  assert.equal(c.status, 200);
  const j = (await c.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const user = await world().reviewed({ accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token });
  assert.deepEqual(await both({ arn: `arn:aws:sts::${ACCT}:assumed-role/GatehouseTrainingDefaultRole/job-${id}`, user }, 'get', 'teamd'), { webhook: 'Allow', api: ['Allow', 'Allow'] });
});

test('ou6: the role’s own ARN (any session, no job’s tags) is still decided with the role’s policies', async () => {
  const s = world().server;
  const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ACCT}:role/ou6-no-delete`, action: 'kubernetes:delete', resource: `${CLUSTER}/namespaces/prod/pods/p` });
  assert.equal(a.json['decision'], 'Allow', JSON.stringify(a.json));
});
