/**
 * Review vs, 2. IAM's simulators (SimulatePrincipalPolicy, SimulateCustomPolicy) decided a training action Gatehouse
 * enforces on a workspace's, job's or cluster's ARN as the simulation spelt it. Jobs, the workspaces and clusters API
 * and the authorize API decide it on the ARN in the account's dialect alone (`acs:pai::A:…` in an `acs` account,
 * `arn:aws:training::A:…` in an `aws` one), and docs/semantics.md names the IAM simulator among them ("a workspace's,
 * job's or training cluster's ARN … is decided in its account's dialect … an Allow naming only that spelling grants
 * nothing"); only a Deny of the other spelling was read (dialects review is, 6). So in an `acs` account a user allowed
 * `training:*` on `arn:aws:training::A:*` alone was simulated `allowed` to read the cluster, read and stop a job and
 * rewrite the workspace, each asked on AWS's spelling, where `GET /v1/clusters/gpu`, `GET /v1/jobs/ID` and
 * `PUT /v1/workspaces/lab` refuse it and the authorize API answers ImplicitDeny; a user allowed on the account's own
 * spelling was simulated `implicitDeny` there, where all of them let it through.
 *
 * Now such a question is simulated on the ARN in the caller's account's dialect (the job with its workspace, as before),
 * an explicit deny of the ARN as asked holding too; the result still names the resource as asked. Real server (SQLite),
 * an `acs` account, SDK v3 IAM and SigV4-signed /v1/ calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '707147604067';
const AWS = `arn:aws:training::${A}`;
const OWN = `acs:pai::${A}`;
const doc = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const ramDoc = (...Statement: object[]) => ({ Version: '1', Statement });
const POLICIES = {
  awsspelling: ramDoc({ Effect: 'Allow', Action: 'training:*', Resource: `${AWS}:*` }),
  ownspelling: ramDoc({ Effect: 'Allow', Action: 'training:*', Resource: `${OWN}:*` }),
  denied: ramDoc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Deny', Action: 'training:GetCluster', Resource: `${AWS}:cluster/gpu` }),
};
type Name = keyof typeof POLICIES;

let s: TestServer;
let acs: Credentials;
let iam: I.IAMClient;
let jobId = '';
const keys: Partial<Record<Name, Credentials>> = {};

/** The questions, each on both spellings: [action, the ARN's rest]. */
const questions = (): [string, string][] => [['training:GetCluster', 'cluster/gpu'], ['training:GetJob', `job/${jobId}`], ['training:StopJob', `job/${jobId}`], ['training:UpdateWorkspace', 'workspace/lab']];

async function simulated(name: Name, resource: string, action: string): Promise<string | undefined> {
  const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `acs:ram::${A}:user/${name}`, ActionNames: [action], ResourceArns: [resource] }));
  assert.equal(r.EvaluationResults?.[0]?.EvalResourceName, resource, 'the result names the resource as asked');
  return r.EvaluationResults?.[0]?.EvalDecision;
}
async function authorized(name: Name, resource: string, action: string): Promise<unknown> {
  const r = await gatehouseJson(s.url, acs, 'POST', '/v1/authorize', { principal: `acs:ram::${A}:user/${name}`, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'];
}

before(async () => {
  s = await startTestServer();
  acs = await accountAdmin(s, A, 'acs');
  const users = Object.entries(POLICIES).map(([n, p]) => doc('User', n, { inlinePolicies: { p } }));
  const r = await gatehouseJson(s.url, acs, 'POST', '/v1/apply', { documents: [...users, doc('Workspace', 'lab', { members: Object.keys(POLICIES).map((user) => ({ user })) }), doc('Cluster', 'gpu', {})] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  iam = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: acs });
  for (const n of Object.keys(POLICIES) as Name[]) {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: n }))).AccessKey;
    keys[n] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  }
  const job = await gatehouseJson(s.url, keys.ownspelling as Credentials, 'POST', '/v1/jobs', { workspace: 'lab', role: 'none', imds: false });
  assert.equal(job.status, 201, JSON.stringify(job.json));
  jobId = (job.json['job'] as { id: string }).id;
});
after(() => {
  iam?.destroy();
  return s?.stop();
});

describe('review vs, 2: the IAM simulator decides a workspace, job or cluster in its account’s dialect', () => {
  it('an Allow of the other dialect’s spelling alone: refused by the APIs, and simulated implicitDeny in either spelling', async () => {
    const who = keys.awsspelling as Credentials;
    assert.equal((await gatehouseJson(s.url, who, 'GET', '/v1/clusters/gpu')).status, 403);
    assert.equal((await gatehouseJson(s.url, who, 'GET', `/v1/jobs/${jobId}`)).status, 403);
    assert.equal((await gatehouseJson(s.url, who, 'PUT', '/v1/workspaces/lab', { members: [{ user: 'ownspelling' }] })).status, 403);
    for (const [action, rest] of questions()) {
      for (const head of [AWS, OWN]) {
        assert.equal(await simulated('awsspelling', `${head}:${rest}`, action), 'implicitDeny', `${action} ${head}:${rest}`);
        assert.equal(await authorized('awsspelling', `${head}:${rest}`, action), 'ImplicitDeny', `${action} ${head}:${rest}`);
      }
    }
    // SimulateCustomPolicy reads the same way.
    const custom = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify(POLICIES.awsspelling)], ActionNames: ['training:GetCluster'], ResourceArns: [`${AWS}:cluster/gpu`] }));
    assert.equal(custom.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
  });

  it('an Allow of the account’s own spelling: allowed by the APIs, and simulated allowed in either spelling', async () => {
    const who = keys.ownspelling as Credentials;
    assert.equal((await gatehouseJson(s.url, who, 'GET', '/v1/clusters/gpu')).status, 200);
    assert.equal((await gatehouseJson(s.url, who, 'GET', `/v1/jobs/${jobId}`)).status, 200);
    for (const [action, rest] of questions()) {
      for (const head of [AWS, OWN]) {
        assert.equal(await simulated('ownspelling', `${head}:${rest}`, action), 'allowed', `${action} ${head}:${rest}`);
        assert.equal(await authorized('ownspelling', `${head}:${rest}`, action), 'Allow', `${action} ${head}:${rest}`);
      }
    }
  });

  it('an explicit deny of the ARN as asked still holds', async () => {
    assert.equal(await simulated('denied', `${AWS}:cluster/gpu`, 'training:GetCluster'), 'explicitDeny');
    assert.equal(await simulated('denied', `${OWN}:cluster/gpu`, 'training:GetCluster'), 'explicitDeny');
    assert.equal(await simulated('denied', `${AWS}:workspace/lab`, 'training:UpdateWorkspace'), 'allowed');
  });
});
