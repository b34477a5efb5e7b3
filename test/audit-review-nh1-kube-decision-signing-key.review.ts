/**
 * Review nh, 1: a Kubernetes webhook decision named no access key, so `audit query --access-key-id` missed what a key did in a cluster.
 *
 * Since review mi, 2 every record of what a caller did carries `accessKeyId`, the key that signed the request
 * (CloudTrail's `userIdentity.accessKeyId`), and since mi, 4 `--access-key-id AKIA…` lists them: the first question of a
 * leaked-key response. A `k8s-aws-v1.` token is a presigned `sts:GetCallerIdentity` request signed by one key, and the
 * TokenReview webhook verifies that signature and seals the key with the user's facts (a session's own claims, or a
 * plain user's `gatehouse.dev/user`); EKS keeps it in the user's `extra.accessKeyId`. But the SubjectAccessReview
 * decisions made for that user were recorded with no `accessKeyId`: a leaked key's `kubectl delete` denied in `prod`
 * did not show among the records of that key. Now a decision made for a user whose token Gatehouse verified names the
 * key sealed with it; an impersonated user's (`kubectl --as`, no sealed facts) names none, its `extra.accessKeyId` being
 * only what the impersonating client claims.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4, a role session's from AssumeRole (SDK v3), both reviewed
 * by the TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, auditRecords, type TestServer } from './support/server.ts';
import { aliceOnK1, ciSessionOnK1, type AliceOnK1, type CiSession } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let alice: AliceOnK1;
let ci: CiSession;
let aliceKey = '';

const deleteInProd = { version: 'v1', verb: 'delete', group: '', resource: 'pods', subresource: '', namespace: 'prod', name: 'db' };

before(async () => {
  server = await startTestServer();
  alice = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({ all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/prod/*` }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
  aliceKey = alice.user.extra['accessKeyId']?.[0] ?? '';
  assert.match(aliceKey, /^AKIA/);
  ci = await ciSessionOnK1(server, (cluster) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kubernetes:get', Resource: `${cluster}/namespaces/prod/secrets/*` }] }));
});
after(() => server?.stop());

describe('review nh1: a Kubernetes decision names the key that signed the token', () => {
  it("a plain user's decision names its long-term key, and accessKeyId= lists it", async () => {
    const r = await alice.sar({ resourceAttributes: deleteInProd });
    assert.equal(r.denied, true, JSON.stringify(r));
    const found = await auditRecords(server, { kind: 'decision', action: 'kubernetes:delete' });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]?.accessKeyId, aliceKey, JSON.stringify(found));
    const q = await gatehouseJson(server.url, server.admin, 'GET', `/v1/audit?accessKeyId=${aliceKey}&action=kubernetes:delete`);
    assert.equal(q.status, 200, JSON.stringify(q.json));
    assert.equal((q.json as { records: unknown[] }).records.length, 1, JSON.stringify(q.json));
  });

  it("a role session's decision names the session's temporary key", async () => {
    const s = await ci.review({ version: 'v1', verb: 'get', group: '', resource: 'secrets', namespace: 'prod', name: 'db-password' });
    assert.equal(s['denied'], true, JSON.stringify(s));
    const found = await auditRecords(server, { kind: 'decision', action: 'kubernetes:get', accessKeyId: ci.session.accessKeyId });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]?.session, `arn:aws:sts::${server.adminFile.AccountId}:assumed-role/ci/build-7`);
  });

  it("an impersonated user's decision names no key: extra.accessKeyId is only claimed", async () => {
    // kube-apiserver's review of `kubectl --as alice --as-user-extra arn=… --as-user-extra accessKeyId=…`: no sealed facts.
    const acct = server.adminFile.AccountId;
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { ...deleteInProd, name: 'web' }, user: alice.user.username, groups: alice.user.groups, extra: { arn: [`arn:aws:iam::${acct}:user/alice`], accessKeyId: [aliceKey] } } };
    const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.bearer}` }, body: JSON.stringify(body) });
    const status = ((await r.json()) as { status: Record<string, unknown> }).status;
    assert.equal(status['denied'], true, JSON.stringify(status));
    const found = (await auditRecords(server, { kind: 'decision', action: 'kubernetes:delete' })).filter((x) => x.resource.endsWith('/pods/web'));
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]?.accessKeyId, undefined, JSON.stringify(found));
  });
});
