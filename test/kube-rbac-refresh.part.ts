/**
 * The Kubernetes RBAC state is reloaded by the instance's refresh (`app.refresh`: every change note and poll, and after
 * each write through the instance), never on a decision's path. A webhook decision used to reload it itself whenever
 * the instance's change head had moved since the RBAC was compiled: after any change at all (a user made, a policy
 * edited) the next SubjectAccessReview read the store, and waited for it up to a second (the bound stop 29 left).
 *
 * In process, on SQLite behind a store whose reads can be held (a frozen database) and whose key listings are
 * recorded, with the webhook handler of src/adapters/http/k8s-api.ts on a loopback port:
 * - an unrelated change, applied by the refresh, then the store frozen: the review answers at once, from memory
 *   (before: a second, the bound, waiting for a reload that could not finish);
 * - an RBAC change through another instance is enforced once this instance's refresh has run, which reads that
 *   cluster's keys only, and one through this instance by the very next review;
 * - a reload that fails keeps the RBAC compiled last deciding, is said once, and once more when it works again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { applyConfig } from '../src/app/apply.ts';
import { createKube, type Kube } from '../src/app/kube.ts';
import type { ReadTx, Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { kubeWebhookHandler } from '../src/adapters/http/k8s-api.ts';

const GROUP = 'rbac.authorization.k8s.io';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const rbac = (kind: string, name: string, rest: Record<string, unknown>, namespace?: string) => ({ apiVersion: `${GROUP}/v1`, kind, metadata: { name, ...(namespace !== undefined ? { namespace } : {}) }, ...rest });
const readPods = [
  rbac('Role', 'pod-reader', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }, 'team'),
  rbac('RoleBinding', 'devs-read', { subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: GROUP } }, 'team'),
];
/** `list pods` everywhere, for the members of `group`. */
const listPods = (group: string) => [
  rbac('ClusterRole', 'pod-lister', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] }),
  rbac('ClusterRoleBinding', 'list-pods', { subjects: [{ kind: 'Group', name: group, apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'pod-lister', apiGroup: GROUP } }),
];

let dir = '';
let real: Store;
let app: App;
let kube: Kube;
let admin: Caller;
let adminKey = '';
let account = '';
let http: Server;
let url = '';
let token = '';
const logs: string[] = [];
/** Prefixes listed by reads (`tx.kv.list`) since the test last emptied it. */
const listed: string[] = [];
/** While set, a read listing a prefix under it fails (a reload that cannot read the Kubernetes state). */
let failingList: string | undefined;
/** While set, every read waits for it (a database that stops answering). */
let frozen: { promise: Promise<void>; release: () => void } | undefined;

function freeze(): void {
  let release = (): void => {};
  const promise = new Promise<void>((r) => (release = r));
  frozen = { promise, release };
}
function thaw(): void {
  frozen?.release();
  frozen = undefined;
}

