/**
 * Review op, 1: a question to the authorize API about a job's session named by its ARN
 * (`arn:aws:sts::A:assumed-role/R/job-<id>`) after `gatehouse sts revoke-sessions --job <id>`.
 *
 * Contract: docs/decisions.md "A role session named by ARN" — the answer follows enforcement for principals it refuses
 * outright: a session ARN is at most `ImplicitDeny` "while a session of that name, or of its role, issued before a
 * revocation could still be unexpired: the ARN cannot tell that session from a later one, and a session named by ARN
 * counts as issued at the earliest". A revocation by job (docs/decisions.md "Revocation is a small list every instance
 * keeps": a role's sessions, one session ARN, a job's sessions) revokes every session issued so far under the job's
 * session name `job-<id>`, and every real endpoint refuses them (`ExpiredToken` from STS GetCallerIdentity).
 *
 * What was wrong: src/app/authorize.ts `asEnforced` checked the revocation list with the role and the session ARN only,
 * never the job the session name names, so the revoked job's session was still `Allow`ed by ARN (through
 * `/v1/authorize`, `/v1/authorize:batch` and `/v1/simulate`) while `--session-arn` or `--role-arn` refused it.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * A real server (startTestServer, SQLite in a temporary dir); the job's session fetched from its container endpoint as
 * the SDKs fetch it, and used with `@aws-sdk/client-sts`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/op1-trainer`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::op1-data/k' };

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  try {
    await iam.send(new I.CreateRoleCommand({ RoleName: 'op1-trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'op1-trainer', PolicyName: 'data', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::op1-data/*' }) }));
  } finally {
    iam.destroy();
  }
  const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/op1', { members: [{ user: 'admin' }] });
  assert.equal(put.status, 200, JSON.stringify(put.json));
});

after(async () => {
  await s?.stop();
});

/** A job submitted with the role, its id and the session its container endpoint serves. */
async function submit(): Promise<{ id: string; session: Credentials }> {
  const submitted = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'op1', role: ROLE, imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const r = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: String(submitted.json['capability']) } });
  assert.equal(r.status, 200);
  const j = (await r.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  return { id, session: { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token } };
}

/** The decisions about `principal` of /v1/authorize, /v1/authorize:batch and /v1/simulate, each with its first reason. */
async function decisions(principal: string): Promise<{ decision: string; reason: string }[]> {
  const out: { decision: string; reason: string }[] = [];
  const one = (json: Record<string, unknown>) => ({ decision: String(json['decision']), reason: String((json['reasons'] as string[] | undefined)?.[0] ?? '') });
  const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, ...Q });
  assert.equal(a.status, 200, JSON.stringify(a.json));
  out.push(one(a.json));
  const b = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: [{ principal, ...Q }] });
  assert.equal(b.status, 200, JSON.stringify(b.json));
  out.push(one((b.json['results'] as Record<string, unknown>[])[0] as Record<string, unknown>));
  const m = await gatehouseJson(s.url, s.admin, 'POST', '/v1/simulate', { principal, ...Q });
  assert.equal(m.status, 200, JSON.stringify(m.json));
  out.push(one(m.json));
  return out;
}

test('op1: after revoke-sessions --job, the job’s session named by ARN is an implicit deny saying so, as STS refuses it', async () => {
  const { id, session } = await submit();
  const arn = `arn:aws:sts::${ACCT}:assumed-role/op1-trainer/job-${id}`;
  for (const d of await decisions(arn)) assert.equal(d.decision, 'Allow', JSON.stringify(d));

  const revoked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { jobId: id });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  // Every real endpoint refuses the session the job held.
  assert.equal(await errorName(s.sts(session).send(new GetCallerIdentityCommand({}))), 'ExpiredToken');

  for (const principal of [arn, `arn:aws:sts::${ACCT}:assumed-role/OP1-TRAINER/JOB-${id.toUpperCase()}`, `acs:ram::${ACCT}:role/op1-trainer/job-${id}`]) {
    for (const d of await decisions(principal)) {
      assert.equal(d.decision, 'ImplicitDeny', `${principal}: ${JSON.stringify(d)}`);
      assert.ok(d.reason.includes('were revoked'), `${principal}: ${JSON.stringify(d)}`);
    }
  }
  // The role's own rights are not refused.
  for (const d of await decisions(ROLE)) assert.equal(d.decision, 'Allow', JSON.stringify(d));
});

test('op1: another running job’s session, not revoked, is still decided with its rights', async () => {
  const first = await submit();
  const other = await submit();
  const revoked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { jobId: first.id });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  assert.equal(await errorName(s.sts(other.session).send(new GetCallerIdentityCommand({}))), 'no error');
  for (const d of await decisions(`arn:aws:sts::${ACCT}:assumed-role/op1-trainer/job-${other.id}`)) assert.equal(d.decision, 'Allow', JSON.stringify(d));
});
