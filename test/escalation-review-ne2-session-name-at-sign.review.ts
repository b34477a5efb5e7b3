/**
 * Review ne, 2: who-can missed the role session `alice@example.com` that a binding to `…:assumed-role/dev/alice-example.com` lets in (`{{SessionName}}` renders `@` as `-`).
 * Before the fix 1 of 2 tests failed.
 *
 * A role's access entry renders its sessions' usernames with `{{SessionName}}` (the default template), which writes
 * each `@` of the session name as `-` (aws-iam-authenticator, EKS access entries; `{{SessionNameRaw}}` keeps it), so a
 * RoleBinding to `arn:aws:sts::A:assumed-role/dev/alice-example.com` is a grant to the session `alice@example.com` of
 * `dev` (an SSO user's session is named by the e-mail address) as much as to `alice-example.com`. Who-can read the
 * binding's username back as the session `alice-example.com` alone: the session the grant was written for, and the
 * one the webhook lets in, was not listed. It now lists each session name that renders the username, `-` read as `-`
 * or `@`; a `{{SessionNameRaw}}` template renders the name as it is, and lists that one alone. Real server (SQLite),
 * STS AssumeRole, TokenReview and SubjectAccessReview webhooks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { reviewedUser } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const session = (r: string, n: string) => `arn:aws:sts::${A}:assumed-role/${r}/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const SECRET = `arn:aws:training::${A}:cluster/k1/namespaces/ml/secrets/s1`;
const binding = (name: string, subject: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: 'ml' }, subjects: [{ kind: 'User', name: subject, apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'secrets', apiGroup: 'rbac.authorization.k8s.io' } });

describe('review ne2: who-can lists the sessions whose names {{SessionName}} renders into a bound username', () => {
  let s: TestServer;
  let bob: Credentials;
  let bearer = '';
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    bob = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'assume', PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [role('dev'), role('ops')] }) }));
    for (const name of ['dev', 'ops']) await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: user('bob') }, Action: 'sts:AssumeRole' }) }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: role('dev'), kubernetesGroups: [] }),
        doc('AccessEntry', 'ops', { cluster: 'k1', principalArn: role('ops'), kubernetesGroups: [], username: 'ops:{{SessionNameRaw}}' }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const objects = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'secrets', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        binding('alice', session('dev', 'alice-example.com')),
        binding('carol', 'ops:carol-x'),
      ],
    });
    assert.equal(objects.status, 200, JSON.stringify(objects.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const whoCan = async (): Promise<string[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: SECRET });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['allowed'] as { principal: string }[]).map((a) => a.principal);
  };
  /** Whether the SubjectAccessReview webhook lets bob's session `name` of role `r` get the secret. */
  const reviewed = async (r: string, name: string): Promise<boolean> => {
    const c = (await s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: role(r), RoleSessionName: name }))).Credentials;
    const u = await reviewedUser(s.url, 'k1', bearer, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: u.username, groups: u.groups, extra: u.extra, resourceAttributes: { namespace: 'ml', verb: 'get', resource: 'secrets', name: 's1', group: '' } } };
    const res = await fetch(`${s.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(review) });
    return ((await res.json()) as { status: { allowed: boolean } }).status.allowed;
  };

  it('under {{SessionName}}, the session alice@example.com is listed beside alice-example.com; the webhook lets both in', async () => {
    const allowed = await whoCan();
    assert.ok(allowed.includes(session('dev', 'alice@example.com')), allowed.join(', '));
    assert.ok(allowed.includes(session('dev', 'alice-example.com')), allowed.join(', '));
    assert.equal(await reviewed('dev', 'alice@example.com'), true);
    assert.equal(await reviewed('dev', 'alice-example.com'), true);
  });

  it('under {{SessionNameRaw}}, only the name as bound is listed; the webhook refuses the @ spelling', async () => {
    const allowed = await whoCan();
    assert.deepEqual(allowed.filter((p) => p.includes('/ops/')), [session('ops', 'carol-x')]);
    assert.equal(await reviewed('ops', 'carol-x'), true);
    assert.equal(await reviewed('ops', 'carol@x'), false);
  });
});
