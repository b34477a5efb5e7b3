/**
 * Review nr, 1: who-can answered no one for a cluster object that the cluster's RBAC gives to a Kubernetes User whose
 * access entry maps a principal of another account.
 *
 * Contract: README ("Who can reach a resource"): for a cluster's Kubernetes object, "the subjects its RBAC gives the
 * request to that no access entry maps to a principal of the account (a ServiceAccount…, a Group, another
 * authenticator's User), which the webhook lets in by RBAC alone, are listed with their binding and role
 * (`grantedByRbac`)"; docs/decisions.md (review ne, 3): every subject is listed except "a User an access entry renders:
 * that is the entry's IAM principal, asked about itself". An access entry may map a principal of another account (the
 * entry is made for any principal that exists, `createAccessEntry`), and who-can asks about the account's own users and
 * roles only, and only the role sessions of the account's roles that a binding names (`sessionsBound`).
 *
 * What was wrong: `subjectsBeyond` dropped every User some access entry renders, whichever account the entry's principal
 * is in. A RoleBinding to `zed`, the username of account B's user zed in account A's cluster, or to
 * `arn:aws:sts::B:assumed-role/ops/alice`, the default username of a session of B's role ops, let that principal read the
 * secret (the TokenReview and SubjectAccessReview webhooks say so), yet who-can listed it neither among the allowed nor
 * in `grantedByRbac`: the answer about the secret named no one. Such a User is now listed in `grantedByRbac`, as a
 * subject no entry maps to a principal of the account; a User the entry of an account principal renders is still not.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server (SQLite), admin API (SigV4), IAM through SDK v3, the TokenReview webhook with a `k8s-aws-v1.` token signed
 * by SDK v3's SignatureV4 (as `aws eks get-token`), SubjectAccessReviews as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { reviewedUser, subjectAccessReview } from './support/admission.ts';
import { rbacSubjects, whoCan } from './support/escalation.ts';
import { createdAccount, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222233334444';
const GROUP = 'rbac.authorization.k8s.io';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const SECRET = `arn:aws:training::${A}:cluster/k1/namespaces/ml/secrets/s1`;
const SESSION_USER = `arn:aws:sts::${B}:assumed-role/ops/alice`;
const binding = (name: string, user: string) => ({ apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name, namespace: 'ml' }, subjects: [{ kind: 'User', name: user, apiGroup: GROUP }], roleRef: { kind: 'Role', name: 'secrets', apiGroup: GROUP } });

describe('review nr1: who-can lists a Kubernetes User whose access entry maps a principal of another account', () => {
  let s: TestServer;
  let bearer = '';
  let zed: { accessKeyId: string; secretAccessKey: string };
  before(async () => {
    s = await startTestServer();
    const rootB = await createdAccount(s, B, 'other');
    const iamB = new I.IAMClient({ endpoint: s.url, region: 'us-east-1', credentials: rootB, maxAttempts: 1 });
    try {
      await iamB.send(new I.CreateUserCommand({ UserName: 'zed' }));
      const key = (await iamB.send(new I.CreateAccessKeyCommand({ UserName: 'zed' }))).AccessKey;
      zed = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
      await iamB.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }] }) }));
    } finally {
      iamB.destroy();
    }
    await s.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('AccessEntry', 'bob', { cluster: 'k1', principalArn: `arn:aws:iam::${A}:user/bob`, kubernetesGroups: [], username: 'bob' }),
        doc('AccessEntry', 'zed', { cluster: 'k1', principalArn: `arn:aws:iam::${B}:user/zed`, kubernetesGroups: [], username: 'zed' }),
        doc('AccessEntry', 'ops', { cluster: 'k1', principalArn: `arn:aws:iam::${B}:role/ops`, kubernetesGroups: [] }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const objects = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: `${GROUP}/v1`, kind: 'Role', metadata: { name: 'secrets', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        binding('bob', 'bob'),
        binding('zed', 'zed'),
        binding('ops-alice', SESSION_USER),
      ],
    });
    assert.equal(objects.status, 200, JSON.stringify(objects.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const whoCanGet = (): Promise<Record<string, unknown>> => whoCan(s, 'kubernetes:get', SECRET);

  it('the other account\'s user, whose token the webhooks let read the secret, is listed in grantedByRbac', async () => {
    const user = await reviewedUser(s.url, 'k1', bearer, zed);
    assert.equal(user.username, 'zed');
    const verdict = await subjectAccessReview(s.url, 'k1', bearer, user, { namespace: 'ml', verb: 'get', resource: 'secrets', name: 's1', group: '', version: 'v1' });
    assert.equal(verdict.allowed, true, verdict.reason);
    const a = await whoCanGet();
    assert.deepEqual(rbacSubjects(a).filter((g) => g[1] === 'zed'), [['User', 'zed', 'RoleBinding ml/zed', 'Role ml/secrets']]);
    assert.match(String(a['note']), /grantedByRbac/);
  });

  it('so is a session of the other account\'s role that a binding names by its username', async () => {
    const a = await whoCanGet();
    assert.deepEqual(rbacSubjects(a).filter((g) => g[1] === SESSION_USER), [['User', SESSION_USER, 'RoleBinding ml/ops-alice', 'Role ml/secrets']]);
  });

  it('a user the entry of an account principal renders is that principal, listed among those allowed and not beyond', async () => {
    const a = await whoCanGet();
    assert.deepEqual((a['allowed'] as { principal: string }[]).map((x) => x.principal), [`arn:aws:iam::${A}:user/bob`]);
    assert.equal(rbacSubjects(a).some((g) => g[1] === 'bob'), false);
  });
});
