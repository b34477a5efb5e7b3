/**
 * Review eq, 4: who-can missed every principal that a cluster's RBAC binding reaches through a role session's
 * username. A role's access entry maps its sessions to `arn:aws:sts::A:assumed-role/R/{{SessionName}}` (the default;
 * or the entry's own template), and the session name is whoever assumes the role's to pick: a RoleBinding to User
 * `arn:aws:sts::A:assumed-role/dev/alice` is a grant to anyone who may assume `dev`, asking for the session `alice`.
 * Who-can asked about the role by its ARN (no session name, so the username `…/dev/`), and answered that no one may
 * read the secret, while bob assumed `dev` as `alice` and the SubjectAccessReview webhook allowed him. It now asks
 * about each session a binding names through a role entry's template (as it asks about sessions a resource policy
 * names, review ac, 1), lists it (kind `session`), and lists in its `through` who can come to act as its role.
 * Followed: bob's session `alice` is allowed by the webhook, another name is not. Escalation-paths' pod step had the
 * same blind spot (it asked a role whether it may create pods by its ARN alone): a role whose session `alice` may
 * create pods, and which may pass a role trusting the compute service, now reaches that role, and the pod is admitted.
 *
 * Before the fix, 3 of the 3 tests failed. Real server (SQLite), STS AssumeRole, TokenReview and SubjectAccessReview
 * webhooks.
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
const rbac = (name: string, subject: string) => [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: 'ml' }, subjects: [{ kind: 'User', name: subject, apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'secrets', apiGroup: 'rbac.authorization.k8s.io' } },
];

interface Allowed {
  readonly kind: string;
  readonly name: string;
  readonly principal: string;
  readonly through?: readonly { readonly principal: string; readonly path: readonly { readonly how: string; readonly to: string }[] }[];
}

describe('review eq4: who-can lists the role sessions a cluster binding names by username', () => {
  let s: TestServer;
  let bob: Credentials;
  let bearer = '';
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    bob = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'assume', PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role('dev') }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'podder', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    for (const name of ['dev', 'ops']) await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: user('bob') }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'dev', PolicyName: 'pass', PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: role('podder') }) }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: role('dev'), kubernetesGroups: [] }),
        doc('AccessEntry', 'ops', { cluster: 'k1', principalArn: role('ops'), kubernetesGroups: [], username: 'ops-{{SessionName}}' }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const objects = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'secrets', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pods', namespace: 'gpu' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'alice-pods', namespace: 'gpu' }, subjects: [{ kind: 'User', name: session('dev', 'alice'), apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'pods', apiGroup: 'rbac.authorization.k8s.io' } },
        ...rbac('alice', session('dev', 'alice')),
        ...rbac('carol', 'ops-carol'),
      ],
    });
    assert.equal(objects.status, 200, JSON.stringify(objects.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const whoCan = async (): Promise<Allowed[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: SECRET });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['allowed'] as Allowed[];
  };
  /** The Kubernetes user of bob's session `name` of `dev`, as the TokenReview webhook answers it. */
  const kubeUser = async (name: string) => {
    const c = (await s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: role('dev'), RoleSessionName: name }))).Credentials;
    return reviewedUser(s.url, 'k1', bearer, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
  };
  /** Whether the SubjectAccessReview webhook lets bob's session `name` of `dev` get the secret. */
  const reviewed = async (name: string): Promise<boolean> => {
    const u = await kubeUser(name);
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: u.username, groups: u.groups, extra: u.extra, resourceAttributes: { namespace: 'ml', verb: 'get', resource: 'secrets', name: 's1', group: '' } } };
    const r = await fetch(`${s.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(review) });
    return ((await r.json()) as { status: { allowed: boolean } }).status.allowed;
  };

  it('the session a binding names under the default template is listed, with who can come to act as its role; the webhook agrees', async () => {
    const dev = (await whoCan()).find((a) => a.principal === session('dev', 'alice'));
    assert.deepEqual(dev && [dev.kind, dev.name], ['session', 'dev/alice']);
    // bob by AssumeRole (the admin too, which may rewrite the role's trust policy).
    assert.deepEqual(dev?.through?.find((t) => t.principal === user('bob'))?.path.map((p) => [p.how, p.to]), [['sts:AssumeRole', role('dev')]]);
    assert.equal(await reviewed('alice'), true);
    assert.equal(await reviewed('mallory'), false);
  });

  it('a session an entry\'s own template renders (`ops-{{SessionName}}`) is listed too, and no one else is', async () => {
    assert.deepEqual((await whoCan()).map((a) => a.principal), [session('dev', 'alice'), session('ops', 'carol')]);
  });

  it('escalation-paths: a role whose session a binding lets create pods reaches the role it may pass, and the pod is admitted', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user('bob') });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const reports = r.json['reports'] as { canBecome: { principal: string; path: { how: string; to: string; via?: string }[] }[] }[];
    const path = reports[0]?.canBecome.find((b) => b.principal === role('podder'))?.path;
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via]), [
      ['sts:AssumeRole', role('dev'), undefined],
      ['iam:PassRole to a pod', role('podder'), `arn:aws:training::${A}:cluster/k1`],
    ]);
    const userInfo = await kubeUser('alice');
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: '00000000-0000-4000-8000-000000000004',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        name: 'p1',
        namespace: 'gpu',
        operation: 'CREATE',
        userInfo,
        object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'gpu', annotations: { 'gatehouse.dev/role': 'podder' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        oldObject: null,
        dryRun: true,
      },
    };
    const admitted = await fetch(`${s.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(review) });
    const json = (await admitted.json()) as { response: { allowed: boolean } };
    assert.equal(json.response.allowed, true, JSON.stringify(json));
  });
});
