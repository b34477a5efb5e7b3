/**
 * A server with cluster `k1`, user alice (access entry, Kubernetes group `ops`) and one ClusterRole of `rules` bound to
 * `ops`: the world of the reviews that ask the authorize API and the SubjectAccessReview webhook the same question
 * (gv2, js1).
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { AuditRecord } from '../../src/core/audit/index.ts';
import { createdAccount, startTestServer, type Credentials, type TestServer } from './server.ts';
import { gatehouseJson } from './resource-server.ts';
import { ownAuditRecords } from './audit-from.ts';
import { suiteWorld } from './suite-world.ts';

const GROUP = 'rbac.authorization.k8s.io';

export interface OpsWorld {
  readonly server: TestServer;
  readonly acct: string;
  /** `arn:aws:training::<acct>:cluster/k1`. */
  readonly cluster: string;
  /** An admin API call that must succeed; its JSON. */
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** Alice's SubjectAccessReview as kube-apiserver sends it to k1's webhook: whether it is allowed. */
  webhook(resourceAttributes: Record<string, string>): Promise<boolean>;
}

/** Starts the world; `rules(account id)` are the ClusterRole's (named `role`) that group `ops` is bound to. Stop `server`. */
export async function startOpsWorld(role: string, rules: (acct: string) => readonly Record<string, unknown>[]): Promise<OpsWorld> {
  const server = await startTestServer();
  const acct = server.adminFile.AccountId;
  const admin = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await gatehouseJson(server.url, server.admin, method, path, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  await admin('POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['ops'] } },
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: role }, rules: rules(acct) },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: role, apiGroup: GROUP } },
    ],
  });
  const hook = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
  const webhook = async (resourceAttributes: Record<string, string>): Promise<boolean> => {
    const r = await fetch(`${server.url}/k8s/k1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hook}` },
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: `arn:aws:iam::${acct}:user/alice`, groups: ['ops', 'system:authenticated'] } }),
    });
    const json = (await r.json()) as { status: { allowed: boolean } };
    assert.equal(r.status, 200, JSON.stringify(json));
    return json.status.allowed;
  };
  return { server, acct, cluster: `arn:aws:training::${acct}:cluster/k1`, admin, webhook };
}

/** The ops world where group `ops` may only read pods cluster-wide, and is `team-b`'s admin (`*` on `*` by a RoleBinding). */
export interface TeamAdminWorld extends OpsWorld {
  /** Alice's question to the authorize API, as the admin asks it: its decision and the whole answer as text. */
  authorize(action: string, resource: string): Promise<{ decision: string; text: string }>;
}

/**
 * The team-admin world (reviews tq, 1 and 2) for the suite (or file) this is called in, started in its `before` and
 * stopped in its `after`: read it once `before` has run (suite-world.ts).
 */
export function teamAdminSuite(): () => TeamAdminWorld {
  return suiteWorld('teamAdminSuite', async (cleanUp) => {
    const world = await startTeamAdminWorld();
    cleanUp(() => world.server.stop());
    return world;
  });
}

