/**
 * Review jb, 6: escalation-paths reached a role through a cluster node only where a cluster, as it stands, names the
 * role as a node role (instance role, compute config, mapping rule). `PUT /v1/clusters/C` needs only
 * `training:CreateCluster` on the cluster (an existing one or a new one) and asks nothing of the role it names, and a
 * node started there runs as that role (PassRole asked at the start). A user allowed to write a cluster, to start
 * nodes and to pass a role that trusts the compute service was answered "acts as no other principal", though it sets
 * the instance role and starts a node as the role. Such a step is now listed (`training:CreateCluster` among its
 * actions, the cluster named); not for a user who may not write a cluster, nor pass the role. The step is taken for
 * real with the admin API: the cluster written, the node started, its job given the role. Before the fix 1 of 2 tests
 * failed. Real server (SQLite), admin API (SigV4), SDK v3 IAM. Since review jg, 1 the write of a cluster naming a role
 * its writer may not pass is refused at the write (it was refused only at the node's start). Since review sb, 1 a PUT of
 * an existing cluster asks `training:UpdateCluster` (`training:CreateCluster` writes a new one only), and the step says so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const GPU = `arn:aws:iam::${A}:role/gpu`;
const cluster = (n: string) => `arn:aws:training::${A}:cluster/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });

interface Step {
  readonly how: string;
  readonly actions: readonly string[];
  readonly via?: string;
}

describe('review jb6: a cluster the principal may write is a way to start a node as a role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'gpu', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'gpu', PolicyName: 'data', PolicyDocument: doc(allow('s3:*')) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'plain', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['clusters', 'k1'], { body: { instanceRole: 'plain' } });
    assert.ok(put.ok, put.ok ? '' : put.message);
    const start = allow(['training:StartClusterNode', 'iam:PassRole']);
    keys['ops'] = await userWithPolicy(s, 'ops', doc(start, allow('training:UpdateCluster', cluster('k1'))));
    keys['creator'] = await userWithPolicy(s, 'creator', doc(start, allow('training:CreateCluster', cluster('k1'))));
    keys['runner'] = await userWithPolicy(s, 'runner', doc(start));
    keys['writer'] = await userWithPolicy(s, 'writer', doc(allow(['training:StartClusterNode', 'training:CreateCluster']), allow('iam:PassRole', `arn:aws:iam::${A}:role/plain`)));
  });
  after(() => s?.stop());

  const toGpu = async (name: string): Promise<readonly Step[] | undefined> => {
    const r = await call<{ reports: { canBecome: { principal: string; path: Step[] }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value.reports[0]?.canBecome.find((b) => b.principal === GPU)?.path;
  };

  it('a principal who may write the cluster, start nodes and pass the role is listed; it does so and the node runs as the role', async () => {
    assert.deepEqual((await toGpu('ops'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a cluster node', ['iam:PassRole', 'training:UpdateCluster', 'training:StartClusterNode'], cluster('k1')]]);
    const as = connectionTo(s.url, keys['ops'] as Credentials);
    const written = await call(as, 'PUT', ['clusters', 'k1'], { body: { instanceRole: 'gpu' } });
    assert.ok(written.ok, written.ok ? '' : written.message);
    const node = await call<{ job: { role: { mode: string; arn?: string } } }>(as, 'POST', ['clusters', 'k1', 'nodes'], { body: { imds: false } });
    assert.ok(node.ok, node.ok ? '' : node.message);
    assert.deepEqual(node.value.job.role, { mode: 'custom', arn: GPU });
    const back = await call(connectionTo(s.url, s.admin), 'PUT', ['clusters', 'k1'], { body: { instanceRole: 'plain' } });
    assert.ok(back.ok);
  });

  it('no such step without the write or without PassRole on the role; the server refuses them', async () => {
    assert.equal(await toGpu('runner'), undefined);
    const runner = await call(connectionTo(s.url, keys['runner'] as Credentials), 'PUT', ['clusters', 'k1'], { body: { instanceRole: 'gpu' } });
    assert.equal(runner.ok ? 'ok' : runner.code, 'AccessDenied');
    // CreateCluster on the existing cluster is no write of it (review sb, 1).
    assert.equal(await toGpu('creator'), undefined);
    const creator = await call(connectionTo(s.url, keys['creator'] as Credentials), 'PUT', ['clusters', 'k1'], { body: { instanceRole: 'gpu' } });
    assert.equal(creator.ok ? 'ok' : creator.code, 'AccessDenied');
    assert.equal(await toGpu('writer'), undefined);
    const as = connectionTo(s.url, keys['writer'] as Credentials);
    // The write itself is refused since review jg, 1 (PassRole on the role it names); the start refused it before.
    const written = await call(as, 'PUT', ['clusters', 'k2'], { body: { instanceRole: 'gpu' } });
    assert.equal(written.ok ? 'ok' : written.code, 'AccessDenied');
    const node = await call(as, 'POST', ['clusters', 'k2', 'nodes'], { body: { imds: false } });
    assert.equal(node.ok ? 'ok' : node.code, 'NoSuchEntity');
  });
});
