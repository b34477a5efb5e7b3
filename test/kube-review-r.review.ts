/**
 * Review R of the Kubernetes webhooks, on a real server, the webhooks driven with raw JSON over HTTP as
 * kube-apiserver calls them (tokens presigned with the SDK's SignatureV4, as `aws eks get-token` makes them):
 *
 * - R1: kube-apiserver caches TokenReviews (2 minutes by default) and sends the cached user in its
 *   SubjectAccessReviews. A session revoked (by role or session), one whose role was created again, and a principal
 *   whose access entry was deleted (or made for an earlier principal of its name) get no opinion from Gatehouse,
 *   never its RBAC's allow — as a disabled user already did.
 * - R2: a review for API group `*` and a concrete resource is denied when IAM denies that resource in a group the
 *   cluster knows it in (the core group too).
 * - R4: an access entry's username template rendered to a `system:` name refuses the token.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, DeleteRoleCommand, CreateRoleCommand, DeleteUserCommand } from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { kubeToken } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let carol: Credentials;
let dan: Credentials;
const tokens = new Map<string, string>();

const arn = (kind: 'user' | 'role', name: string): string => `arn:aws:iam::${acct}:${kind}/${name}`;
const trust = () => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const rbac = (kind: string, name: string, rest: Record<string, unknown>, namespace?: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(namespace !== undefined ? { namespace } : {}) }, ...rest });
const group = (name: string) => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' });
const clusterRole = (name: string) => ({ kind: 'ClusterRole', name, apiGroup: 'rbac.authorization.k8s.io' });

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** A `k8s-aws-v1.` token for `cluster`, signed with `creds`, as `aws eks get-token` makes it. */
/** A `k8s-aws-v1.` token of `creds` for `cluster`, as `gatehouse kube token` makes one. */
const token = (creds: Credentials, cluster: string): Promise<string> => kubeToken(server.url, cluster, creds);

async function webhook(cluster: string, which: 'authenticate' | 'authorize', body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/${cluster}/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(cluster) ?? ''}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

interface KubeUser {
  readonly username: string;
  readonly groups: string[];
  readonly extra: Record<string, string[]>;
}

interface Review {
  readonly authenticated: boolean;
  readonly user?: KubeUser;
  readonly error?: string;
}

async function tokenReview(creds: Credentials, cluster: string): Promise<Review> {
  return (await webhook(cluster, 'authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await token(creds, cluster) } })) as unknown as Review;
}

async function authenticated(creds: Credentials, cluster = 'k1'): Promise<KubeUser> {
  const r = await tokenReview(creds, cluster);
  assert.equal(r.authenticated, true, JSON.stringify(r));
  return r.user as KubeUser;
}

interface SarStatus {
  readonly allowed: boolean;
  readonly denied?: boolean;
  readonly reason: string;
}

/** The SubjectAccessReview kube-apiserver sends for `user` (as its TokenReview gave it, possibly cached). */
async function sar(user: KubeUser, attributes: Record<string, string>, cluster = 'k1'): Promise<SarStatus> {
  const spec = { resourceAttributes: { version: 'v1', ...attributes }, user: user.username, groups: user.groups, extra: user.extra };
  return (await webhook(cluster, 'authorize', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec })) as unknown as SarStatus;
}

const getSecret = { namespace: 'team', verb: 'get', resource: 'secrets', name: 's1' };

function noOpinion(s: SarStatus, why: RegExp): void {
  assert.deepEqual([s.allowed, s.denied ?? false], [false, false], JSON.stringify(s));
  assert.match(s.reason, why);
  assert.match(s.reason, /: Gatehouse's RBAC grants it nothing$/);
}

async function assume(creds: Credentials, role: string, session: string): Promise<Credentials> {
  const c = (await server.sts(creds).send(new AssumeRoleCommand({ RoleArn: arn('role', role), RoleSessionName: session }))).Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const deny = (actions: string[], resources: string[]) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: actions, Resource: resources }] });
  const k1 = `arn:aws:training::${acct}:cluster/k1`;
  await admin('POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Cluster', 'k2', {}),
      doc('Role', 'dev', { trustPolicy: trust() }),
      doc('Role', 'temp', { trustPolicy: trust() }),
      doc('User', 'carol', {
        inlinePolicies: {
          assume: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
          // R2: no reading secrets in team, nor deployments of group apps.
          'no-secrets': deny(['kubernetes:get', 'kubernetes:list', 'kubernetes:watch'], [`${k1}/namespaces/team/secrets`, `${k1}/namespaces/team/secrets/*`, `${k1}/namespaces/team/deployments.apps*`]),
        },
      }),
      doc('User', 'dan', {}),
      doc('AccessEntry', 'carol', { cluster: 'k1', principalArn: arn('user', 'carol'), kubernetesGroups: ['devs', 'admins'] }),
      doc('AccessEntry', 'dan', { cluster: 'k1', principalArn: arn('user', 'dan'), kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: arn('role', 'dev'), kubernetesGroups: ['devs'], username: 'x-{{SessionName}}' }),
      doc('AccessEntry', 'temp', { cluster: 'k1', principalArn: arn('role', 'temp'), kubernetesGroups: ['devs'] }),
      // R4: a template whose session name can make a `system:` username.
      doc('AccessEntry', 'dev-k2', { cluster: 'k2', principalArn: arn('role', 'dev'), kubernetesGroups: ['devs'], username: '{{SessionName}}:kube-controller-manager' }),
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      rbac('ClusterRole', 'edit-ish', { rules: [{ apiGroups: ['', 'apps'], resources: ['secrets', 'configmaps', 'pods', 'deployments'], verbs: ['get', 'list', 'watch'] }] }),
      rbac('RoleBinding', 'devs-edit', { subjects: [group('devs')], roleRef: clusterRole('edit-ish') }, 'team'),
      rbac('ClusterRole', 'all', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }),
      rbac('ClusterRoleBinding', 'admins-all', { subjects: [group('admins')], roleRef: clusterRole('all') }),
    ],
  });
  for (const c of ['k1', 'k2']) tokens.set(c, String((await admin('POST', `/v1/clusters/${c}/webhook-config`, {}))['token']));
  const key = async (user: string): Promise<Credentials> => {
    const k = await admin('POST', '/v1/access-keys', { userName: user });
    return { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) };
  };
  carol = await key('carol');
  dan = await key('dan');
});

