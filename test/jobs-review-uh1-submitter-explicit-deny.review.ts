/**
 * Review uh, 1: a job's submitter may read and stop its job without any Allow (docs/decisions.md "A job's actions are
 * decided on the job's ARN"), but an explicit Deny still wins over it, as over every grant: DESIGN.md "Architecture"
 * (the union "lets an explicit deny win"), shared/reference/policy-semantics.md §1 step 2 ("if any applicable statement
 * with `Effect: Deny` matches in any policy type … the final decision is Deny") and "explicit deny anywhere wins".
 * Gatehouse answered the submitter before any Deny was looked at, "whatever the policies say": a user under a
 * quarantine `Deny *` (AWSCompromisedKeyQuarantine's shape), or under a guardrail `Deny training:StopJob` on its
 * workspace, still read its job and its events, stopped it, revoked its sessions, and the authorize API answered Allow.
 * Now an explicit Deny on the job's ARN or its workspace's refuses the submitter too; with none, it needs no Allow.
 *
 * Before the fix 4 of 6 tests failed.
 *
 * Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const ERIN = `arn:aws:iam::${A}:user/erin`;
const WS = `arn:aws:training::${A}:workspace/prod`;

describe('review uh1: an explicit Deny refuses a job to its submitter too', () => {
  let s: TestServer;
  let erin: Credentials;
  let iam: I.IAMClient;
  const submit = async (): Promise<string> => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: 'prod', role: 'none', imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return (r.json['job'] as { id: string }).id;
  };
  const deny = (doc: string) => iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'guard', PolicyDocument: doc }));
  before(async () => {
    s = await startTestServer();
    iam = s.iam();
    erin = await userWithKey(s, 'erin');
    // erin may submit jobs in prod, and nothing else: a job's reads and stop are hers as its submitter.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'training:CreateJob', Resource: WS }) }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Workspace', 'prod', { members: [{ user: 'erin' }] })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  it('without a Deny, the submitter reads and stops its job with no Allow', async () => {
    await deny(policy({ Effect: 'Deny', Action: 'training:DeleteWorkspace', Resource: '*' }));
    const id = await submit();
    assert.equal((await gatehouseJson(s.url, erin, 'GET', `/v1/jobs/${id}`)).status, 200);
    const stopped = await gatehouseJson(s.url, erin, 'POST', `/v1/jobs/${id}/stop`);
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
  });

  it('a Deny of training:StopJob on the workspace keeps the submitter from stopping its job', async () => {
    await deny(policy({ Effect: 'Allow', Action: 'training:CreateJob', Resource: WS }));
    const id = await submit();
    await deny(policy({ Effect: 'Deny', Action: 'training:StopJob', Resource: WS }));
    const r = await gatehouseJson(s.url, erin, 'POST', `/v1/jobs/${id}/stop`);
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /explicitly denied by an identity policy \(on arn:aws:training::000000000000:workspace\/prod\)/);
    const job = await gatehouseJson(s.url, s.admin, 'GET', `/v1/jobs/${id}`);
    assert.equal((job.json as { state?: string }).state, 'Queued', JSON.stringify(job.json));
  });

  it('the same Deny keeps the submitter from revoking its job’s sessions', async () => {
    await deny(policy({ Effect: 'Allow', Action: 'training:CreateJob', Resource: WS }));
    const id = await submit();
    await deny(policy({ Effect: 'Deny', Action: 'training:StopJob', Resource: `arn:aws:training::${A}:job/*` }));
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/sts/revoke-sessions', { jobId: id });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  it('a quarantine Deny * keeps the submitter from reading its job and its events', async () => {
    await deny(policy({ Effect: 'Allow', Action: 'training:CreateJob', Resource: WS }));
    const id = await submit();
    await deny(policy({ Effect: 'Deny', Action: '*', Resource: '*' }));
    const got = await gatehouseJson(s.url, erin, 'GET', `/v1/jobs/${id}`);
    assert.equal(got.status, 403, JSON.stringify(got.json));
    const events = await gatehouseJson(s.url, erin, 'GET', `/v1/jobs/${id}/events`);
    assert.equal(events.status, 403, JSON.stringify(events.json));
    const listed = await gatehouseJson(s.url, erin, 'GET', '/v1/jobs');
    assert.ok(!JSON.stringify(listed.json).includes(id), JSON.stringify(listed.json));
  });

  it('the authorize API answers the submitter ExplicitDeny where the Deny applies', async () => {
    await deny(policy({ Effect: 'Allow', Action: 'training:CreateJob', Resource: WS }));
    const id = await submit();
    await deny(policy({ Effect: 'Deny', Action: 'training:GetJob', Resource: WS }));
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: ERIN, action: 'training:GetJob', resource: `arn:aws:training::${A}:job/${id}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ExplicitDeny', JSON.stringify(r.json));
  });

  it('the authorize API still answers the submitter Allow with no Deny', async () => {
    await deny(policy({ Effect: 'Allow', Action: 'training:CreateJob', Resource: WS }));
    const id = await submit();
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: ERIN, action: 'training:StopJob', resource: `arn:aws:training::${A}:job/${id}` });
    assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
  });
});
