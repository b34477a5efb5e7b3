/**
 * Review eq, 1: escalation-paths looked for the `iam:PassRole to a cluster node` step from users only, while a role's
 * session starts nodes as a user does (`POST /v1/clusters/C/nodes`, src/app/jobs.ts `startNode`: it needs
 * `training:StartClusterNode` on the cluster and PassRole on the node role to the compute service, not workspace
 * membership). A role allowed both, whose cluster's instance role trusts the compute service, runs a node as that
 * role; escalation-paths from it listed nothing, from a user who may assume it nothing either, and who-can's
 * `through` for the node role left both out (README: "PassRole to a training job, a cluster node or a pod it may
 * create"). An auditor was told that nobody but the admin could come to act as the node role. The step is now asked
 * of roles too, the node role chosen as enforcement chooses it for a role's session (no user, no groups: a mapping
 * rule naming a user of the role's name does not apply), and the listed path is followed: the role's session starts
 * the node and the node's credentials are the node role's.
 *
 * Before the fix, 3 of the 3 tests failed. Real server (SQLite), admin API (SigV4), STS AssumeRole.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const CLUSTER = `arn:aws:training::${A}:cluster/c1`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

interface Step {
  readonly from: string;
  readonly to: string;
  readonly how: string;
  readonly actions: readonly string[];
  readonly via?: string;
}

describe('review eq1: a role that may start a cluster node comes to act as its node role', () => {
  let s: TestServer;
  let bob: { accessKeyId: string; secretAccessKey: string };
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    bob = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'assume', PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role('starter') }) }));
    const compute = policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: compute }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'nodeadm', PolicyName: 'data', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    // The role of a mapping rule for a user named `starter`: the role `starter` is no user, so never gets it.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'mapped', AssumeRolePolicyDocument: compute }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'starter', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: user('bob') }, Action: 'sts:AssumeRole' }) }));
    await iam.send(
      new I.PutRolePolicyCommand({
        RoleName: 'starter',
        PolicyName: 'nodes',
        PolicyDocument: policy(
          { Effect: 'Allow', Action: 'training:StartClusterNode', Resource: `arn:aws:training::${A}:cluster/*` },
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: [role('nodeadm'), role('mapped')], Condition: { StringEquals: { 'iam:PassedToService': 'compute.gatehouse.dev' } } },
        ),
      }),
    );
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [doc('Cluster', 'c1', { instanceRole: 'nodeadm' }), doc('Cluster', 'c2', { mappings: [{ user: 'starter', role: 'mapped' }] })],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  const canBecome = async (principal: string): Promise<{ principal: string; path: Step[] }[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[])[0]?.canBecome ?? [];
  };

  it('escalation-paths from the role lists the node step, and the path works: its session starts a node that runs as the node role', async () => {
    const reached = await canBecome(role('starter'));
    const path = reached.find((b) => b.principal === role('nodeadm'))?.path;
    assert.deepEqual(path?.map((st) => [st.from, st.to, st.how, st.actions, st.via]), [[role('starter'), role('nodeadm'), 'iam:PassRole to a cluster node', ['iam:PassRole', 'training:StartClusterNode'], CLUSTER]]);
    assert.equal(reached.find((b) => b.principal === role('mapped')), undefined, 'a mapping rule for a user does not apply to a role');

    const c = (await s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: role('starter'), RoleSessionName: 'ops' }))).Credentials;
    const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    const node = await gatehouseJson(s.url, session, 'POST', '/v1/clusters/c1/nodes', {});
    assert.equal(node.status, 201, JSON.stringify(node.json));
    const env = node.json['environment'] as Record<string, string>;
    const creds = (await (await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: String(node.json['capability']) } })).json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
    const who = await s.sts({ accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token }).send(new S.GetCallerIdentityCommand({}));
    assert.match(who.Arn ?? '', new RegExp(`^arn:aws:sts::${A}:assumed-role/nodeadm/`));
  });

  it('escalation-paths from a user who may assume the role lists the node role through it', async () => {
    const path = (await canBecome(user('bob'))).find((b) => b.principal === role('nodeadm'))?.path;
    assert.deepEqual(path?.map((st) => [st.from, st.to, st.how]), [
      [user('bob'), role('starter'), 'sts:AssumeRole'],
      [role('starter'), role('nodeadm'), 'iam:PassRole to a cluster node'],
    ]);
  });

  it('who-can lists the role and the user among those who can come to act as the node role', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: 'arn:aws:s3:::data/x' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const nodeadm = (r.json['allowed'] as { principal: string; through?: { principal: string; path: Step[] }[] }[]).find((a) => a.principal === role('nodeadm'));
    const through = new Map((nodeadm?.through ?? []).map((t) => [t.principal, t.path.map((st) => st.how)]));
    assert.deepEqual(through.get(role('starter')), ['iam:PassRole to a cluster node']);
    assert.deepEqual(through.get(user('bob')), ['sts:AssumeRole', 'iam:PassRole to a cluster node']);
  });
});
