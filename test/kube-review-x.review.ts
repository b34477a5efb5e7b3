/**
 * Review X of the Kubernetes webhooks, on a real server, the webhooks driven with raw JSON over HTTP as
 * kube-apiserver calls them (tokens presigned with the SDK's SignatureV4, as `aws eks get-token` makes them):
 *
 * - X1: kube-apiserver caches TokenReviews (2 minutes by default) and sends the cached user — its groups and username
 *   as the access entry gave them then — in its SubjectAccessReviews. A group removed from the entry since grants
 *   nothing (system:authenticated, which kube-apiserver adds itself, still counts), nor does a group the entry never
 *   held; a username the entry no longer renders gets no opinion.
 * - X2: a plain IAM user's cached user, once the access key its token was signed with is made Inactive or deleted,
 *   gets no opinion (a token signed with another live key of the user still works).
 * - X3: a pod admitted with a role, passed by a role session, records as its job's submitter name (the SourceIdentity
 *   its sessions carry) the session's own SourceIdentity, else its session ARN — not the RoleSessionName the assumer
 *   chose; a user passes under its user name, as before.
 * - X4: a TokenReview refused past the bearer check (a malformed token, a wrong secret, an unknown key, a revoked
 *   session, no access entry) is recorded in the audit log as the other doors' refusals are: a `Deny` naming the key's
 *   owner (or `anonymous`), the key id, the refusal's code, the cluster; never the token, its signature or session
 *   token; flood-limited per source address.
 */
import { after, before, describe, test } from 'node:test';
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, DeleteAccessKeyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { kubeToken } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { AuditRecord } from '../src/core/audit/index.ts';

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
const userSubject = (name: string) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });
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