after(async () => {
  await server?.stop();
});

describe('R1: a user kube-apiserver still holds from a cached TokenReview', () => {
  test('a role session revoked by `sts revoke-sessions --role-arn`: no opinion, not RBAC’s allow; a newer session is allowed', async () => {
    const alice = await authenticated(await assume(carol, 'dev', 'alice'));
    assert.equal(alice.username, 'x-alice');
    assert.equal((await sar(alice, getSecret)).allowed, true);
    await admin('POST', '/v1/sts/revoke-sessions', { roleArn: arn('role', 'dev') });
    // The token itself no longer authenticates; the user kube-apiserver cached gets nothing from Gatehouse's RBAC.
    noOpinion(await sar(alice, getSecret), /assumed-role\/dev\/alice` of this Kubernetes user is a session that was revoked/);
    // A session issued after the revocation is not touched by it.
    await new Promise((r) => setTimeout(r, 5));
    const later = await authenticated(await assume(carol, 'dev', 'later'));
    assert.equal((await sar(later, getSecret)).allowed, true);
    // Nor is the decision for the same review cached across the revocation of one session (`--session-arn`).
    await admin('POST', '/v1/sts/revoke-sessions', { sessionArn: `arn:aws:sts::${acct}:assumed-role/dev/later` });
    noOpinion(await sar(later, getSecret), /assumed-role\/dev\/later` of this Kubernetes user is a session that was revoked/);
  });

  test('a session whose role was deleted and created again: no opinion', async () => {
    const s = await authenticated(await assume(carol, 'temp', 'old'));
    assert.equal((await sar(s, getSecret)).allowed, true);
    const iam = server.iam();
    await iam.send(new DeleteRoleCommand({ RoleName: 'temp' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'temp', AssumeRolePolicyDocument: JSON.stringify(trust()) }));
    noOpinion(await sar(s, getSecret), /assumed-role\/temp\/old` of this Kubernetes user is a session whose role was deleted or created again/);
  });

  test('a session sealed for another cluster is not this cluster’s', async () => {
    const s = await authenticated(await assume(carol, 'dev', 'roamer'));
    const k2 = await sar(s, getSecret, 'k2');
    noOpinion(k2, /carries a session that this server did not seal for cluster k2/);
  });

  test('an access entry deleted: no opinion until it is created again', async () => {
    const c = await authenticated(carol);
    assert.equal((await sar(c, getSecret)).allowed, false, 'IAM denies secrets to carol');
    const cm = { namespace: 'team', verb: 'get', resource: 'configmaps', name: 'c' };
    assert.equal((await sar(c, cm)).allowed, true);
    await admin('DELETE', `/v1/clusters/k1/access-entries/${encodeURIComponent(arn('user', 'carol'))}`);
    noOpinion(await sar(c, cm), /user\/carol` of this Kubernetes user has no access entry in cluster k1/);
    await admin('POST', '/v1/clusters/k1/access-entries', { principalArn: arn('user', 'carol'), kubernetesGroups: ['devs', 'admins'] });
    assert.equal((await sar(c, cm)).allowed, true);
  });

  test('a user deleted and created again: its old entry does not map the new one', async () => {
    const d = await authenticated(dan);
    const cm = { namespace: 'team', verb: 'get', resource: 'configmaps', name: 'c' };
    assert.equal((await sar(d, cm)).allowed, true);
    const iam = server.iam();
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'dan', AccessKeyId: dan.accessKeyId }));
    await iam.send(new DeleteUserCommand({ UserName: 'dan' }));
    await iam.send(new CreateUserCommand({ UserName: 'dan' }));
    const fresh = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dan' }))).AccessKey;
    assert.ok(fresh?.AccessKeyId && fresh.SecretAccessKey);
    const refused = await tokenReview({ accessKeyId: fresh.AccessKeyId, secretAccessKey: fresh.SecretAccessKey }, 'k1');
    assert.equal(refused.authenticated, false, JSON.stringify(refused));
    noOpinion(await sar(d, cm), /user\/dan` of this Kubernetes user is mapped by an access entry of .*user\/dan in cluster k1 made for an earlier principal/);
  });
});

describe('R2: API group `*` with a concrete resource', () => {
  // carol is in group admins, bound to {apiGroups: [*], resources: [*], verbs: [*]}; IAM denies her reading secrets
  // and deployments.apps in team.
  test('an IAM deny on the resource in its group denies the review for every group', async () => {
    const c = await authenticated(carol);
    const plain = await sar(c, getSecret);
    assert.deepEqual([plain.allowed, plain.denied], [false, true], JSON.stringify(plain));
    for (const attrs of [
      { ...getSecret, group: '*' },
      { namespace: 'team', verb: 'list', resource: 'secrets', group: '*' },
      { namespace: 'team', verb: 'get', resource: 'deployments', name: 'd', group: '*' },
      { namespace: 'team', verb: '*', resource: 'secrets', group: '*' },
    ]) {
      const s = await sar(c, attrs);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attrs)}: ${JSON.stringify(s)}`);
      assert.match(s.reason, /explicit deny/);
    }
    // What IAM does not deny stays RBAC's: configmaps in any group, secrets in another namespace.
    assert.equal((await sar(c, { namespace: 'team', verb: 'get', resource: 'configmaps', name: 'c', group: '*' })).allowed, true);
    assert.equal((await sar(c, { ...getSecret, namespace: 'other', group: '*' })).allowed, true);
  });

  test('the authorize API answers as the webhook', async () => {
    const k1 = `arn:aws:training::${acct}:cluster/k1`;
    const r = await admin('POST', '/v1/authorize', { principal: arn('user', 'carol'), action: 'kubernetes:get', resource: `${k1}/namespaces/team/secrets.*/s1` });
    assert.equal(r['decision'], 'ExplicitDeny', JSON.stringify(r));
  });
});