/** The transaction, its `kv.list` recorded. */
function spied(tx: ReadTx): ReadTx {
  const kv = new Proxy(tx.kv, {
    get(target, key) {
      const v = Reflect.get(target, key) as unknown;
      if (key === 'list') {
        return (prefix: string, ...rest: unknown[]) => {
          listed.push(prefix);
          if (failingList !== undefined && prefix.startsWith(failingList)) return Promise.reject(new Error(`reading ${prefix} failed`));
          return (v as (...a: unknown[]) => unknown).call(target, prefix, ...rest);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return new Proxy(tx, {
    get(target, key) {
      if (key === 'kv') return kv;
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A SubjectAccessReview to the webhook as kube-apiserver sends it: user `dave` of group `devs`; the answer, and how long it took. */
async function review(verb: string): Promise<{ allowed: boolean; reason: string; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(`${url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { namespace: 'team', verb, version: 'v1', resource: 'pods' }, user: 'dave', groups: ['devs', 'system:authenticated'] } }),
  });
  const body = (await r.json()) as { status: { allowed: boolean; reason: string } };
  const ms = performance.now() - t0;
  assert.equal(r.status, 200, JSON.stringify(body));
  return { ...body.status, ms };
}

async function applied(through: App, caller: Caller, input: Parameters<typeof applyConfig>[2]): Promise<void> {
  const r = await applyConfig(through.deps, caller, input);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
}

/** A second instance on the same database: its writes reach `app` only through `app.refresh`, as another server's do. */
async function otherInstance(): Promise<{ app: App; admin: Caller }> {
  const other = createApp({ store: real, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: app.deps.sealer, sessions: sessionCrypto });
  await other.start();
  const who = await other.authenticate(adminKey);
  assert.ok(who.ok);
  return { app: other, admin: who.value.caller };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-kube-refresh-'));
  real = await openSqliteStore({ dataDir: dir });
  const store: Store = {
    dialect: real.dialect,
    migrations: real.migrations,
    read: async (fn, options) => {
      if (frozen) await frozen.promise;
      return real.read((tx) => fn(spied(tx)), options);
    },
    write: (fn) => real.write(fn),
    close: () => real.close(),
  };
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto }, { log: (line) => void logs.push(line) });
  await app.start();
  const creds = await app.bootstrap();
  assert.ok(creds);
  adminKey = creds.AccessKeyId;
  const who = await app.authenticate(adminKey);
  assert.ok(who.ok);
  admin = who.value.caller;
  account = admin.account;
  kube = createKube(app, { podEnvironment: async () => ({}) });
  await applied(app, admin, { documents: [doc('Cluster', 'k1', {}), doc('Cluster', 'k2', {}), doc('User', 'dave', {}), doc('AccessEntry', 'dave', { cluster: 'k1', principalArn: `arn:aws:iam::${account}:user/dave`, kubernetesGroups: ['devs'] })] });
  await applied(app, admin, { cluster: 'k1', documents: readPods });
  await applied(app, admin, { cluster: 'k2', documents: readPods });
  const config = await kube.webhookConfig(admin, 'k1', false);
  assert.ok(config.ok);
  token = config.value.token;
  const handler = kubeWebhookHandler({ app, kube, tokenHosts: () => [] });
  http = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const address = http.address();
  assert.ok(address !== null && typeof address === 'object');
  url = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  thaw();
  http?.closeAllConnections();
  await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  await real?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the Kubernetes RBAC state is reloaded by the refresh, not by decisions', { timeout: 60_000 }, () => {
  test('after an unrelated change, with the store frozen, a SubjectAccessReview answers at once from memory', async () => {
    assert.equal((await review('get')).allowed, true);
    // A user made through another instance, applied here by the refresh (the change head moves); then the database
    // stops answering.
    const other = await otherInstance();
    await applied(other.app, other.admin, { documents: [doc('User', 'someone', {})] });
    await app.refresh();
    assert.equal(app.live.head, await real.read((tx) => tx.changes.head()), 'the refresh applied the change');
    freeze();
    try {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await review('get');
        assert.equal(r.allowed, true, r.reason);
        times.push(r.ms);
      }
      // Before: the first waited 1,000 ms for a reload of the RBAC state that the frozen store could not answer.
      assert.ok(times.every((ms) => ms < 300), `reviews took ${times.map(Math.round).join(', ')} ms`);
    } finally {
      thaw();
    }
  });

  test('an RBAC change through another instance is enforced once the refresh has run, which reads that cluster alone', async () => {
    assert.equal((await review('list')).allowed, false);
    const other = await otherInstance();
    await applied(other.app, other.admin, { cluster: 'k1', documents: listPods('devs') });
    // Decisions read nothing: until this instance's refresh has run, the RBAC compiled last decides.
    assert.equal((await review('list')).allowed, false);
    listed.length = 0;
    await app.refresh();
    assert.equal((await review('list')).allowed, true);
    const kubeLists = listed.filter((p) => p.startsWith('k8s') || p.startsWith('cluster/'));
    assert.deepEqual(kubeLists, [`k8s/${account}/k1/`], `listed: ${JSON.stringify(listed)}`);
  });

  test('an RBAC change through this instance is enforced by the next review', async () => {
    await applied(app, admin, { cluster: 'k1', documents: listPods('nobody') });
    assert.equal((await review('list')).allowed, false);
    await applied(app, admin, { cluster: 'k1', documents: listPods('devs') });
    assert.equal((await review('list')).allowed, true);
  });

  test('a reload that fails keeps the RBAC compiled last, and is said once', async () => {
    // A record that is not JSON no longer fails the reload: it is left out and said (review pi, 2). A read that fails does.
    const said = (): string[] => logs.filter((l) => l.includes('the Kubernetes RBAC state'));
    const other = await otherInstance();
    failingList = 'k8s/';
    await applied(other.app, other.admin, { cluster: 'k1', documents: listPods('nobody') });
    await app.refresh();
    await app.refresh();
    // The binding's new subject is not compiled: the cluster's keys cannot be, and what was compiled last decides.
    assert.equal((await review('list')).allowed, true);
    assert.equal(said().length, 1, JSON.stringify(said()));
    assert.match(said()[0] as string, /^reloading the Kubernetes RBAC state failed \(deciding with the state compiled before; tried again on every refresh, said again once it works\): /);
    failingList = undefined;
    await app.refresh();
    assert.equal((await review('list')).allowed, false);
    assert.deepEqual(said().slice(1), ['reloading the Kubernetes RBAC state works again']);
  });
});
