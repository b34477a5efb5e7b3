/**
 * The SubjectAccessReview webhook and the authorize API against one another, with reviews shaped as
 * kube-apiserver sends them (review I): a namespace object's IAM deny holds in both (S6); a user disabled, or a
 * role deleted, after kube-apiserver cached its TokenReview gets no opinion, never RBAC's allow (S3; not `denied`, which
 * DESIGN.md keeps for an IAM deny); verb or resource `*`
 * is denied when IAM denies one verb or resource it covers (C3); a binding to a missing role reaches
 * `evaluationError` whatever the answer (C2); an access entry is refused for a principal that does not exist and is
 * not inherited by a principal created again under its ARN (S7). RBAC is applied with `gatehouse apply --cluster`, the webhook token
 * written by `gatehouse kube webhook-config`, and the reviews posted over HTTP with it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyConfig } from '../src/app/apply.ts';
import type { Caller } from '../src/app/index.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { webhookFromKubeconfig, type WebhookTarget } from './support/apiserver.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ROOT_DIR = resolve(import.meta.dirname, '..');
const ACCT = '222233334444';
const CLUSTER = `arn:aws:training::${ACCT}:cluster/gpu-a`;
const user = (name: string): string => `arn:aws:iam::${ACCT}:user/${name}`;

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir = '';
let server: RunningServer;
let keys: { AccessKeyId: string; SecretAccessKey: string };
let admin: Caller;
let authz: WebhookTarget;

function gatehouse(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: keys.AccessKeyId, AWS_SECRET_ACCESS_KEY: keys.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url };
  return gatehouseInProcess(args, { ...base, ...env }, { cwd: ROOT_DIR }).then((r) => ({ status: r.code, stdout: r.stdout, stderr: r.stderr }));
}

function post(url: URL, token: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}

interface SarStatus {
  allowed: boolean;
  denied?: boolean;
  reason: string;
  evaluationError?: string;
}

/** A SubjectAccessReview as kube-apiserver sends it for a user Gatehouse's TokenReview authenticated. */
async function sar(arn: string | undefined, groups: readonly string[], attributes: Record<string, string>, username = arn ?? 'someone'): Promise<SarStatus> {
  const r = await post(authz.url, authz.token, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { resourceAttributes: attributes, user: username, groups: [...groups, 'system:authenticated'], ...(arn !== undefined ? { extra: { arn: [arn] } } : {}) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['status'] as SarStatus;
}

async function decide(principal: string, action: string, resource: string): Promise<{ decision: string; reasons: string[]; diagnostics: string[] }> {
  const r = await gatehouse(['authorize', '--principal', principal, '--action', action, '--resource', resource, '--json']);
  assert.ok(r.stdout.trim().startsWith('{'), `authorize printed no JSON: ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout) as { decision: string; reasons: string[]; diagnostics: string[] };
}

const RBAC = `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ns-self, namespace: ml}
rules:
- apiGroups: [""]
  resources: ["namespaces", "namespaces/finalize"]
  verbs: ["get", "delete", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ns-self, namespace: ml}
subjects: [{kind: Group, name: editors, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: ns-self, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: editor, namespace: ml}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: editors, namespace: ml}
subjects: [{kind: Group, name: editors, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: editor, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: ml}
subjects: [{kind: Group, name: g-dangling, apiGroup: rbac.authorization.k8s.io}, {kind: Group, name: editors, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: does-not-exist, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- apiGroups: [""]
  resources: ["pods", "secrets", "nodes"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers}
subjects: [{kind: Group, name: readers, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: reader, apiGroup: rbac.authorization.k8s.io}
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-kube-authz-'));
  server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  const app = server.app;
  const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
  const rootCaller = await app.authenticate(root.AccessKeyId);
  assert.ok(rootCaller.ok);
  const created = await applyConfig(app.deps, rootCaller.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ACCT }, spec: { partition: 'aws' } }] });
  assert.ok(created.ok && created.value.credentials[0]);
  keys = created.value.credentials[0];
  const who = await app.authenticate(keys.AccessKeyId);
  assert.ok(who.ok);
  admin = who.value.caller;
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const deny = (action: string | string[], resource: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: action, Resource: resource }] });
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
  const entry = (name: string, arn: string) => doc('AccessEntry', name, { cluster: 'gpu-a', principalArn: arn, kubernetesGroups: ['editors'] });
  const setup = await applyConfig(app.deps, admin, {
    documents: [
      doc('Cluster', 'gpu-a', {}),
      // bob may not delete namespace ml (the namespace object, in the authorize API's form).
      doc('User', 'bob', { inlinePolicies: { 'protect-ns': deny('kubernetes:delete', `${CLUSTER}/namespaces/ml`), 'no-finalize': deny('kubernetes:update', `${CLUSTER}/namespaces/ml/finalize`) } }),
      // dave may delete nothing.
      doc('User', 'dave', { inlinePolicies: { nodelete: deny('kubernetes:delete', '*') } }),
      // carol: most verbs on pods denied, and every verb on secrets.
      doc('User', 'carol', { inlinePolicies: { 'read-only-pods': deny(['kubernetes:delete', 'kubernetes:patch', 'kubernetes:update', 'kubernetes:create'], `${CLUSTER}/namespaces/ml/pods*`), 'no-secrets': deny('kubernetes:*', `${CLUSTER}/namespaces/ml/secrets*`) } }),
      // erin: nothing denied.
      doc('User', 'erin', {}),
      // Readers across the cluster (review K, K6): gina may do nothing in namespace prod; hank nothing in the
      // namespace named after him (a policy variable); ivy nothing outside ml but the cluster-wide lists
      // (NotResource); kim nothing in any namespace whose name starts with `pr` (a wildcard); jo nothing denied.
      doc('User', 'gina', { inlinePolicies: { noprod: deny('kubernetes:*', `${CLUSTER}/namespaces/prod/*`) } }),
      doc('User', 'hank', { inlinePolicies: { noown: deny('kubernetes:*', `${CLUSTER}/namespaces/\${aws:username}/*`) } }),
      doc('User', 'ivy', { inlinePolicies: { onlyml: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', NotResource: [`${CLUSTER}/secrets`, `${CLUSTER}/pods`, `${CLUSTER}/namespaces/ml/*`] }] } } }),
      doc('User', 'kim', { inlinePolicies: { nopr: deny(['kubernetes:list', 'kubernetes:get'], `${CLUSTER}/namespaces/pr*/secrets*`) } }),
      doc('User', 'jo', {}),
      doc('Role', 'KubeRole', { trustPolicy: trust, inlinePolicies: { nodelete: deny('kubernetes:delete', '*') } }),
      entry('bob', user('bob')),
      entry('dave', user('dave')),
      entry('carol', user('carol')),
      entry('erin', user('erin')),
      ...['gina', 'hank', 'ivy', 'kim', 'jo'].map((n) => doc('AccessEntry', n, { cluster: 'gpu-a', principalArn: user(n), kubernetesGroups: ['readers'] })),
      entry('kuberole', `arn:aws:iam::${ACCT}:role/KubeRole`),
    ],
  });
  assert.ok(setup.ok, JSON.stringify(!setup.ok && setup.errors));
  await writeFile(join(dir, 'rbac.yaml'), RBAC);
  const applied = await gatehouse(['apply', '--cluster', 'gpu-a', '-f', join(dir, 'rbac.yaml')]);
  assert.equal(applied.status, 0, applied.stderr);
  const out = join(dir, 'webhooks');
  const written = await gatehouse(['kube', 'webhook-config', '--cluster', 'gpu-a', '--out', out]);
  assert.equal(written.status, 0, written.stderr);
  // Webhook before RBAC, or the IAM denies tested here would never be asked about what the cluster's RBAC allows (C1).
  assert.match(written.stdout, /\n {2}--authorization-mode=Node,Webhook,RBAC\n/);
  authz = await webhookFromKubeconfig(join(out, 'authorization-webhook.kubeconfig'));
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('webhook-config as DESIGN.md shows it (review L, L2)', () => {
  test('`gatehouse kube webhook-config --cluster C` alone writes the files to ./gatehouse-webhooks-C', async () => {
    const base = { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: keys.AccessKeyId, AWS_SECRET_ACCESS_KEY: keys.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url };
    const r = await new Promise<Run>((done) => {
      execFile(process.execPath, [join(ROOT_DIR, 'bin', 'gatehouse.js'), 'kube', 'webhook-config', '--cluster', 'gpu-a'], { env: base, timeout: 30_000, cwd: dir }, (err, stdout, stderr) => {
        done({ status: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0, stdout, stderr });
      });
    });
    assert.equal(r.status, 0, r.stderr);
    const files = await readdir(join(dir, 'gatehouse-webhooks-gpu-a'));
    assert.ok(files.includes('authorization-webhook.kubeconfig'), files.join(', '));
  });
});

describe('the namespace object (review I, S6)', () => {
  // `DELETE /api/v1/namespaces/ml`: kube-apiserver's RequestInfo gives namespace ml, resource namespaces, name ml.
  const deleteNs = { namespace: 'ml', verb: 'delete', version: 'v1', resource: 'namespaces', name: 'ml' };

  test('an IAM deny on <cluster>/namespaces/ml denies the request kube-apiserver sends for it', async () => {
    const s = await sar(user('bob'), ['editors'], deleteNs);
    assert.deepEqual([s.allowed, s.denied], [false, true], JSON.stringify(s));
    assert.match(s.reason, /user\/bob is not authorized to perform: kubernetes:delete on resource: arn:aws:training::222233334444:cluster\/gpu-a\/namespaces\/ml /);
    // Its subresource too (`PUT /api/v1/namespaces/ml/finalize`).
    const fin = await sar(user('bob'), ['editors'], { ...deleteNs, verb: 'update', subresource: 'finalize' });
    assert.deepEqual([fin.allowed, fin.denied], [false, true], JSON.stringify(fin));
    // Another user, RBAC alone: the RoleBinding in ml on namespaces allows, as in the cluster.
    const erin = await sar(user('erin'), ['editors'], deleteNs);
    assert.equal(erin.allowed, true, JSON.stringify(erin));
    // Another namespace's object is not covered by the deny.
    const other = await sar(user('bob'), ['editors'], { ...deleteNs, verb: 'get' });
    assert.equal(other.allowed, true, JSON.stringify(other));
  });

  test('the authorize API answers as the webhook, in both directions', async () => {
    const bob = await decide(user('bob'), 'kubernetes:delete', `${CLUSTER}/namespaces/ml`);
    assert.equal(bob.decision, 'ExplicitDeny', JSON.stringify(bob));
    // The RoleBinding in ml applies to the namespace object ml, as kube-apiserver's attributes make it.
    const erin = await decide(user('erin'), 'kubernetes:delete', `${CLUSTER}/namespaces/ml`);
    assert.equal(erin.decision, 'Allow', JSON.stringify(erin));
    assert.ok(erin.reasons.some((r) => r.includes('RoleBinding `ml/ns-self`')), erin.reasons.join('\n'));
    const finalize = await decide(user('bob'), 'kubernetes:update', `${CLUSTER}/namespaces/ml/finalize`);
    assert.equal(finalize.decision, 'ExplicitDeny', JSON.stringify(finalize));
    const erinFinalize = await decide(user('erin'), 'kubernetes:update', `${CLUSTER}/namespaces/ml/finalize`);
    assert.equal(erinFinalize.decision, 'Allow', JSON.stringify(erinFinalize));
    // Pods in ml are still pods in ml.
    const pods = await decide(user('erin'), 'kubernetes:list', `${CLUSTER}/namespaces/ml/pods`);
    assert.equal(pods.decision, 'Allow', JSON.stringify(pods));
  });
});

describe('a principal Gatehouse cannot resolve (review I, S3)', () => {
  const deletePod = { namespace: 'ml', verb: 'delete', version: 'v1', resource: 'pods', name: 'x' };
  const getPod = { ...deletePod, verb: 'get' };

  test('a disabled user: no opinion (not denied: no IAM policy denies), never RBAC\'s allow; enabled again, as before', async () => {
    const before = await sar(user('dave'), ['editors'], deletePod);
    assert.deepEqual([before.allowed, before.denied], [false, true], JSON.stringify(before));
    const disabled = await gatehouse(['users', 'disable', 'dave']);
    assert.equal(disabled.status, 0, disabled.stderr);
    for (const attrs of [deletePod, getPod]) {
      const s = await sar(user('dave'), ['editors'], attrs);
      assert.deepEqual([s.allowed, s.denied ?? false], [false, false], `${attrs.verb}: ${JSON.stringify(s)}`);
      assert.match(s.reason, /user\/dave` of this Kubernetes user is disabled .*: Gatehouse's RBAC grants it nothing/);
    }
    const enabled = await gatehouse(['users', 'enable', 'dave']);
    assert.equal(enabled.status, 0, enabled.stderr);
    const get = await sar(user('dave'), ['editors'], getPod);
    assert.equal(get.allowed, true, JSON.stringify(get));
  });

  test('a session of a deleted role, and an unknown principal: no opinion, saying why', async () => {
    const session = `arn:aws:sts::${ACCT}:assumed-role/KubeRole/s1`;
    const live = await sar(session, ['editors'], getPod);
    assert.equal(live.allowed, true, JSON.stringify(live));
    const inline = await server.app.directory.deleteInlinePolicy(admin, 'role', { name: 'KubeRole', policyName: 'nodelete' });
    assert.ok(inline.ok, JSON.stringify(inline));
    const gone = await server.app.directory.deleteRole(admin, { roleName: 'KubeRole' });
    assert.ok(gone.ok, JSON.stringify(gone));
    const s = await sar(session, ['editors'], getPod);
    assert.deepEqual([s.allowed, s.denied ?? false], [false, false], JSON.stringify(s));
    assert.match(s.reason, /session of role arn:aws:iam::222233334444:role\/KubeRole, which does not exist/);
    const unknown = await sar(user('nobody'), ['editors'], getPod);
    assert.deepEqual([unknown.allowed, unknown.denied ?? false], [false, false], JSON.stringify(unknown));
    assert.match(unknown.reason, /user\/nobody` of this Kubernetes user does not exist/);
    // A user another authenticator made (no extra.arn) is RBAC's alone, as before.
    const other = await sar(undefined, ['editors'], getPod);
    assert.equal(other.allowed, true, JSON.stringify(other));
  });
});

describe('wildcards (review I, C3)', () => {
  test('verb * is denied when IAM denies one of the verbs it covers', async () => {
    const star = await sar(user('carol'), ['editors'], { namespace: 'ml', verb: '*', resource: 'pods' });
    assert.deepEqual([star.allowed, star.denied], [false, true], JSON.stringify(star));
    assert.match(star.reason, /kubernetes:(delete|patch|update|create)/);
    // What IAM does not deny stays allowed; and a user without denies may do everything.
    const get = await sar(user('carol'), ['editors'], { namespace: 'ml', verb: 'get', resource: 'pods' });
    assert.equal(get.allowed, true, JSON.stringify(get));
    const erin = await sar(user('erin'), ['editors'], { namespace: 'ml', verb: '*', resource: 'pods' });
    assert.equal(erin.allowed, true, JSON.stringify(erin));
  });

  test('resource * is denied when IAM denies one of the resources it covers', async () => {
    const star = await sar(user('carol'), ['editors'], { namespace: 'ml', verb: 'get', resource: '*' });
    assert.deepEqual([star.allowed, star.denied], [false, true], JSON.stringify(star));
    assert.match(star.reason, /namespaces\/ml\/secrets/);
    const all = await sar(user('carol'), ['editors'], { namespace: 'ml', verb: '*', resource: '*', group: '*' });
    assert.deepEqual([all.allowed, all.denied], [false, true], JSON.stringify(all));
    const erin = await sar(user('erin'), ['editors'], { namespace: 'ml', verb: '*', resource: '*', group: '*' });
    assert.equal(erin.allowed, true, JSON.stringify(erin));
  });
});

describe('all namespaces (review K, K6)', () => {
  // `kubectl get secrets -A`: kube-apiserver sends namespace "" for a list across every namespace.
  const listAll = { namespace: '', verb: 'list', version: 'v1', resource: 'secrets' };

  test('an IAM deny on everything in one namespace denies a list across all namespaces', async () => {
    const inProd = await sar(user('gina'), ['readers'], { ...listAll, namespace: 'prod' });
    assert.deepEqual([inProd.allowed, inProd.denied], [false, true], JSON.stringify(inProd));
    const all = await sar(user('gina'), ['readers'], listAll);
    assert.deepEqual([all.allowed, all.denied], [false, true], JSON.stringify(all));
    assert.match(all.reason, /kubernetes:list on resource: arn:aws:training::222233334444:cluster\/gpu-a\/namespaces\/prod\/secrets/);
    // watch -A, and get of a named secret with no namespace, are the same wildcard; so is resource * across namespaces.
    for (const attrs of [{ ...listAll, verb: 'watch' }, { ...listAll, verb: 'get', name: 's1' }, { ...listAll, resource: '*' }]) {
      const s = await sar(user('gina'), ['readers'], attrs);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attrs)}: ${JSON.stringify(s)}`);
    }
    // Other namespaces, a cluster-scoped resource, and a user without denies are RBAC's as before.
    const ml = await sar(user('gina'), ['readers'], { ...listAll, namespace: 'ml' });
    assert.equal(ml.allowed, true, JSON.stringify(ml));
    const nodes = await sar(user('gina'), ['readers'], { ...listAll, resource: 'nodes' });
    assert.equal(nodes.allowed, true, JSON.stringify(nodes));
    const jo = await sar(user('jo'), ['readers'], listAll);
    assert.equal(jo.allowed, true, JSON.stringify(jo));
  });

  test('a namespace named by a policy variable, by a wildcard, or spared by NotResource', async () => {
    const hank = await sar(user('hank'), ['readers'], listAll);
    assert.deepEqual([hank.allowed, hank.denied], [false, true], JSON.stringify(hank));
    assert.match(hank.reason, /namespaces\/hank\/secrets/);
    const kim = await sar(user('kim'), ['readers'], listAll);
    assert.deepEqual([kim.allowed, kim.denied], [false, true], JSON.stringify(kim));
    // kim's deny is on secrets only: pods across all namespaces stay allowed.
    const kimPods = await sar(user('kim'), ['readers'], { ...listAll, resource: 'pods' });
    assert.equal(kimPods.allowed, true, JSON.stringify(kimPods));
    const ivy = await sar(user('ivy'), ['readers'], listAll);
    assert.deepEqual([ivy.allowed, ivy.denied], [false, true], JSON.stringify(ivy));
    const ivyMl = await sar(user('ivy'), ['readers'], { ...listAll, namespace: 'ml' });
    assert.equal(ivyMl.allowed, true, JSON.stringify(ivyMl));
  });

  test('the authorize API answers as the webhook', async () => {
    const gina = await decide(user('gina'), 'kubernetes:list', `${CLUSTER}/secrets`);
    assert.equal(gina.decision, 'ExplicitDeny', JSON.stringify(gina));
    assert.ok(gina.reasons.some((r) => r.includes('namespaces/prod/secrets')), gina.reasons.join('\n'));
    const hank = await decide(user('hank'), 'kubernetes:list', `${CLUSTER}/secrets`);
    assert.equal(hank.decision, 'ExplicitDeny', JSON.stringify(hank));
    const jo = await decide(user('jo'), 'kubernetes:list', `${CLUSTER}/secrets`);
    assert.equal(jo.decision, 'Allow', JSON.stringify(jo));
    const ml = await decide(user('gina'), 'kubernetes:list', `${CLUSTER}/namespaces/ml/secrets`);
    assert.equal(ml.decision, 'Allow', JSON.stringify(ml));
    // Resource * in a namespace is a wildcard there too (review I, C3, as the webhook decides it).
    const carol = await decide(user('carol'), 'kubernetes:get', `${CLUSTER}/namespaces/ml/*`);
    assert.equal(carol.decision, 'ExplicitDeny', JSON.stringify(carol));
  });
});

describe('RBAC evaluation errors (review I, C2)', () => {
  test('a binding to a missing role is in evaluationError, on no-opinion and on allow', async () => {
    const none = await sar(undefined, ['g-dangling'], { namespace: 'ml', verb: 'get', resource: 'pods' });
    assert.deepEqual([none.allowed, none.denied ?? false], [false, false], JSON.stringify(none));
    assert.match(none.evaluationError ?? '', /does-not-exist/);
    const allowed = await sar(user('erin'), ['editors'], { namespace: 'ml', verb: 'get', resource: 'pods' });
    assert.equal(allowed.allowed, true, JSON.stringify(allowed));
    assert.match(allowed.evaluationError ?? '', /does-not-exist/);
    // Elsewhere the binding plays no part, and no error is sent.
    const elsewhere = await sar(undefined, ['g-dangling'], { namespace: 'other', verb: 'get', resource: 'pods' });
    assert.equal(elsewhere.evaluationError, undefined, JSON.stringify(elsewhere));
  });
});

describe('access entries are tied to the principal, not its ARN (review I, S7)', () => {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
  const lateArn = `arn:aws:iam::${ACCT}:role/Late`;

  /** A TokenReview of a fresh token of a session of role Late, made with `gatehouse kube token`. */
  async function authenticateLate(): Promise<{ authenticated: boolean; error?: string; user?: { groups: string[] } }> {
    const assumed = await server.app.sts.assumeRole(admin, { roleArn: lateArn, roleSessionName: 'late', policyArns: [], tags: [], transitiveTagKeys: [] });
    assert.ok(assumed.ok, JSON.stringify(assumed));
    const c = assumed.value.credentials;
    const t = await gatehouse(['kube', 'token', '--cluster', 'gpu-a'], { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_SESSION_TOKEN: c.sessionToken });
    assert.equal(t.status, 0, t.stderr);
    const token = (JSON.parse(t.stdout) as { status: { token: string } }).status.token;
    const r = await post(new URL(authz.url.toString().replace(/authorize$/, 'authenticate')), authz.token, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['status'] as { authenticated: boolean; error?: string; user?: { groups: string[] } };
  }

  test('an entry for a principal that does not exist is refused, through the CLI and apply', async () => {
    const r = await gatehouse(['kube', 'access-entry', 'create', '--cluster', 'gpu-a', '--principal-arn', `arn:aws:iam::${ACCT}:role/NoSuchRole`, '--kubernetes-groups', '["admins"]']);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /role\/NoSuchRole is not an existing role: .*create the role first/);
    const list = await gatehouse(['kube', 'access-entry', 'list', '--cluster', 'gpu-a', '--json']);
    assert.ok(!list.stdout.includes('NoSuchRole'), list.stdout);
    const applied = await applyConfig(server.app.deps, admin, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'nosuch' }, spec: { cluster: 'gpu-a', principalArn: `arn:aws:iam::${ACCT}:user/nosuch`, kubernetesGroups: ['admins'] } }] });
    assert.equal(applied.ok, false);
    if (!applied.ok) assert.match(applied.errors[0]?.message ?? '', /user\/nosuch is not an existing user/);
  });

  test('a role deleted and created again does not inherit the old role’s entry', async () => {
    const made = await applyConfig(server.app.deps, admin, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Late' }, spec: { trustPolicy: trust } }] });
    assert.ok(made.ok, JSON.stringify(!made.ok && made.errors));
    const entry = await gatehouse(['kube', 'access-entry', 'create', '--cluster', 'gpu-a', '--principal-arn', lateArn, '--kubernetes-groups', '["editors"]']);
    assert.equal(entry.status, 0, entry.stderr);
    const first = await authenticateLate();
    assert.equal(first.authenticated, true, JSON.stringify(first));
    assert.deepEqual(first.user?.groups, ['editors', 'system:authenticated']);
    const allowed = await decide(`arn:aws:sts::${ACCT}:assumed-role/Late/late`, 'kubernetes:get', `${CLUSTER}/namespaces/ml/pods/x`);
    assert.equal(allowed.decision, 'Allow', JSON.stringify(allowed));

    const gone = await server.app.directory.deleteRole(admin, { roleName: 'Late' });
    assert.ok(gone.ok, JSON.stringify(gone));
    const again = await applyConfig(server.app.deps, admin, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Late' }, spec: { trustPolicy: trust } }] });
    assert.ok(again.ok);
    await server.app.refresh();
    const late = await authenticateLate();
    assert.equal(late.authenticated, false, JSON.stringify(late));
    assert.match(late.error ?? '', /was made for an earlier principal of that name, since deleted/);
    // The authorize API agrees: the entry gives the new role nothing.
    const d = await decide(`arn:aws:sts::${ACCT}:assumed-role/Late/late`, 'kubernetes:get', `${CLUSTER}/namespaces/ml/pods/x`);
    assert.notEqual(d.decision, 'Allow', JSON.stringify(d));

    // Created again on purpose (deleted and created, as EKS asks), the entry maps the new role.
    const del = await gatehouse(['kube', 'access-entry', 'delete', '--cluster', 'gpu-a', '--principal-arn', lateArn]);
    assert.equal(del.status, 0, del.stderr);
    const re = await gatehouse(['kube', 'access-entry', 'create', '--cluster', 'gpu-a', '--principal-arn', lateArn, '--kubernetes-groups', '["editors"]']);
    assert.equal(re.status, 0, re.stderr);
    await server.app.refresh();
    const now = await authenticateLate();
    assert.equal(now.authenticated, true, JSON.stringify(now));
  });
});
