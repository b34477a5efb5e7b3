/**
 * Review ob, 3: writing a cluster that names a role as its nodes' instance role asks PassRole on the role with the
 * cluster's ARN as `iam:AssociatedResourceArn` (src/app/jobs.ts `clusterWriteRefusal`, review jg, 1; reference
 * policy-semantics.md §A.1.9: PassRole takes `iam:PassedToService` / `iam:AssociatedResourceArn` conditions), and a node
 * started there runs as the role. escalation-paths lists that path (review jb, 6), but asked the PassRole for one cluster
 * only, the first it found X could write (an existing one, else `new-cluster` or a name X's Allow resources spell): a
 * user allowed to pass the role only for the clusters matching a pattern (`ArnLike iam:AssociatedResourceArn
 * …:cluster/team-*`, with `…:job/*` for the node's own start) writes `team-1` naming the role and starts a node as it,
 * yet was listed with no path. The search now also spells a cluster name from those condition values and, where X's
 * policies read that key, tries each cluster it may write. Real server (SQLite), SDK v3 IAM, the admin API as the CLI
 * signs it.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const BIG = `arn:aws:iam::${A}:role/big`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const writer = (...clusters: string[]) => doc(
  { Effect: 'Allow', Action: ['training:CreateCluster', 'training:StartClusterNode'], Resource: '*' },
  { Effect: 'Allow', Action: 'iam:PassRole', Resource: BIG, Condition: { ArnLike: { 'iam:AssociatedResourceArn': [...clusters.map((c) => `arn:aws:training::${A}:cluster/${c}`), `arn:aws:training::${A}:job/*`] } } },
);

describe('review ob3: escalation-paths and PassRole to a cluster tied to a pattern of cluster names', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'big', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    // A cluster of the account that cat may write too, found first, whose ARN the pattern does not match.
    const other = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/clusters/shared', {});
    assert.equal(other.status, 200, JSON.stringify(other.json));
    keys['cat'] = await userWithPolicy(s, 'cat', writer('team-*'));
    // Allowed for one cluster that is not there: its name is spelt.
    keys['dan'] = await userWithPolicy(s, 'dan', writer('dan-gpu'));
  });
  after(() => s?.stop());

  const stepsOf = async (user: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/${user}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json['reports'] as { canBecome: { path: { to: string; how: string; via?: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
  };

  it('a user allowed to pass the role for clusters team-* reaches it through a cluster it writes', async () => {
    const steps = await stepsOf('cat');
    // Before the fix: [].
    assert.ok(steps.some((st) => st.to === BIG && st.how === 'iam:PassRole to a cluster node' && /:cluster\/team-/.test(st.via ?? '')), JSON.stringify(steps));
  });

  it('one allowed for one cluster by name reaches it through that cluster', async () => {
    const steps = await stepsOf('dan');
    // Before the fix: [].
    assert.ok(steps.some((st) => st.to === BIG && st.via === `arn:aws:training::${A}:cluster/dan-gpu`), JSON.stringify(steps));
  });

  it('the path holds: cat cannot name the role on shared, writes team-1 with it, and starts a node that runs as it', async () => {
    const as = keys['cat'] as Credentials;
    const refused = await gatehouseJson(s.url, as, 'PUT', '/v1/clusters/shared', { instanceRole: 'big' });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    const written = await gatehouseJson(s.url, as, 'PUT', '/v1/clusters/team-1', { instanceRole: 'big' });
    assert.equal(written.status, 200, JSON.stringify(written.json));
    const node = await gatehouseJson(s.url, as, 'POST', '/v1/clusters/team-1/nodes', {});
    assert.equal(node.status, 201, JSON.stringify(node.json));
    assert.equal((node.json['job'] as { role: { arn: string } }).role.arn, BIG);
  });
});
