/**
 * Kubernetes RBAC in the authorize union (issue "One authorize API"): `kubernetes:<verb>` on a cluster's
 * request path is answered by the cluster's RBAC for the principal's access entry, beside IAM — explicit deny
 * wins, and a principal without an entry gets no opinion from RBAC. The HyperPod example's RBAC is applied
 * with `gatehouse apply --cluster` and the question asked with `gatehouse authorize` (POST /v1/authorize).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyConfig } from '../src/app/apply.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ROOT_DIR = resolve(import.meta.dirname, '..');
const HYPERPOD = join(import.meta.dirname, 'fixtures', 'kube', 'hyperpod');
const ACCT = '111122223333';
const ROLE_ARN = `arn:aws:iam::${ACCT}:role/ScientistUserRole`;
const SESSION_ARN = `arn:aws:sts::${ACCT}:assumed-role/ScientistUserRole/alice`;
const CLUSTER = `arn:aws:training::${ACCT}:cluster/hyperpod`;

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir = '';
let server: RunningServer;
let keys: { AccessKeyId: string; SecretAccessKey: string };

/** `gatehouse ARGS` in this process (test/support/gatehouse-cli.ts): what the commands print is the point, not the process. */
async function gatehouse(args: readonly string[]): Promise<Run> {
  const env = { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: keys.AccessKeyId, AWS_SECRET_ACCESS_KEY: keys.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url };
  const r = await gatehouseInProcess(args, env, { cwd: ROOT_DIR });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

async function decide(action: string, resource: string, principal = SESSION_ARN): Promise<{ decision: string; reasons: string[]; diagnostics: string[] }> {
  const r = await gatehouse(['authorize', '--principal', principal, '--action', action, '--resource', resource, '--json']);
  assert.ok(r.stdout.trim().startsWith('{'), `authorize printed no JSON: ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout) as { decision: string; reasons: string[]; diagnostics: string[] };
}

describe('RBAC in /v1/authorize', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-authz-rbac-'));
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
    const app = server.app;
    const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
    const rootCaller = await app.authenticate(root.AccessKeyId);
    assert.ok(rootCaller.ok);
    const created = await applyConfig(app.deps, rootCaller.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ACCT }, spec: { partition: 'aws' } }] });
    assert.ok(created.ok && created.value.credentials[0]);
    keys = created.value.credentials[0];
    const admin = await app.authenticate(keys.AccessKeyId);
    assert.ok(admin.ok);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
    const denySecrets = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: `${CLUSTER}/namespaces/*/secrets*` }] };
    const setup = await applyConfig(app.deps, admin.value.caller, {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ScientistUserRole' }, spec: { trustPolicy: trust, inlinePolicies: { 'no-secrets': denySecrets } } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Outsider' }, spec: { trustPolicy: trust } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'hyperpod' }, spec: {} },
      ],
    });
    assert.ok(setup.ok, JSON.stringify(!setup.ok && setup.errors));
    const applied = await gatehouse(['apply', '--cluster', 'hyperpod', '-f', HYPERPOD]);
    assert.equal(applied.status, 0, applied.stderr);
    const groups = '["hyperpod-scientist-user-namespace-level","hyperpod-scientist-user-cluster-level"]';
    const entry = await gatehouse(['kube', 'access-entry', 'create', '--cluster', 'hyperpod', '--principal-arn', ROLE_ARN, '--kubernetes-groups', groups]);
    assert.equal(entry.status, 0, entry.stderr);
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a binding of the access entry’s group allows, and the answer names it', async () => {
    const a = await decide('kubernetes:get', `${CLUSTER}/namespaces/kubeflow/pods/trainer-0`);
    assert.equal(a.decision, 'Allow', JSON.stringify(a));
    assert.ok(a.reasons.some((r) => r.startsWith('rbac: allowed by RoleBinding `kubeflow/hyperpod-scientist-user-namespace-level-role-binding`')), a.reasons.join('\n'));
    const log = await decide('kubernetes:get', `${CLUSTER}/namespaces/kubeflow/pods/trainer-0/log`);
    assert.equal(log.decision, 'Allow');
    const jobs = await decide('kubernetes:create', `${CLUSTER}/namespaces/kubeflow/pytorchjobs.kubeflow.org`);
    assert.equal(jobs.decision, 'Allow');
  });

  test('what no binding grants is an implicit deny that says so', async () => {
    const del = await decide('kubernetes:delete', `${CLUSTER}/namespaces/kubeflow/pods/trainer-0`);
    assert.equal(del.decision, 'ImplicitDeny');
    assert.ok(del.diagnostics.some((r) => r.includes('rbac: no RBAC binding in cluster hyperpod allows delete pods trainer-0 in namespace kubeflow')), del.diagnostics.join('\n'));
    const other = await decide('kubernetes:get', `${CLUSTER}/namespaces/default/pods/x`);
    assert.equal(other.decision, 'ImplicitDeny');
  });

  test('an IAM explicit deny wins over an RBAC allow', async () => {
    const s = await decide('kubernetes:get', `${CLUSTER}/namespaces/kubeflow/secrets/token`);
    assert.equal(s.decision, 'ExplicitDeny', JSON.stringify(s));
  });

  test('a principal without an access entry gets nothing from RBAC', async () => {
    const o = await decide('kubernetes:get', `${CLUSTER}/namespaces/kubeflow/pods/trainer-0`, `arn:aws:sts::${ACCT}:assumed-role/Outsider/bob`);
    assert.equal(o.decision, 'ImplicitDeny');
    assert.ok(o.diagnostics.some((r) => r.includes('rbac: arn:aws:sts::111122223333:assumed-role/Outsider/bob has no access entry in cluster hyperpod')), o.diagnostics.join('\n'));
  });

  test('a change to the RBAC objects is seen by the next decision', async () => {
    const removed = await gatehouse(['kube', 'access-entry', 'delete', '--cluster', 'hyperpod', '--principal-arn', ROLE_ARN]);
    assert.equal(removed.status, 0, removed.stderr);
    const a = await decide('kubernetes:get', `${CLUSTER}/namespaces/kubeflow/pods/trainer-0`);
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
  });
});