async function startTeamAdminWorld(): Promise<TeamAdminWorld> {
  const group = 'rbac.authorization.k8s.io';
  const world = await startOpsWorld('pod-reader', () => [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
  await world.admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${group}/v1`, kind: 'ClusterRole', metadata: { name: 'everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${group}/v1`, kind: 'RoleBinding', metadata: { name: 'team-admin', namespace: 'team-b' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: group }], roleRef: { kind: 'ClusterRole', name: 'everything', apiGroup: group } },
    ],
  });
  const authorize = async (action: string, resource: string): Promise<{ decision: string; text: string }> => {
    const r = await world.admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${world.acct}:user/alice`, action, resource });
    return { decision: String(r['decision']), text: JSON.stringify(r) };
  };
  return { ...world, authorize };
}

/**
 * A server with a second account B (`222233334444`, root key `rootB`) and cluster `k1` of the root account A
 * (`000000000000`). B's user zed, and `alsoInB`'s users after it, are made with a key each; with `bob`, A's user bob
 * too (after `prepare`); each with the inline policy `policyName` of `policy` when `policy` is given. k1's access
 * entries map `entries` (default zed, and bob with `bob`), each as its own name with `kubernetesGroups` (default
 * none). `prepare` runs before the access entries are applied, `objects` are applied into k1 after them. The world of
 * the reviews of a Kubernetes decision about another account's principal (sy4, to1, to2, to4) and of a refused
 * TokenReview's records (tr1, um1); stop `s`.
 */
export interface CrossAccountCluster {
  readonly s: TestServer;
  /** The TokenReview and admission webhooks' bearer token for k1. */
  readonly bearer: string;
  readonly rootB: Credentials;
  readonly zed: Credentials;
  /** A's user bob's key, with `bob` (else empty). */
  readonly bob: Credentials;
  /** The keys of B's users made, by name (zed's and `alsoInB`'s). */
  readonly inB: Readonly<Record<string, Credentials>>;
  /** `who`'s audit records of `query` (GET /v1/audit, up to 1000), which must answer 200. */
  records(who: Credentials, query: string): Promise<AuditRecord[]>;
  /** Makes the key made for B's user `name` Inactive (IAM's UpdateAccessKey, as rootB), then refreshes the app. */
  deactivateInB(name: string): Promise<void>;
}

export async function startCrossAccountCluster(options: {
  policyName?: string;
  policy?: string;
  kubernetesGroups?: readonly string[];
  alsoInB?: readonly string[];
  bob?: boolean;
  entries?: readonly string[];
  prepare?: (s: TestServer) => Promise<void>;
  objects?: readonly Record<string, unknown>[];
} = {}): Promise<CrossAccountCluster> {
  const A = '000000000000';
  const B = '222233334444';
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const userOf = async (iam: I.IAMClient, name: string): Promise<Credentials> => {
    await iam.send(new I.CreateUserCommand({ UserName: name }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
    const credentials = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    if (options.policy !== undefined) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: options.policyName ?? 'p', PolicyDocument: options.policy }));
    return credentials;
  };
  const s = await startTestServer();
  const rootB = await createdAccount(s, B, 'other');
  const iamB = new I.IAMClient({ endpoint: s.url, region: 'us-east-1', credentials: rootB, maxAttempts: 1 });
  const inB: Record<string, Credentials> = {};
  try {
    for (const name of ['zed', ...(options.alsoInB ?? [])]) inB[name] = await userOf(iamB, name);
  } finally {
    iamB.destroy();
  }
  await options.prepare?.(s);
  const bob = options.bob === true ? await userOf(s.iam(), 'bob') : { accessKeyId: '', secretAccessKey: '' };
  const entries = options.entries ?? (options.bob === true ? ['bob', 'zed'] : ['zed']);
  const entry = (name: string) => doc('AccessEntry', name, { cluster: 'k1', principalArn: `arn:aws:iam::${Object.hasOwn(inB, name) ? B : A}:user/${name}`, kubernetesGroups: [...(options.kubernetesGroups ?? [])], username: name });
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {}), ...entries.map(entry)] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  if (options.objects !== undefined) {
    const objects = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { cluster: 'k1', documents: options.objects });
    assert.equal(objects.status, 200, JSON.stringify(objects.json));
  }
  const bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  await s.running.app.refresh();
  const records = (who: Credentials, query: string): Promise<AuditRecord[]> => ownAuditRecords(s, who, query);
  const deactivateInB = async (name: string): Promise<void> => {
    const iam = new I.IAMClient({ endpoint: s.url, region: 'us-east-1', credentials: rootB, maxAttempts: 1 });
    try {
      await iam.send(new I.UpdateAccessKeyCommand({ UserName: name, AccessKeyId: inB[name]?.accessKeyId ?? '', Status: 'Inactive' }));
    } finally {
      iam.destroy();
    }
    await s.running.app.refresh();
  };
  return { s, bearer, rootB, zed: inB['zed'] as Credentials, bob, inB, records, deactivateInB };
}