describe('R4: a username template rendered to a `system:` name', () => {
  // Cluster k2 maps role dev with the template `{{SessionName}}:kube-controller-manager`.
  test('a session named `system` is not authenticated; another session name renders as before', async () => {
    const refused = await tokenReview(await assume(carol, 'dev', 'system'), 'k2');
    assert.equal(refused.authenticated, false, JSON.stringify(refused));
    assert.equal(refused.user, undefined);
    assert.match(refused.error ?? '', /renders the username `system:kube-controller-manager` \(template `\{\{SessionName\}\}:kube-controller-manager`\).*Kubernetes reserves names starting with `system:`/);
    // Like the check of the template when the entry is made, without regard to case.
    const upper = await tokenReview(await assume(carol, 'dev', 'SYSTEM'), 'k2');
    assert.equal(upper.authenticated, false, JSON.stringify(upper));
    const fine = await authenticated(await assume(carol, 'dev', 'alice'), 'k2');
    assert.equal(fine.username, 'alice:kube-controller-manager');
  });

  test('the authorize API gives the session no RBAC opinion, saying why', async () => {
    const k2 = `arn:aws:training::${acct}:cluster/k2`;
    const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:sts::${acct}:assumed-role/dev/system`, action: 'kubernetes:get', resource: `${k2}/namespaces/team/secrets/s1` });
    assert.notEqual(r['decision'], 'Allow', JSON.stringify(r));
    assert.ok((r['diagnostics'] as string[]).some((d) => /renders the username `system:kube-controller-manager`/.test(d)), JSON.stringify(r));
  });
});

describe('R3: Group subjects match the groups the review carries', () => {
  test('a service-account username without its groups is not in system:serviceaccounts:<ns>; with them it is', async () => {
    await admin('POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        rbac('ClusterRole', 'node-reader', { rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] }),
        rbac('ClusterRoleBinding', 'sa-team', { subjects: [group('system:serviceaccounts:team')], roleRef: clusterRole('node-reader') }),
      ],
    });
    const sa = 'system:serviceaccount:team:x';
    // `kubectl --as=system:serviceaccount:team:x --as-group=foo`: the impersonation filter adds no SA groups.
    const impersonated = await sar({ username: sa, groups: ['foo', 'system:authenticated'], extra: {} }, { verb: 'get', resource: 'nodes', name: 'n1' });
    assert.deepEqual([impersonated.allowed, impersonated.denied ?? false], [false, false], JSON.stringify(impersonated));
    // The service-account authenticator's user, with its groups.
    const token = await sar({ username: sa, groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'], extra: {} }, { verb: 'get', resource: 'nodes', name: 'n1' });
    assert.equal(token.allowed, true, JSON.stringify(token));
    assert.match(token.reason, /ClusterRoleBinding `sa-team`/);
  });
});
