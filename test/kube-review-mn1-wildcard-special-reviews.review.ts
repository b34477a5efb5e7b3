/**
 * Review mn, 1: a wildcard review answered yes where the concrete review it covers is denied. An eviction, a token
 * request, a namespace's or a CRD's deletion and a `deletecollection` stand for more than their own path (reviews hr 2,
 * 5, 6; ia 1, 3, 4, 8, 9), but each was recognised only with its exact verb, group and resource: `kubectl auth can-i '*'
 * pods --subresource=eviction -n prod` (verb `*`, no pod named), `can-i create '*' --subresource=eviction`, `can-i
 * create serviceaccounts.*` … `--subresource=token`, `can-i delete namespaces.* prod`, `can-i deletecollection '*' -n
 * prod` answered yes to a principal whose IAM Deny refuses the concrete review (`create pods/eviction`, `delete
 * namespaces prod`, `deletecollection pods`), though a wildcard review is denied when one it covers is (reviews I C3,
 * R R2). Now such a review is also decided as each of those concrete reviews it covers.
 *
 * Before the fix 8 of 9 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them (v1, to /k8s/k1/authorize).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1, type ReviewAnswer } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let k1: AliceOnK1;

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: () => ({ all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});
after(() => server?.stop());

/** Alice's policy: everything, but `deny` (one Deny statement on a path under the cluster). */
async function denying(action: string, path: string): Promise<void> {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: action, Resource: `${k1.cluster}${path}` }] };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: { all: doc } } }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

const review = (a: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string }): Promise<ReviewAnswer> =>
  k1.sar({ resourceAttributes: { version: 'v1', verb: a.verb, group: a.group ?? '', resource: a.resource, subresource: a.subresource ?? '', namespace: a.namespace ?? '', name: a.name ?? '' } });

function assertDenied(r: ReviewAnswer, action: RegExp): void {
  assert.equal(r.allowed, false, JSON.stringify(r));
  assert.equal(r.denied, true, JSON.stringify(r));
  assert.match(r.reason, action);
}

describe('IAM denies deleting pod prod/db', () => {
  before(() => denying('kubernetes:delete', '/namespaces/prod/pods/db'));

  it('`can-i create pods --subresource=eviction -n prod` is denied, as before; in dev it is allowed', async () => {
    assertDenied(await review({ verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'prod' }), /kubernetes:delete on resource: \S+\/namespaces\/prod\/pods\/db /);
    assert.equal((await review({ verb: '*', resource: 'pods', subresource: 'eviction', namespace: 'dev' })).allowed, true);
  });

  it("`can-i '*' pods --subresource=eviction -n prod` (verb `*` covers create) is denied", async () => {
    assertDenied(await review({ verb: '*', resource: 'pods', subresource: 'eviction', namespace: 'prod' }), /kubernetes:delete on resource: \S+\/namespaces\/prod\/pods\/db /);
  });

  it("`can-i create '*' --subresource=eviction -n prod` (resource `*` covers pods) is denied", async () => {
    assertDenied(await review({ verb: 'create', resource: '*', subresource: 'eviction', namespace: 'prod' }), /kubernetes:delete on resource: \S+\/namespaces\/prod\/pods\/db /);
  });

  it('`can-i create pods.* --subresource=eviction -n prod` (group `*` covers the core group) is denied', async () => {
    assertDenied(await review({ verb: 'create', group: '*', resource: 'pods', subresource: 'eviction', namespace: 'prod' }), /kubernetes:delete on resource: \S+\/namespaces\/prod\/pods\/db /);
  });

  it("`can-i deletecollection '*' -n prod` (covers deletecollection of pods, which deletes db) is denied", async () => {
    assertDenied(await review({ verb: 'deletecollection', resource: '*', namespace: 'prod' }), /kubernetes:delete on resource: \S+\/namespaces\/prod\/pods\/db /);
  });
});

describe("IAM denies impersonating service account prod/builder", () => {
  before(() => denying('kubernetes:impersonate', '/namespaces/prod/serviceaccounts/builder'));

  it("`can-i '*' serviceaccounts --subresource=token -n prod` (verb `*` covers create) is denied", async () => {
    assertDenied(await review({ verb: '*', resource: 'serviceaccounts', subresource: 'token', namespace: 'prod' }), /kubernetes:impersonate on resource: \S+\/namespaces\/prod\/serviceaccounts\/builder /);
  });

  it('`can-i create serviceaccounts.*/builder --subresource=token -n prod` (group `*`) is denied', async () => {
    assertDenied(await review({ verb: 'create', group: '*', resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'builder' }), /kubernetes:impersonate on resource: \S+\/namespaces\/prod\/serviceaccounts\/builder /);
  });
});

describe('IAM denies deleting anything in namespace prod', () => {
  before(() => denying('kubernetes:delete', '/namespaces/prod/*'));

  it('`can-i delete namespaces.* prod` (group `*` covers deleting the namespace, and so its contents) is denied', async () => {
    assert.equal((await review({ verb: 'delete', resource: 'namespaces', name: 'prod' })).denied, true);
    assertDenied(await review({ verb: 'delete', group: '*', resource: 'namespaces', name: 'prod' }), /kubernetes:delete on resource: \S+\/namespaces\/prod\//);
  });

  it("`can-i deletecollection '*'` at cluster scope (covers deleting every namespace) is denied", async () => {
    assertDenied(await review({ verb: 'deletecollection', resource: '*' }), /kubernetes:delete on resource: \S+\/namespaces\/prod\//);
  });
});
