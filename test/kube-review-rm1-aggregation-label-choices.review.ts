/**
 * Review rm, 1: escalation-paths missed the way into a role through an aggregated ClusterRole whose selector lets more
 * than one label value in. Its pod step (review lr, 1) asks, for each aggregated ClusterRole bound to the principal's
 * Kubernetes user, whether it may write a ClusterRole carrying labels that role's selector matches, and it made one
 * label set per selector (`labelsMatching`, src/core/rbac/bound.ts): the first value of each `In`, each requirement
 * taken alone. A label selector ANDs its requirements, several on one key included (k8s.io/apimachinery
 * `labels.Requirement.Matches`; policy-semantics.md A.3: the aggregation controller adds the rules of every ClusterRole
 * a selector matches), so:
 * - `team In [core, ml]` was asked only as `team=core`: a writer whose `training:ApplyRbacObject` is confined to the
 *   label `team=ml` (the `training:RbacLabels` key, review K, K4) was told it could become no one, then wrote a
 *   ClusterRole labelled `team=ml` that let it create pods and ran one as the role;
 * - `unit In [core, ml]` with `unit NotIn [core]` made `unit=core`, which the selector refuses: no labels at all, and
 *   no path, for a writer of any ClusterRole.
 * Now every label set the selector matches is asked (each `In` value that every requirement of its key admits, up to
 * 16 sets), and both paths are listed and then taken: the writes are accepted and the pods admitted with the role.
 *
 * Before the fix 2 of 2 tests failed. Real server (SQLite), admin API (SigV4), TokenReview and AdmissionReview.
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
const RBAC = 'rbac.authorization.k8s.io';
const TEAM = 'example.com/team';
/** Ned's key, apart from mia's (whose test adds pod creation to teams-view). */
const UNIT = 'example.com/unit';
const PASS = { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('podder') };
const createPods = [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }];
const aggregated = (name: string, matchExpressions: object[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, aggregationRule: { clusterRoleSelectors: [{ matchExpressions }] }, rules: [] });
const boundTo = (name: string, to: string) => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, subjects: [{ kind: 'User', name: user(to), apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name, apiGroup: RBAC } });

describe('review rm1: escalation-paths asks every label set an aggregated ClusterRole selects', () => {
  let s: TestServer;
  let bearer = '';
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    Object.assign(
      keys,
      await podderWorld(
        s,
        {
          // ClusterRoles labelled team=ml, and nothing else (so not teams-view itself, which has no labels).
          mia: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER, Condition: { StringEquals: { 'training:RbacKind': 'ClusterRole' }, 'ForAllValues:StringEquals': { 'training:RbacLabels': [`${TEAM}=ml`] }, Null: { 'training:RbacLabels': 'false' } } }, PASS],
          // Any ClusterRole but ml-view itself.
          ned: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER, Condition: { StringEquals: { 'training:RbacKind': 'ClusterRole' }, StringNotEquals: { 'training:RbacName': 'ml-view' } } }, PASS],
        },
        ['mia', 'ned'],
      ),
    );
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        aggregated('teams-view', [{ key: TEAM, operator: 'In', values: ['core', 'ml'] }]),
        boundTo('teams-view', 'mia'),
        aggregated('ml-view', [
          { key: UNIT, operator: 'In', values: ['core', 'ml'] },
          { key: UNIT, operator: 'NotIn', values: ['core'] },
        ]),
        boundTo('ml-view', 'ned'),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const write = (name: string, doc: object) => gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/apply', { cluster: 'k1', documents: [doc] });
  const labelled = (name: string, value: string, key = TEAM) => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name, labels: { [key]: value } }, rules: createPods });

  it('a writer allowed only the second value of an In reaches the role by a ClusterRole labelled with it; the pod is admitted', async () => {
    const path = await podPathOf(s, 'mia');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:ApplyRbacObject', 'kubernetes:create']]]);
    assert.match(JSON.stringify(path), /example\.com\/team=ml, which ClusterRole teams-view/);
    assert.equal((await write('mia', labelled('mia-core', 'core'))).status, 403);
    const written = await write('mia', labelled('mia-pods', 'ml'));
    assert.equal(written.status, 200, JSON.stringify(written.json));
    await assertPodCreationPasses(s.url, 'k1', bearer, await reviewedUser(s.url, 'k1', bearer, keys['mia'] as Credentials), 'default', 'podder');
  });

  it('a selector whose In and NotIn on one key leave one value is matched by it: the path is listed and taken', async () => {
    const path = await podPathOf(s, 'ned');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:ApplyRbacObject', 'kubernetes:create']]]);
    assert.match(JSON.stringify(path), /example\.com\/unit=ml, which ClusterRole ml-view/);
    const written = await write('ned', labelled('ned-pods', 'ml', UNIT));
    assert.equal(written.status, 200, JSON.stringify(written.json));
    await assertPodCreationPasses(s.url, 'k1', bearer, await reviewedUser(s.url, 'k1', bearer, keys['ned'] as Credentials), 'default', 'podder');
  });
});