async function tokenReview(creds: Credentials, cluster = 'k1'): Promise<Review> {
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

async function assume(creds: Credentials, role: string, session: string): Promise<Credentials> {
  const c = (await server.sts(creds).send(new AssumeRoleCommand({ RoleArn: arn('role', role), RoleSessionName: session }))).Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

const notAllowed = (s: SarStatus): void => assert.deepEqual([s.allowed, s.denied ?? false], [false, false], JSON.stringify(s));

// What each group grants in cluster k1 (see `before`): devs read configmaps in team, admins read nodes, every
// authenticated user reads namespaces, and the User `x-alice` reads secrets in team.
const readConfigmap = { namespace: 'team', verb: 'get', resource: 'configmaps', name: 'c' };
const readNode = { verb: 'get', resource: 'nodes', name: 'n1' };
const readNamespace = { verb: 'get', resource: 'namespaces', name: 'team' };
const readSecret = { namespace: 'team', verb: 'get', resource: 'secrets', name: 's1' };

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  await admin('POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'dev', { trustPolicy: trust() }),
      doc('User', 'carol', { inlinePolicies: { assume: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'iam:PassRole'], Resource: '*' }] } } }),
      // X3: pods run as trainer, passed by sessions of role passer.
      doc('Role', 'trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] } }),
      doc('Role', 'passer', {
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }] },
        inlinePolicies: { pass: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] } },
      }),
      doc('User', 'eve', {}),
      doc('AccessEntry', 'passer', { cluster: 'k1', principalArn: arn('role', 'passer'), kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'carol', { cluster: 'k1', principalArn: arn('user', 'carol'), kubernetesGroups: ['devs', 'admins'] }),
      doc('User', 'dan', {}),
      doc('AccessEntry', 'dan', { cluster: 'k1', principalArn: arn('user', 'dan'), kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: arn('role', 'dev'), kubernetesGroups: ['devs'], username: 'x-{{SessionName}}' }),
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      rbac('ClusterRole', 'cm-reader', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }),
      rbac('RoleBinding', 'devs-cm', { subjects: [group('devs')], roleRef: clusterRole('cm-reader') }, 'team'),
      rbac('ClusterRole', 'node-reader', { rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] }),
      rbac('ClusterRoleBinding', 'admins-nodes', { subjects: [group('admins')], roleRef: clusterRole('node-reader') }),
      rbac('ClusterRole', 'ns-reader', { rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }] }),
      rbac('ClusterRoleBinding', 'everyone-ns', { subjects: [group('system:authenticated')], roleRef: clusterRole('ns-reader') }),
      rbac('ClusterRole', 'secret-reader', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }),
      rbac('RoleBinding', 'x-alice-secrets', { subjects: [userSubject('x-alice')], roleRef: clusterRole('secret-reader') }, 'team'),
    ],
  });
  tokens.set('k1', String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']));
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

describe('X1: groups and username of a cached TokenReview', () => {
  test('a group removed from the access entry no longer grants; the groups it still holds and system:authenticated do', async () => {
    const c = await authenticated(carol);
    assert.deepEqual([...c.groups].sort(), ['admins', 'devs', 'system:authenticated']);
    assert.equal((await sar(c, readNode)).allowed, true);
    // The entry loses `admins` (apply changes it in place).
    await admin('POST', '/v1/apply', { documents: [doc('AccessEntry', 'carol', { cluster: 'k1', principalArn: arn('user', 'carol'), kubernetesGroups: ['devs'] })] });
    // kube-apiserver still sends the groups its cached TokenReview gave.
    const refused = await sar(c, readNode);
    notAllowed(refused);
    assert.match(refused.reason, /groups its access entry no longer holds do not count: `admins`/);
    assert.equal((await sar(c, readConfigmap)).allowed, true, 'devs is still held');
    assert.equal((await sar(c, readNamespace)).allowed, true, 'system:authenticated is added by kube-apiserver itself');
    // A new token gets the entry's groups now.
    const fresh = await authenticated(carol);
    assert.deepEqual([...fresh.groups].sort(), ['devs', 'system:authenticated']);
    // The group given back grants again.
    await admin('POST', '/v1/apply', { documents: [doc('AccessEntry', 'carol', { cluster: 'k1', principalArn: arn('user', 'carol'), kubernetesGroups: ['devs', 'admins'] })] });
    assert.equal((await sar(c, readNode)).allowed, true);
  });

  test('a group the entry never held grants nothing to a Gatehouse principal', async () => {
    const c = await authenticated(carol);
    const forged = { ...c, groups: [...c.groups, 'secret-readers'] };
    await admin('POST', '/v1/apply', { cluster: 'k1', documents: [rbac('RoleBinding', 'sr', { subjects: [group('secret-readers')], roleRef: clusterRole('secret-reader') }, 'team')] });
    notAllowed(await sar(forged, readSecret));
    // Another authenticator's user (no extra.arn) keeps its groups as given.
    assert.equal((await sar({ username: 'someone', groups: ['secret-readers', 'system:authenticated'], extra: {} }, readSecret)).allowed, true);
  });

  test('a username the entry no longer renders: no opinion, not the old username’s bindings', async () => {
    const alice = await authenticated(await assume(carol, 'dev', 'alice'));
    assert.equal(alice.username, 'x-alice');
    assert.equal((await sar(alice, readSecret)).allowed, true);
    await admin('POST', '/v1/apply', { documents: [doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: arn('role', 'dev'), kubernetesGroups: ['devs'], username: 'y-{{SessionName}}' })] });
    const s = await sar(alice, readSecret);
    notAllowed(s);
    assert.match(s.reason, /assumed-role\/dev\/alice` of this Kubernetes user is now the Kubernetes user `y-alice`.*not `x-alice`/);
    assert.match(s.reason, /: Gatehouse's RBAC grants it nothing$/);
    // Its new token is the new user.
    assert.equal((await authenticated(await assume(carol, 'dev', 'alice'))).username, 'y-alice');
  });
});

describe('X2: the access key a plain user’s token was signed with', () => {
  function noOpinion(s: SarStatus, why: RegExp): void {
    notAllowed(s);
    assert.match(s.reason, why);
    assert.match(s.reason, /: Gatehouse's RBAC grants it nothing$/);
  }

  test('made Inactive, then deleted: no opinion for the cached user; another live key of the user still authenticates', async () => {
    const iam = server.iam();
    const d = await authenticated(dan);
    assert.deepEqual(d.extra['accessKeyId'], [dan.accessKeyId]);
    assert.equal((await sar(d, readConfigmap)).allowed, true);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'dan', AccessKeyId: dan.accessKeyId, Status: 'Inactive' }));
    assert.equal((await tokenReview(dan)).authenticated, false, 'a new token with the inactive key is refused');
    const why = new RegExp(`user/dan\` of this Kubernetes user authenticated with access key ${dan.accessKeyId}, which was deleted or made inactive`);
    noOpinion(await sar(d, readConfigmap), why);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'dan', AccessKeyId: dan.accessKeyId, Status: 'Active' }));
    assert.equal((await sar(d, readConfigmap)).allowed, true, 'active again');
    // A second key, then the first deleted: the user of the first key's token gets nothing, the second's is allowed.
    const k2 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dan' }))).AccessKey;
    assert.ok(k2?.AccessKeyId && k2.SecretAccessKey);
    const d2 = await authenticated({ accessKeyId: k2.AccessKeyId, secretAccessKey: k2.SecretAccessKey });
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'dan', AccessKeyId: dan.accessKeyId }));
    noOpinion(await sar(d, readConfigmap), why);
    assert.equal((await sar(d2, readConfigmap)).allowed, true);
    // Another user's key in extra is not this user's.
    noOpinion(await sar({ ...d2, extra: { ...d2.extra, accessKeyId: [carol.accessKeyId] } }, readConfigmap), /authenticated with access key \w+, which is not its own/);
  });
});

