/**
 * Review gb, 1: a cluster node started through `POST /v1/clusters/<Name>/nodes` with the cluster's name in another case
 * than it was created with (the store finds clusters whatever the case) was stored, tagged and recorded with the name as
 * asked: its sessions carried `gatehouse:cluster = TEAM-GPU` for the cluster `team-gpu`. Policies scope nodes by that
 * tag (`aws:PrincipalTag/gatehouse:cluster`, compared with case): a Deny keeping team-gpu's nodes out of a bucket was
 * passed by spelling the name in capitals, and the job and the audit record named a cluster that does not exist. Now the
 * node is the stored cluster's: its job, its session tag and its record carry the cluster's own name and ARN.
 *
 * Real server (SQLite), admin API (SigV4), the node's container credentials endpoint read with SDK v3 `fromHttp`, and
 * the authorize API signed with the node's session.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { fromHttp } from '@aws-sdk/credential-providers';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review gb1: a node of a cluster named in another case is the stored cluster’s', () => {
  let s: TestServer;
  let bob: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    bob = await userWithKey(s, 'bob');
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(
      new I.PutRolePolicyCommand({
        RoleName: 'nodeadm',
        PolicyName: 'data',
        PolicyDocument: policy(
          { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
          { Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::finance/*', Condition: { StringEquals: { 'aws:PrincipalTag/gatehouse:cluster': 'team-gpu' } } },
        ),
      }),
    );
    await iam.send(
      new I.PutUserPolicyCommand({
        UserName: 'bob',
        PolicyName: 'nodes',
        PolicyDocument: policy(
          { Effect: 'Allow', Action: 'training:StartClusterNode', Resource: `arn:aws:training::${A}:cluster/*` },
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('nodeadm'), Condition: { StringEquals: { 'iam:PassedToService': 'compute.gatehouse.dev' } } },
        ),
      }),
    );
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'team-gpu', { instanceRole: 'nodeadm' })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  /** Starts a node of the cluster as `name` spells it; the node's job, and its session's answer to s3:GetObject on finance. */
  const node = async (name: string): Promise<{ job: Record<string, unknown>; decision: unknown }> => {
    const r = await gatehouseJson(s.url, bob, 'POST', `/v1/clusters/${name}/nodes`, { imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const env = r.json['environment'] as Record<string, string>;
    const creds = await fromHttp({ awsContainerCredentialsFullUri: env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', awsContainerAuthorizationToken: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '', maxRetries: 0 })();
    const d = await gatehouseJson(s.url, { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken ?? '' }, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::finance/q3.csv' });
    assert.equal(d.status, 200, JSON.stringify(d.json));
    return { job: r.json['job'] as Record<string, unknown>, decision: d.json['decision'] };
  };

  it('a node started as `team-gpu` is denied the finance bucket by the Deny on its cluster tag', async () => {
    const { job, decision } = await node('team-gpu');
    assert.equal(job['cluster'], 'team-gpu');
    assert.equal(decision, 'ExplicitDeny');
  });

  it('a node started as `TEAM-GPU` is team-gpu’s: the same tag, the same Deny, the cluster’s own name and ARN recorded', async () => {
    const { job, decision } = await node('TEAM-GPU');
    assert.equal(job['cluster'], 'team-gpu');
    assert.match(String(job['name']), /^team-gpu-node-/);
    assert.equal(decision, 'ExplicitDeny');
    const recs = await auditRecords(s, { kind: 'job' });
    const rec = recs.find((x) => x.job === job['id']);
    assert.ok(rec, 'the start is recorded');
    assert.equal(rec.resource, `arn:aws:training::${A}:cluster/team-gpu`);
    assert.equal((rec.detail as Record<string, unknown>)['cluster'], 'team-gpu');
  });
});
