/**
 * Review ne, 3: who-can answered no one for a cluster object that the cluster's RBAC gives to a ServiceAccount, a group or another authenticator's user, which the webhook lets in.
 * Before the fix 2 of 2 tests failed.
 *
 * Gatehouse's SubjectAccessReview webhook decides a Kubernetes user no access entry renders (a ServiceAccount's token,
 * another authenticator's user) by the cluster's RBAC alone (docs/decisions.md, review ia, 6), and so lets
 * `system:serviceaccount:ml:trainer` read a secret a RoleBinding gives that account, and anyone in a bound group. Who-can
 * asks the account's users and roles only, and its `grantedBeyond` is the bindings engine's: the answer about that
 * secret listed no one, and its note spoke of nothing beyond the account, while every pod running as `trainer` (and
 * whoever may create one in `ml`) reads the secret. The answer now lists in `grantedByRbac` each subject of a binding
 * whose role allows the request and that it does not ask about itself (a ServiceAccount, a Group, a User no entry
 * renders), with the binding and role; a User an entry renders is its IAM principal, listed among those allowed.
 * `gatehouse who-can` prints them after the table. Real server (SQLite), admin API (SigV4), SubjectAccessReview webhook.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { RbacGrant } from './support/escalation.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const SECRET = `arn:aws:training::${A}:cluster/k1/namespaces/ml/secrets/s1`;
const binding = (name: string, subject: object) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: 'ml' }, subjects: [subject], roleRef: { kind: 'Role', name: 'secrets', apiGroup: 'rbac.authorization.k8s.io' } });

describe('review ne3: who-can lists the RBAC subjects beyond the account\'s principals that a cluster object is given to', () => {
  let s: TestServer;
  let bearer = '';
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [doc('Cluster', 'k1', {}), doc('AccessEntry', 'bob', { cluster: 'k1', principalArn: `arn:aws:iam::${A}:user/bob`, kubernetesGroups: [], username: 'bob' })],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const objects = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'secrets', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        binding('trainer', { kind: 'ServiceAccount', name: 'trainer', namespace: 'ml' }),
        binding('oncall', { kind: 'Group', name: 'oncall', apiGroup: 'rbac.authorization.k8s.io' }),
        binding('carol', { kind: 'User', name: 'carol@corp.example', apiGroup: 'rbac.authorization.k8s.io' }),
        binding('bob', { kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }),
      ],
    });
    assert.equal(objects.status, 200, JSON.stringify(objects.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const reviewed = async (user: string, groups: string[]): Promise<boolean> => {
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, groups, resourceAttributes: { namespace: 'ml', verb: 'get', resource: 'secrets', name: 's1', group: '' } } };
    const res = await fetch(`${s.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(review) });
    return ((await res.json()) as { status: { allowed: boolean } }).status.allowed;
  };
  const whoCan = async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: SECRET });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  it('the service account, the group and the other authenticator\'s user are listed, with binding and role; the webhook lets each in', async () => {
    const a = await whoCan();
    const grants = ((a['grantedByRbac'] ?? []) as RbacGrant[]).map((g) => [g.kind, g.name, g.binding, g.role]).sort((x, y) => (x[1] as string).localeCompare(y[1] as string));
    assert.deepEqual(grants, [
      ['User', 'carol@corp.example', 'RoleBinding ml/carol', 'Role ml/secrets'],
      ['Group', 'oncall', 'RoleBinding ml/oncall', 'Role ml/secrets'],
      ['ServiceAccount', 'system:serviceaccount:ml:trainer', 'RoleBinding ml/trainer', 'Role ml/secrets'],
    ]);
    assert.match(String(a['note']), /grantedByRbac/);
    assert.equal(await reviewed('system:serviceaccount:ml:trainer', ['system:serviceaccounts', 'system:serviceaccounts:ml', 'system:authenticated']), true);
    assert.equal(await reviewed('dave', ['oncall', 'system:authenticated']), true);
    assert.equal(await reviewed('carol@corp.example', ['system:authenticated']), true);
    const cli = await cliAgainst(s, ['who-can', '--action', 'kubernetes:get', '--resource', SECRET]);
    assert.equal(cli.status, 0, cli.err);
    assert.match(cli.out, /^ServiceAccount system:serviceaccount:ml:trainer +Role ml\/secrets +RoleBinding ml\/trainer$/m);
    assert.equal(await reviewed('system:serviceaccount:ml:other', ['system:serviceaccounts', 'system:serviceaccounts:ml', 'system:authenticated']), false);
  });

  it('a user an access entry renders is its IAM principal, listed among those allowed and not beyond', async () => {
    const a = await whoCan();
    assert.deepEqual((a['allowed'] as { principal: string }[]).map((x) => x.principal), [`arn:aws:iam::${A}:user/bob`]);
    assert.ok(Array.isArray(a['grantedByRbac']), 'grantedByRbac is listed');
    assert.equal(((a['grantedByRbac'] ?? []) as RbacGrant[]).some((g) => g.name === 'bob'), false);
  });
});
