/**
 * Kubernetes end to end with the real `kubectl`: a Gatehouse server on HTTPS (`--tls-cert`/`--tls-key`, a
 * self-signed certificate made here with `openssl`), the HyperPod example's RBAC applied with
 * `gatehouse apply --cluster`, the README's access entry made with `gatehouse kube access-entry create`, the
 * webhook kubeconfigs written by `gatehouse kube webhook-config`, and a minimal HTTPS kube-apiserver
 * (test/support/apiserver.ts) that calls the TokenReview and SubjectAccessReview webhooks with them.
 * kubectl authenticates with an exec plugin, `gatehouse kube token --cluster hyperpod`, run with a session
 * of `ScientistUserRole`; `kubectl auth can-i` must answer exactly as the HyperPod README's table.
 * Skips, saying why, without `/usr/bin/kubectl` or `openssl`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { applyConfig } from '../src/app/apply.ts';
import type { Caller } from '../src/app/index.ts';
import { SESSION_EXTRA } from '../src/app/kube.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { startTestApiserver, webhookFromKubeconfig, type TestApiserver, type WebhookTarget } from './support/apiserver.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const KUBECTL = '/usr/bin/kubectl';
const ROOT_DIR = resolve(import.meta.dirname, '..');
const HYPERPOD = join(import.meta.dirname, 'fixtures', 'kube', 'hyperpod');
const ACCT = '111122223333';
const ROLE_ARN = `arn:aws:iam::${ACCT}:role/ScientistUserRole`;

function which(cmd: string): string | undefined {
  try {
    return execFileSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const openssl = which('openssl');
const skip = !existsSync(KUBECTL) ? `${KUBECTL} is absent (install kubectl)` : !openssl ? 'openssl is absent (apt-get install openssl)' : undefined;

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done) => {
    execFile(file, [...args], { env, timeout: 30_000, cwd: ROOT_DIR }, (err, stdout, stderr) => {
      const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ status, stdout, stderr });
    });
  });
}

let dir = '';
let server: RunningServer;
let apiserver: TestApiserver;
let cert = '';
let accountAdmin: { AccessKeyId: string; SecretAccessKey: string };
let session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
let authn: WebhookTarget;
let authz: WebhookTarget;
let adminCaller: Caller;

/** The environment of a `gatehouse` child: the account admin's keys, this server, its CA. */
const cliEnv = (): NodeJS.ProcessEnv => ({
  PATH: '/usr/bin:/bin',
  HOME: dir,
  AWS_ACCESS_KEY_ID: accountAdmin.AccessKeyId,
  AWS_SECRET_ACCESS_KEY: accountAdmin.SecretAccessKey,
  GATEHOUSE_ENDPOINT: server.url,
  NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
});
const gatehouse = (args: readonly string[]): Promise<Run> => run(process.execPath, [join(ROOT_DIR, 'bin', 'gatehouse.js'), ...args], cliEnv());
/**
 * `gatehouse kube token --cluster CLUSTER` with `env`, in this process (test/support/gatehouse-cli.ts): it presigns a
 * URL without a request, and what it prints is the point. kubectl still runs the executable as its exec plugin.
 */
async function kubeToken(cluster: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const r = await gatehouseInProcess(['kube', 'token', '--cluster', cluster], env, { cwd: ROOT_DIR });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** A kubeconfig whose user runs `gatehouse kube token` with the given credentials. */
async function kubeconfig(name: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, cluster = 'hyperpod'): Promise<string> {
  const env = [
    { name: 'AWS_ACCESS_KEY_ID', value: creds.accessKeyId },
    { name: 'AWS_SECRET_ACCESS_KEY', value: creds.secretAccessKey },
    ...(creds.sessionToken ? [{ name: 'AWS_SESSION_TOKEN', value: creds.sessionToken }] : []),
    { name: 'GATEHOUSE_ENDPOINT', value: server.url },
  ];
  const path = join(dir, `${name}.kubeconfig`);
  await writeFile(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'hyperpod', cluster: { server: apiserver.url, 'certificate-authority-data': Buffer.from(cert).toString('base64') } }],
      users: [{ name, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [join(ROOT_DIR, 'bin', 'gatehouse.js'), 'kube', 'token', '--cluster', cluster], env, interactiveMode: 'Never' } } }],
      contexts: [{ name: 'ctx', context: { cluster: 'hyperpod', user: name } }],
      'current-context': 'ctx',
    }),
    { mode: 0o600 },
  );
  return path;
}

