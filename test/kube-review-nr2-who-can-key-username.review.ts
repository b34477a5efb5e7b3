/**
 * Review nr, 2: who-can answered no one for a cluster object that the cluster's RBAC gives to the username an access
 * entry's `{{AccessKeyID}}` template renders for one of the account's users.
 *
 * Contract: README ("Who can reach a resource") lists in `grantedByRbac` "the subjects its RBAC gives the request to that
 * no access entry maps to a principal of the account"; docs/decisions.md (review ne, 3) leaves out only "a User an access
 * entry renders: that is the entry's IAM principal, asked about itself". DESIGN.md ("Kubernetes webhooks") lets an entry's
 * username use `{{AccessKeyID}}`, and docs/semantics.md says a question that names no key renders it empty, "so a binding
 * to a user named after a key is not found and grants nothing": who-can asks about user bob with no key, and so never
 * reaches the User `key-AKIA…` that bob's token is.
 *
 * What was wrong: `subjectsBeyond` dropped every User some entry of the account renders, whatever the template, so the
 * RoleBinding to `key-<bob's key id>` (the username of bob's entry `key-{{AccessKeyID}}` for a token signed with that
 * key), which lets bob read the secret through the webhooks, was listed neither among the allowed nor in
 * `grantedByRbac`: the answer about the secret named no one. Such a User is now listed in `grantedByRbac` with its
 * binding and role (the key id names whose it is); a User the entry renders without a key is still asked about itself.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server (SQLite), admin API (SigV4), IAM through SDK v3, the TokenReview webhook with a `k8s-aws-v1.` token signed
 * by SDK v3's SignatureV4 (as `aws eks get-token`), a SubjectAccessReview as kube-apiserver sends it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { reviewedUser, subjectAccessReview } from './support/admission.ts';
import { rbacSubjects, whoCan } from './support/escalation.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const GROUP = 'rbac.authorization.k8s.io';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const SECRET = `arn:aws:training::${A}:cluster/k1/namespaces/ml/secrets/s1`;
const binding = (name: string, user: string) => ({ apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name, namespace: 'ml' }, subjects: [{ kind: 'User', name: user, apiGroup: GROUP }], roleRef: { kind: 'Role', name: 'secrets', apiGroup: GROUP } });

describe('review nr2: who-can lists a Kubernetes User named after an access key by its entry\'s template', () => {
  let s: TestServer;
  let bearer = '';
  let key: { accessKeyId: string; secretAccessKey: string };
  before(async () => {
    s = await startTestServer();
    for (const name of ['bob', 'carl']) await s.iam().send(new I.CreateUserCommand({ UserName: name }));
    const made = (await s.iam().send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    key = { accessKeyId: made?.AccessKeyId ?? '', secretAccessKey: made?.SecretAccessKey ?? '' };
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('AccessEntry', 'bob', { cluster: 'k1', principalArn: `arn:aws:iam::${A}:user/bob`, kubernetesGroups: [], username: 'key-{{AccessKeyID}}' }),
        doc('AccessEntry', 'carl', { cluster: 'k1', principalArn: `arn:aws:iam::${A}:user/carl`, kubernetesGroups: [], username: 'carl' }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const objects = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: `${GROUP}/v1`, kind: 'Role', metadata: { name: 'secrets', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        binding('bob-key', `key-${key.accessKeyId}`),
        binding('carl', 'carl'),
      ],
    });
    assert.equal(objects.status, 200, JSON.stringify(objects.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const whoCanGet = (): Promise<Record<string, unknown>> => whoCan(s, 'kubernetes:get', SECRET);

  it('the username bob\'s token gets, which the webhooks let read the secret, is listed in grantedByRbac', async () => {
    const user = await reviewedUser(s.url, 'k1', bearer, key);
    assert.equal(user.username, `key-${key.accessKeyId}`);
    const verdict = await subjectAccessReview(s.url, 'k1', bearer, user, { namespace: 'ml', verb: 'get', resource: 'secrets', name: 's1', group: '', version: 'v1' });
    assert.equal(verdict.allowed, true, verdict.reason);
    const a = await whoCanGet();
    assert.deepEqual(rbacSubjects(a).filter((g) => g[1] !== 'carl'), [['User', `key-${key.accessKeyId}`, 'RoleBinding ml/bob-key', 'Role ml/secrets']]);
  });

  it('a user an entry renders without a key is its principal, listed among those allowed and not beyond', async () => {
    const a = await whoCanGet();
    assert.deepEqual((a['allowed'] as { principal: string }[]).map((x) => x.principal), [`arn:aws:iam::${A}:user/carl`]);
    assert.equal(rbacSubjects(a).some((g) => g[1] === 'carl'), false);
  });
});