describe('X3: the submitter name of a pod’s job', () => {
  let pods = 0;

  /** AdmissionReview of a pod naming role trainer, created by `user`; the job it was admitted with. */
  async function admitPod(user: KubeUser): Promise<{ id: string; env: Record<string, string> }> {
    const n = ++pods;
    const body = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        name: `p${n}`,
        namespace: 'team',
        operation: 'CREATE',
        userInfo: user,
        object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${n}`, namespace: 'team', annotations: { 'gatehouse.dev/role': 'trainer' } }, spec: { containers: [{ name: 'main', image: 'trainer:v1' }] } },
        oldObject: null,
        dryRun: false,
      },
    };
    const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get('k1') ?? ''}` }, body: JSON.stringify(body) });
    const response = ((await r.json()) as { response: { allowed: boolean; status?: { message?: string }; auditAnnotations?: Record<string, string>; patch?: string } }).response;
    assert.equal(response.allowed, true, response.status?.message);
    const id = response.auditAnnotations?.['job'];
    assert.ok(id !== undefined);
    const patch = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8')) as { path: string; value: unknown }[];
    const env = Object.fromEntries(patch.filter((p) => p.path.endsWith('/env')).flatMap((p) => p.value as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    return { id, env };
  }

  const submitterName = async (id: string): Promise<string> => String(((await admin('GET', `/v1/jobs/${id}`))['submitter'] as { name: string }).name);

  /** The SourceIdentity the audit log records for the session the pod's job issues (its credentials fetched first). */
  async function sessionSourceIdentity(job: { id: string; env: Record<string, string> }): Promise<string | undefined> {
    const got = await fetch(job.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: job.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
    assert.equal(got.status, 200, await got.text());
    for (let i = 0; ; i++) {
      const r = await cliAgainst(server, ['audit', 'query', '--job', job.id, '--json']);
      assert.equal(r.status, 0, r.err);
      const records = r.out.trim().split('\n').filter(Boolean).flatMap((line) => {
        const v = JSON.parse(line) as unknown;
        return Array.isArray(v) ? v : [v];
      }) as { kind: string; sourceIdentity?: string }[];
      const session = records.find((x) => x.kind === 'session');
      if (session) return session.sourceIdentity;
      assert.ok(i < 50, `no session record for job ${job.id}: ${r.out}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  async function passerSession(sourceIdentity?: string): Promise<KubeUser> {
    const c = (await server.sts(carol).send(new AssumeRoleCommand({ RoleArn: arn('role', 'passer'), RoleSessionName: 'alice', ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}) }))).Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    return authenticated({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
  }

  test('a role session passes under its SourceIdentity, else its session ARN, never its RoleSessionName', async () => {
    const withSource = await admitPod(await passerSession('carol'));
    assert.equal(await submitterName(withSource.id), 'carol');
    assert.equal(await sessionSourceIdentity(withSource), 'carol');
    const without = await admitPod(await passerSession());
    assert.equal(await submitterName(without.id), `arn:aws:sts::${acct}:assumed-role/passer/alice`);
    // The ARN's resource part made to fit and a digest of the whole ARN, so that no other session's name gives the same (review qd, 2).
    assert.equal(await sessionSourceIdentity(without), `assumed-role_passer_alice.${createHash('sha256').update(`arn:aws:sts::${acct}:assumed-role/passer/alice`).digest('hex').slice(0, 16)}`);
  });

  test('a user passes under its user name', async () => {
    const job = await admitPod(await authenticated(carol));
    assert.equal(await submitterName(job.id), 'carol');
  });
});

// The HTTP edge (src/adapters/http/k8s-api.ts `authenticate`) calls `kube.tokenRefused` on each refusal.
describe('X4: refused TokenReviews are audited', () => {
  let since = 0;
  let eve: Credentials;
  const k1 = () => `arn:aws:training::${acct}:cluster/k1`;

  /** Every record after the last `fresh()` (the queue written first). */
  async function fresh(): Promise<AuditRecord[]> {
    await server.running.app.audit.flush();
    const out: AuditRecord[] = [];
    for (;;) {
      const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/audit?after=${since}&limit=1000`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const page = r.json as { records: AuditRecord[]; next?: string };
      out.push(...page.records);
      since = page.records.at(-1)?.seq ?? since;
      if (page.next === undefined) return out;
    }
  }
  const refusals = (all: AuditRecord[]): AuditRecord[] => all.filter((r) => r.detail['authentication'] !== undefined);
  const row = (r: AuditRecord | undefined) => [r?.kind, r?.principal, r?.account, r?.action, r?.resource, r?.decision, r?.sourceIp, r?.detail['authentication'], r?.detail['accessKeyId'], r?.detail['cluster']];

  before(async () => {
    const k = await admin('POST', '/v1/access-keys', { userName: 'eve' });
    eve = { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) };
    await fresh();
  });

  test('a wrong secret, an unknown key, a malformed token, a caller with no access entry: one record each, no secret', async () => {
    const wrongSecret = { ...carol, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET' };
    const unknown = { accessKeyId: 'AKIAUNKNOWNKEY000042', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET' };
    const sent: string[] = [];
    for (const creds of [wrongSecret, unknown, eve]) {
      const t = await token(creds, 'k1');
      sent.push(t);
      const r = await webhook('k1', 'authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } });
      assert.equal(r['authenticated'], false, JSON.stringify(r));
    }
    const malformed = await webhook('k1', 'authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'k8s-aws-v1.bm90IGEgdXJs' } });
    assert.equal(malformed['authenticated'], false);
    const got = refusals(await fresh());
    assert.deepEqual(got.map(row), [
      ['decision', arn('user', 'carol'), acct, 'sts:GetCallerIdentity', k1(), 'Deny', '127.0.0.1', 'SignatureDoesNotMatch', carol.accessKeyId, 'k1'],
      ['decision', 'anonymous', acct, 'sts:GetCallerIdentity', k1(), 'Deny', '127.0.0.1', 'InvalidClientTokenId', 'AKIAUNKNOWNKEY000042', 'k1'],
      ['decision', arn('user', 'eve'), acct, 'sts:GetCallerIdentity', k1(), 'Deny', '127.0.0.1', 'AccessDenied', eve.accessKeyId, 'k1'],
      ['decision', 'anonymous', acct, 'sts:GetCallerIdentity', k1(), 'Deny', '127.0.0.1', 'InvalidToken', undefined, 'k1'],
    ]);
    assert.deepEqual(
      got.map((r) => r.detail['message']),
      [
        'the signature does not match (a wrong secret, or a token made for another cluster)',
        'unknown or inactive access key id, or an invalid session token',
        'no access entry of the cluster maps the principal',
        'the token is not a k8s-aws-v1. presigned GetCallerIdentity URL this server accepts',
      ],
    );
    const text = JSON.stringify(got);
    for (const t of sent) {
      assert.ok(!text.includes(t), 'no token in the records');
      const signature = new URL(Buffer.from(t.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8')).searchParams.get('X-Amz-Signature') ?? '';
      assert.ok(signature.length > 0 && !text.includes(signature), 'no signature in the records');
    }
    assert.ok(!text.includes(eve.secretAccessKey) && !text.includes(carol.secretAccessKey));
    assert.doesNotMatch(text, /X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential|Action=GetCallerIdentity/);
  });

  test('a revoked session: ExpiredToken under the session, without its session token', async () => {
    const s = await assume(carol, 'dev', 'gone');
    assert.equal((await tokenReview(s)).authenticated, true);
    await admin('POST', '/v1/sts/revoke-sessions', { sessionArn: `arn:aws:sts::${acct}:assumed-role/dev/gone` });
    await fresh();
    const t = await token(s, 'k1');
    const r = await webhook('k1', 'authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } });
    assert.equal(r['authenticated'], false, JSON.stringify(r));
    const got = refusals(await fresh());
    assert.deepEqual(got.map(row), [['decision', `arn:aws:sts::${acct}:assumed-role/dev/gone`, acct, 'sts:GetCallerIdentity', k1(), 'Deny', '127.0.0.1', 'ExpiredToken', s.accessKeyId, 'k1']]);
    // Signed with the session's secret: its holder still presents the revoked session (review um, 1).
    assert.equal(got[0]?.detail['message'], "expired or revoked session token; it was signed with the key's secret: its holder still uses it");
    assert.equal(got[0]?.detail['signatureVerified'], true);
    const text = JSON.stringify(got);
    const sessionToken = s.sessionToken ?? '';
    assert.ok(!text.includes(t) && !text.includes(sessionToken) && !text.includes(sessionToken.slice(40, 80)), 'no token or session token in the record');
  });

  test('a flood of bad tokens from one address: bounded records, the rest counted', async () => {
    const counted = async (): Promise<number> => {
      const m = /^gatehouse_audit_auth_failures_suppressed_total (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text());
      assert.ok(m, 'the counter is exported');
      return Number(m[1]);
    };
    // From another loopback address, so that the earlier tests' records do not share its bucket.
    const post = (body: string): Promise<number> =>
      new Promise((done, fail) => {
        const req = request(`${server.url}/k8s/k1/authenticate`, { method: 'POST', localAddress: '127.0.0.3', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get('k1') ?? ''}` } }, (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 0));
        });
        req.on('error', fail);
        req.end(body);
      });
    const bad = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await token({ ...carol, secretAccessKey: 'x'.repeat(40) }, 'k1') } });
    const before = await counted();
    const started = performance.now();
    const N = 80;
    for (let i = 0; i < N; i++) assert.equal(await post(bad), 200);
    const seconds = (performance.now() - started) / 1000;
    // A summary record (review kn1) sums up refusals left out once the address is quiet for a second: not one of the N.
    const flood = refusals(await fresh()).filter((r) => r.sourceIp === '127.0.0.3' && r.detail['first'] === undefined);
    const suppressed = (await counted()) - before;
    assert.ok(flood.length >= 20 && flood.length <= 20 + Math.ceil(seconds * 5) + 1, `${flood.length} records in ${seconds.toFixed(2)} s`);
    assert.equal(flood.length + suppressed, N);
  });
});