const kubectl = (config: string, args: readonly string[]): Promise<Run> => run(KUBECTL, ['--kubeconfig', config, ...args], { PATH: '/usr/bin:/bin', HOME: dir, KUBECACHEDIR: join(dir, 'kube-cache') });

function postJson(target: WebhookTarget, body: unknown, token = target.token): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const text = JSON.stringify(body);
    const req = request(target.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, ...(target.ca ? { ca: target.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', fail);
    req.end(text);
  });
}

describe('kubectl against the HyperPod example', { skip }, () => {
  let scientist = '';
  let outsider = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-kube-'));
    execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    const key = await readFile(join(dir, 'key.pem'), 'utf8');
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    assert.match(server.url, /^https:\/\//);

    // The account of the example, with the scientists' role (assumable by the account's admin), set up in process.
    const app = server.app;
    const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
    const rootCaller = await app.authenticate(root.AccessKeyId);
    assert.ok(rootCaller.ok);
    const created = await applyConfig(app.deps, rootCaller.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ACCT }, spec: { partition: 'aws' } }] });
    assert.ok(created.ok && created.value.credentials[0]);
    accountAdmin = created.value.credentials[0];
    const adminWho = await app.authenticate(accountAdmin.AccessKeyId);
    assert.ok(adminWho.ok);
    const admin: Caller = adminWho.value.caller;
    adminCaller = admin;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
    const setup = await applyConfig(app.deps, admin, {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ScientistUserRole' }, spec: { trustPolicy: trust } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'hyperpod' }, spec: {} },
      ],
    });
    assert.ok(setup.ok, JSON.stringify(!setup.ok && setup.errors));
    const assumed = await app.sts.assumeRole(admin, { roleArn: ROLE_ARN, roleSessionName: 'alice', policyArns: [], tags: [], transitiveTagKeys: [] });
    assert.ok(assumed.ok);
    session = assumed.value.credentials;

    // As the README: RBAC files applied unchanged to the cluster, then the access entry.
    const applied = await gatehouse(['apply', '--cluster', 'hyperpod', '-f', HYPERPOD]);
    assert.equal(applied.status, 0, applied.stderr);
    assert.match(applied.stdout, /applied: 4 created/);
    const entry = await gatehouse([
      'kube',
      'access-entry',
      'create',
      '--cluster',
      'hyperpod',
      '--principal-arn',
      ROLE_ARN,
      '--kubernetes-groups',
      '["hyperpod-scientist-user-namespace-level","hyperpod-scientist-user-cluster-level"]',
    ]);
    assert.equal(entry.status, 0, entry.stderr);
    const written = await gatehouse(['kube', 'webhook-config', '--cluster', 'hyperpod', '--out', join(dir, 'webhooks')]);
    assert.equal(written.status, 0, written.stderr);
    assert.match(written.stdout, /--authentication-token-webhook-config-file=/);
    authn = await webhookFromKubeconfig(join(dir, 'webhooks', 'authentication-webhook.kubeconfig'));
    authz = await webhookFromKubeconfig(join(dir, 'webhooks', 'authorization-webhook.kubeconfig'));
    assert.equal(authn.ca, cert, 'the kubeconfig carries the server certificate as its CA');
    apiserver = await startTestApiserver({ cert, key, authn, authz });
    scientist = await kubeconfig('scientist', session);
    outsider = await kubeconfig('outsider', { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey });
  });

  after(async () => {
    await apiserver?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the webhook kubeconfigs hold the token and are private', async () => {
    for (const f of ['authentication-webhook.kubeconfig', 'authorization-webhook.kubeconfig', 'admission-kubeconfig.yaml']) {
      assert.equal((await stat(join(dir, 'webhooks', f))).mode & 0o777, 0o600, f);
    }
    assert.match(authn.url.pathname, /^\/k8s\/hyperpod\/authenticate$/);
    assert.equal(authn.token, authz.token);
  });

  test('kube token prints an ExecCredential (v1, or the version kubectl asks for) valid 14 minutes', async () => {
    const env = { ...cliEnv(), AWS_ACCESS_KEY_ID: session.accessKeyId, AWS_SECRET_ACCESS_KEY: session.secretAccessKey, AWS_SESSION_TOKEN: session.sessionToken };
    const before = Date.now();
    const r = await kubeToken('hyperpod', env);
    assert.equal(r.status, 0, r.stderr);
    const cred = JSON.parse(r.stdout) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string } };
    assert.equal(cred.kind, 'ExecCredential');
    assert.equal(cred.apiVersion, 'client.authentication.k8s.io/v1');
    assert.match(cred.status.token, /^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    assert.match(cred.status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const exp = Date.parse(cred.status.expirationTimestamp);
    assert.ok(exp >= before + 14 * 60_000 - 2000 && exp <= Date.now() + 14 * 60_000 + 1000);
    const url = Buffer.from(cred.status.token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8');
    assert.match(url, new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/\\?`));
    assert.match(url, /Action=GetCallerIdentity/);
    assert.match(url, /X-Amz-SignedHeaders=host%3Bx-k8s-aws-id/);
    const beta = await kubeToken('hyperpod', { ...env, KUBERNETES_EXEC_INFO: JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', spec: { interactive: false } }) });
    assert.equal((JSON.parse(beta.stdout) as { apiVersion: string }).apiVersion, 'client.authentication.k8s.io/v1beta1');

    // The TokenReview webhook maps the session through the access entry.
    const review = await postJson(authn, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: cred.status.token, audiences: ['https://kubernetes.default.svc'] } });
    assert.equal(review.status, 200);
    assert.deepEqual(review.json['status'], {
      authenticated: true,
      user: {
        username: `arn:aws:sts::${ACCT}:assumed-role/ScientistUserRole/alice`,
        uid: (review.json['status'] as { user: { uid: string } }).user.uid,
        groups: ['hyperpod-scientist-user-namespace-level', 'hyperpod-scientist-user-cluster-level', 'system:authenticated'],
        extra: {
          arn: [`arn:aws:sts::${ACCT}:assumed-role/ScientistUserRole/alice`],
          canonicalArn: [ROLE_ARN],
          accessKeyId: [session.accessKeyId],
          sessionName: ['alice'],
          tokenIssueTime: ((review.json['status'] as { user: { extra: { tokenIssueTime: string[] } } }).user.extra.tokenIssueTime),
          // The session, sealed, for admission's PassRole check (review I, S5).
          [SESSION_EXTRA]: ((review.json['status'] as { user: { extra: Record<string, string[]> } }).user.extra[SESSION_EXTRA]),
        },
      },
      audiences: ['https://kubernetes.default.svc'],
    });
    // v1beta1 is answered in v1beta1.
    const beta1 = await postJson(authn, { apiVersion: 'authentication.k8s.io/v1beta1', kind: 'TokenReview', spec: { token: cred.status.token } });
    assert.equal(beta1.json['apiVersion'], 'authentication.k8s.io/v1beta1');
    assert.equal((beta1.json['status'] as { authenticated: boolean }).authenticated, true);
    // The session's issue time, for aws:TokenIssueTime in the SubjectAccessReviews of this user.
    const issued = (review.json['status'] as { user: { extra: { tokenIssueTime: string[] } } }).user.extra.tokenIssueTime[0] ?? '';
    assert.match(issued, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(issued) - Date.now()) < 120_000, issued);
    assert.equal(((review.json['status'] as { user: { extra: Record<string, string[]> } }).user.extra[SESSION_EXTRA] ?? []).length, 1, 'the sealed session');
    // A token made for another cluster does not verify here (x-k8s-aws-id is signed).
    const other = await kubeToken('elsewhere', env);
    const otherToken = (JSON.parse(other.stdout) as { status: { token: string } }).status.token;
    const refused = await postJson(authn, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: otherToken } });
    assert.equal((refused.json['status'] as { authenticated: boolean }).authenticated, false);
    assert.match((refused.json['status'] as { error: string }).error, /signature does not match/);
    // Without the webhook token, the webhooks answer 401.
    const noBearer = await postJson(authn, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: cred.status.token } }, 'wrong');
    assert.equal(noBearer.status, 401);
  });

  const cases: [string, string[], 'yes' | 'no'][] = [
    ['list pods in any namespace', ['list', 'pods', '--all-namespaces'], 'yes'],
    ['list nodes (cluster-scoped)', ['list', 'nodes'], 'yes'],
    ['create a pod in kubeflow', ['create', 'pods', '-n', 'kubeflow'], 'yes'],
    ['create a pod in default', ['create', 'pods', '-n', 'default'], 'no'],
    ['get pods/log in kubeflow', ['get', 'pods', '--subresource=log', '-n', 'kubeflow'], 'yes'],
    ['get pods/attach in kubeflow', ['get', 'pods', '--subresource=attach', '-n', 'kubeflow'], 'no'],
    ['create pods/exec in kubeflow', ['create', 'pods', '--subresource=exec', '-n', 'kubeflow'], 'yes'],
    ['create pytorchjobs.kubeflow.org in kubeflow', ['create', 'pytorchjobs.kubeflow.org', '-n', 'kubeflow'], 'yes'],
    ['patch pytorchjobs in kubeflow', ['patch', 'pytorchjobs.kubeflow.org', '-n', 'kubeflow'], 'no'],
    ['update pytorchjobs/status in kubeflow', ['update', 'pytorchjobs.kubeflow.org', '--subresource=status', '-n', 'kubeflow'], 'yes'],
    ['delete secrets in kubeflow', ['delete', 'secrets', '-n', 'kubeflow'], 'yes'],
    ['watch configmaps in kubeflow', ['watch', 'configmaps', '-n', 'kubeflow'], 'no'],
    ['get nodes (cluster-scoped)', ['get', 'nodes'], 'no'],
  ];

  test('kubectl auth can-i answers as the README’s table', async () => {
    const results = await Promise.all(cases.map(([, args]) => kubectl(scientist, ['auth', 'can-i', ...args])));
    const failures: string[] = [];
    cases.forEach(([what, , want], i) => {
      const r = results[i] as Run;
      // `no - <reason>`: kubectl prints the webhook's reason after a no.
      const got = r.stdout.trim().split('\n')[0]?.split(' ')[0];
      if (got !== want || r.status !== (want === 'yes' ? 0 : 1)) failures.push(`${what}: want ${want}, got ${JSON.stringify(got)} (exit ${r.status}) ${r.stderr.trim()}`);
    });
    assert.deepEqual(failures, []);
    // Every review carried the bearer token of the cluster and the user the TokenReview gave.
    const sar = apiserver.calls.filter((c) => c.kind === 'SubjectAccessReview');
    assert.ok(sar.length >= cases.length);
    assert.ok(sar.every((c) => c.status === 200));
  });

  test('a principal with no access entry: authentication fails', async () => {
    const r = await kubectl(outsider, ['auth', 'can-i', 'list', 'pods']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Unauthorized|must be logged in/);
    const last = apiserver.calls.filter((c) => c.kind === 'TokenReview').at(-1);
    assert.match(JSON.stringify(last?.response), /has no access entry in cluster hyperpod/);
  });

  test('kubectl get: allowed lists answer, forbidden ones say so', async () => {
    const [pods, nodes, cm, node] = await Promise.all([
      kubectl(scientist, ['get', 'pods', '-n', 'kubeflow']),
      kubectl(scientist, ['get', 'nodes']),
      kubectl(scientist, ['get', 'configmaps', '-n', 'default']),
      kubectl(scientist, ['get', 'node', 'n1']),
    ]);
    assert.equal(pods.status, 0, pods.stderr);
    assert.match(pods.stdout + pods.stderr, /No resources found in kubeflow namespace/);
    assert.equal(nodes.status, 0, nodes.stderr);
    assert.notEqual(cm.status, 0);
    assert.match(cm.stderr, /forbidden/i);
    assert.notEqual(node.status, 0);
    assert.match(node.stderr, /forbidden/i);
    assert.match(node.stderr, /cannot get resource "nodes"/);
  });

  test('SubjectAccessReview v1beta1, and an IAM explicit deny of kubernetes:<verb> is a denial', async () => {
    const user = `arn:aws:sts::${ACCT}:assumed-role/ScientistUserRole/alice`;
    const spec = (extra: boolean) => ({
      resourceAttributes: { namespace: 'kubeflow', verb: 'delete', version: 'v1', resource: 'secrets', name: 's' },
      user,
      group: ['hyperpod-scientist-user-namespace-level', 'system:authenticated'],
      ...(extra ? { extra: { arn: [user] } } : {}),
    });
    const allowed = await postJson(authz, { apiVersion: 'authorization.k8s.io/v1beta1', kind: 'SubjectAccessReview', spec: spec(true) });
    assert.equal(allowed.json['apiVersion'], 'authorization.k8s.io/v1beta1');
    assert.equal((allowed.json['status'] as { allowed: boolean }).allowed, true);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `arn:aws:training::${ACCT}:cluster/hyperpod/namespaces/kubeflow/secrets*` }] };
    const r = await applyConfig(server.app.deps, adminCaller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ScientistUserRole' }, spec: { trustPolicy: trust, inlinePolicies: { 'no-secret-deletes': deny } } }] });
    assert.ok(r.ok);
    await server.app.refresh();
    const denied = await postJson(authz, { apiVersion: 'authorization.k8s.io/v1beta1', kind: 'SubjectAccessReview', spec: spec(true) });
    const status = denied.json['status'] as { allowed: boolean; denied?: boolean; reason: string };
    assert.deepEqual([status.allowed, status.denied], [false, true]);
    assert.match(status.reason, /explicit deny/);
    // Without `extra.arn`, a username the role's access entry renders is its session acting through impersonation
    // (`kubectl --as`), decided with the role's denies too (review ia, 6); a username no entry renders (a user another
    // authenticator made), by RBAC alone.
    const impersonated = await postJson(authz, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { ...spec(false), group: undefined, groups: spec(false).group } });
    assert.deepEqual([(impersonated.json['status'] as { allowed: boolean }).allowed, (impersonated.json['status'] as { denied?: boolean }).denied], [false, true]);
    const rbacOnly = await postJson(authz, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { ...spec(false), user: 'oidc:alice', group: undefined, groups: spec(false).group } });
    assert.equal((rbacOnly.json['status'] as { allowed: boolean }).allowed, true);
    // kubectl sees the denial.
    const can = await kubectl(scientist, ['auth', 'can-i', 'delete', 'secrets', '-n', 'kubeflow']);
    assert.equal(can.stdout.trim().split(' ')[0], 'no');
  });

  test('revoking the role’s older sessions (a deny on aws:TokenIssueTime) refuses them in SubjectAccessReviews, not the newer ones', async () => {
    const user = `arn:aws:sts::${ACCT}:assumed-role/ScientistUserRole/alice`;
    const review = (tokenIssueTime?: string, sealed?: Record<string, unknown>) =>
      postJson(authz, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { resourceAttributes: { namespace: 'kubeflow', verb: 'get', version: 'v1', resource: 'pods' }, user, groups: ['hyperpod-scientist-user-namespace-level', 'system:authenticated'], extra: sealed ?? { arn: [user], ...(tokenIssueTime !== undefined ? { tokenIssueTime: [tokenIssueTime] } : {}) } },
      });
    // A session issued now, through its token's TokenReview: its issue time is the one Gatehouse sealed with it.
    const fresh = await server.app.sts.assumeRole(adminCaller, { roleArn: ROLE_ARN, roleSessionName: 'alice', policyArns: [], tags: [], transitiveTagKeys: [] });
    assert.ok(fresh.ok);
    const c = fresh.value.credentials;
    const tok = await kubeToken('hyperpod', { ...cliEnv(), AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_SESSION_TOKEN: c.sessionToken });
    const tr = await postJson(authn, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: (JSON.parse(tok.stdout) as { status: { token: string } }).status.token } });
    const sealedExtra = (tr.json['status'] as { user: { extra: Record<string, string[]> } }).user.extra;
    const cutoff = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
    const revoke = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } } }] };
    const r = await applyConfig(server.app.deps, adminCaller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ScientistUserRole' }, spec: { trustPolicy: trust, inlinePolicies: { 'revoke-older': revoke } } }] });
    assert.ok(r.ok, JSON.stringify(r));
    await server.app.refresh();
    const status = async (t?: string, sealed?: Record<string, unknown>) => (await review(t, sealed)).json['status'] as { allowed: boolean; denied?: boolean };
    const newer = await status(undefined, sealedExtra);
    assert.deepEqual([newer.allowed, newer.denied ?? false], [true, false], `a session issued after the cutoff: ${JSON.stringify(newer)}`);
    // A claimed issue time without the sealed session is not read (`--as-user-extra tokenIssueTime=…`; review kg, 2).
    const claimed = await status(new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.deepEqual([claimed.allowed, claimed.denied], [false, true], 'a claimed issue time after the cutoff');
    const older = await status(new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.deepEqual([older.allowed, older.denied], [false, true], 'a session issued before it');
    const unknown = await status();
    assert.deepEqual([unknown.allowed, unknown.denied], [false, true], 'no issue time: counted as the earliest (fail closed)');
    // Recorded with the acting role as well as the session: `audit query --role` finds the cluster's decisions too.
    await server.app.audit.flush();
    const recorded = await server.app.audit.query(adminCaller, { role: ROLE_ARN, action: 'kubernetes:get' });
    assert.ok(recorded.ok);
    assert.ok(recorded.value.records.some((x) => x.session === user && x.decision === 'ExplicitDeny'), JSON.stringify(recorded.value.records.slice(-3)));
    const back = await applyConfig(server.app.deps, adminCaller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ScientistUserRole' }, spec: { trustPolicy: trust } }] });
    assert.ok(back.ok);
    await server.app.refresh();
  });

  test('an access entry deleted: the role can no longer authenticate', async () => {
    const del = await gatehouse(['kube', 'access-entry', 'delete', '--cluster', 'hyperpod', '--principal-arn', ROLE_ARN]);
    assert.equal(del.status, 0, del.stderr);
    const list = await gatehouse(['kube', 'access-entry', 'list', '--cluster', 'hyperpod', '--json']);
    assert.deepEqual((JSON.parse(list.stdout) as { accessEntries: unknown[] }).accessEntries, []);
    // The server sees the change within a refresh tick.
    await new Promise((r) => setTimeout(r, 400));
    const r = await kubectl(scientist, ['auth', 'can-i', 'list', 'pods']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Unauthorized|must be logged in/);
  });
});
