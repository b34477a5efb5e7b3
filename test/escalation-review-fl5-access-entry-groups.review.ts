/**
 * Review fl, 5: escalation-paths did not count a principal's own access entry. Kubernetes RBAC grants by group as
 * often as by user (a RoleBinding of a pod-creating Role to Group `gpu-users`), and an access entry's groups are what
 * the authentication webhook gives the principal's Kubernetes user (EKS's access entries, aws-auth's `mapUsers`). A
 * user allowed to rewrite its own entry (`gatehouse apply`: `training:UpdateAccessEntry` on the cluster, and apply's
 * read of the document, `training:DescribeAccessEntry`) puts itself in `gpu-users`, creates a pod annotated
 * `gatehouse.dev/role` and runs as a role it may pass to the compute service; one with no entry yet, allowed
 * `training:CreateAccessEntry`, makes one: the report said both could become no one. The pod step now asks the
 * cluster's RBAC which groups its bindings let create pods (an engine's `groupsAllowed`), and whether the principal may
 * write its entry with one of them (asked with the keys apply gives the action, `training:principalArn` and
 * `training:kubernetesGroups`); without an entry, the RBAC-writing way (review fl, 2) needs `CreateAccessEntry` first.
 * Not listed for a user whose entry writes a condition confines to other groups, nor for one allowed the update but
 * not apply's read. Then followed: the user applies its
 * entry with the group, the webhook gives its token that group, and the pod is admitted with the role; the confined
 * user's write is refused. Before the fix the first two tests failed. Real server (SQLite), admin API (SigV4),
 * TokenReview and AdmissionReview webhooks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertPodCreationPasses, reviewedUser } from './support/admission.ts';
import { podderWorld, podPath as podPathOf } from './support/pod-escalation.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const CLUSTER = `arn:aws:training::${A}:cluster/k1`;
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const RBAC = 'rbac.authorization.k8s.io';
const PASS = { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('podder') };

describe('review fl5: escalation-paths counts a principal putting itself in a group its cluster lets create pods', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const policies: Record<string, object[]> = {
      // apply rewrites an entry: UpdateAccessEntry on the cluster, and apply's read of the document.
      ivan: [{ Effect: 'Allow', Action: 'training:UpdateAccessEntry', Resource: CLUSTER }, { Effect: 'Allow', Action: 'training:DescribeAccessEntry', Resource: '*' }, PASS],
      // Without the read, apply refuses the rewrite.
      leo: [{ Effect: 'Allow', Action: 'training:UpdateAccessEntry', Resource: CLUSTER }, PASS],
      judy: [{ Effect: 'Allow', Action: 'training:CreateAccessEntry', Resource: CLUSTER }, PASS],
      // Entries confined to the `viewers` group.
      ken: [{ Effect: 'Allow', Action: 'training:UpdateAccessEntry', Resource: CLUSTER, Condition: { 'ForAllValues:StringEquals': { 'training:kubernetesGroups': ['viewers'] } } }, PASS],
    };
    Object.assign(keys, await podderWorld(s, policies, ['ivan', 'ken', 'leo']));
    const objects = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'pods', namespace: 'gpu' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] },
        { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'gpu-users', namespace: 'gpu' }, subjects: [{ kind: 'Group', name: 'gpu-users', apiGroup: RBAC }], roleRef: { kind: 'Role', name: 'pods', apiGroup: RBAC } },
      ],
    });
    assert.equal(objects.status, 200, JSON.stringify(objects.json));
  });
  after(() => s?.stop());

  const podPath = (name: string) => podPathOf(s, name);

  it('a user who may rewrite its own entry reaches the role by a pod; it puts itself in the group and the pod is admitted', async () => {
    const path = await podPath('ivan');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:DescribeAccessEntry', 'training:UpdateAccessEntry', 'kubernetes:create']]]);
    const written = await gatehouseJson(s.url, keys['ivan'] as Credentials, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'ivan', { cluster: 'k1', principalArn: user('ivan'), kubernetesGroups: ['gpu-users'] })] });
    assert.equal(written.status, 200, JSON.stringify(written.json));
    const bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
    const userInfo = await reviewedUser(s.url, 'k1', bearer, keys['ivan'] as Credentials);
    assert.ok(userInfo.groups?.includes('gpu-users'), JSON.stringify(userInfo));
    await assertPodCreationPasses(s.url, 'k1', bearer, userInfo, 'gpu', 'podder');
  });

  it('a user with no entry that may create one for itself reaches it too, CreateAccessEntry named', async () => {
    const path = await podPath('judy');
    assert.deepEqual(path?.map((p) => [p.how, p.actions]), [['iam:PassRole to a pod', ['iam:PassRole', 'training:CreateAccessEntry', 'kubernetes:create']]]);
    const written = await gatehouseJson(s.url, keys['judy'] as Credentials, 'POST', '/v1/clusters/k1/access-entries', { principalArn: user('judy'), kubernetesGroups: ['gpu-users'] });
    assert.equal(written.status, 201, JSON.stringify(written.json));
  });

  it('no path for a user whose entry writes are confined to another group, nor for one apply refuses the read; their writes are refused', async () => {
    for (const name of ['ken', 'leo']) {
      assert.equal(await podPath(name), undefined, name);
      const written = await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/apply', { documents: [doc('AccessEntry', name, { cluster: 'k1', principalArn: user(name), kubernetesGroups: ['gpu-users'] })] });
      assert.equal(written.status, 403, JSON.stringify(written.json));
    }
  });
});
