/**
 * Who may run code with a pod's role (review I: S5, S2, R1), against a real server, in the flow kube-apiserver
 * follows: a session made by AssumeRole mints its token with `gatehouse kube token`, the TokenReview webhook turns
 * it into the user kube-apiserver then hands to admission (`userInfo`, with `extra`), and AdmissionReviews of pods
 * and Deployments are sent as that user.
 *
 * - S5: a session is decided as the session: one whose session policy does not allow iam:PassRole is refused, even
 *   though its role may pass the role; a session's user without the sealed session in `extra` is refused (fail
 *   closed); a Deployment's grant made by a session is decided as that session again for its pods.
 * - S2: changing a Deployment's pod template (its image) needs PassRole for whoever changes it, and makes them the
 *   grant's passer; so does changing the image of a running pod that has a role.
 * - R1: a pod made from `generateName` is named by the webhook and its job bound to that name: another user's pod
 *   carrying the job's annotation does not end the job when deleted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfig } from '../src/app/apply.ts';
import type { Caller } from '../src/app/index.ts';
import { SESSION_EXTRA } from '../src/app/kube.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { IAMClient } from '@aws-sdk/client-iam';
import { webhookFromKubeconfig, type WebhookTarget } from './support/apiserver.ts';
import { reviewedAs } from './support/admission.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ACCT = '444455556666';
const TRAINER = `arn:aws:iam::${ACCT}:role/Trainer`;
const PASSER_ROLE = `arn:aws:iam::${ACCT}:role/PasserRole`;
const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
const BOB = `arn:aws:iam::${ACCT}:user/bob`;
const NS = 'ml';

type Json = Record<string, unknown>;
type Patch = { op: string; path: string; value?: unknown }[];
type UserInfo = { username: string; uid?: string; groups: string[]; extra: Record<string, string[]> };

let dir = '';
let server: RunningServer;
let admin: Caller;
let accountAdmin: { AccessKeyId: string; SecretAccessKey: string };
let authn: WebhookTarget;
let admitUrl: URL;
let reviews = 0;
/** The account's IAM API, as its admin (makes the users' keys for `reviewedAs`). */
let iam: IAMClient | undefined;
let account: { url: string; iam(): IAMClient };

function http(method: string, url: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const text = opts.body === undefined ? '' : JSON.stringify(opts.body);
    const req = request(url, { method, headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end(text);
  });
}

/** `gatehouse ARGS` as `creds`, in this process (test/support/gatehouse-cli.ts): the token and files it makes are the point, not the process. */
async function cli(args: readonly string[], creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<{ status: number; stdout: string; stderr: string }> {
  const env = { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}), GATEHOUSE_ENDPOINT: server.url };
  const r = await gatehouseInProcess(args, env);
  return { status: r.code === 0 ? 0 : 1, stdout: r.stdout, stderr: r.stderr };
}

/** What kube-apiserver hands admission for a bearer token: the TokenReview webhook's user. */
async function userOf(creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<UserInfo> {
  const t = await cli(['kube', 'token', '--cluster', 'gpu'], creds);
  assert.equal(t.status, 0, t.stderr);
  const token = (JSON.parse(t.stdout) as { status: { token: string } }).status.token;
  const r = await http('POST', authn.url.toString(), { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }, headers: { authorization: `Bearer ${authn.token}` } });
  const status = (JSON.parse(r.text) as { status: { authenticated: boolean; user: UserInfo; error?: string } }).status;
  assert.equal(status.authenticated, true, status.error);
  return status.user;
}

async function assumePasser(sessionName: string, policy?: unknown): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const r = await server.app.sts.assumeRole(admin, { roleArn: PASSER_ROLE, roleSessionName: sessionName, policyArns: [], tags: [], transitiveTagKeys: [], ...(policy !== undefined ? { policy: JSON.stringify(policy) } : {}) });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.value.credentials;
}

/** The IAM user `arn` as kube-apiserver hands it to admission: the TokenReview of a token of its own (made once). */
const users = new Map<string, Promise<UserInfo>>();
const userFor = (arn: string): Promise<UserInfo> => {
  let u = users.get(arn);
  if (u === undefined) users.set(arn, (u = reviewedAs(account, 'gpu', authn.token, arn.slice(arn.lastIndexOf('/') + 1)) as Promise<UserInfo>));
  return u;
};
const CONTROLLER: UserInfo = { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'], extra: {} };
/** What the ReplicaSet controller sets on every pod it makes: its ReplicaSet as controlling owner (review cz, 1: a grant serves only pods its workload's kind owns). */
const OWNED_BY_REPLICASET = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'd1-abc', uid: '3c9e0000-0000-0000-0000-000000000001', controller: true, blockOwnerDeletion: true }] };

async function admit(req: { kind: 'Pod' | 'Deployment'; operation: 'CREATE' | 'UPDATE' | 'DELETE'; user: UserInfo; name?: string; object?: Json | null; oldObject?: Json | null }): Promise<{ allowed: boolean; message: string; patch: Patch; audit: Record<string, string> }> {
  const pod = req.kind === 'Pod';
  const body = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-0000-0000-${String(++reviews).padStart(12, '0')}`,
      kind: pod ? { group: '', version: 'v1', kind: 'Pod' } : { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: pod ? { group: '', version: 'v1', resource: 'pods' } : { group: 'apps', version: 'v1', resource: 'deployments' },
      name: req.name ?? '',
      namespace: NS,
      operation: req.operation,
      userInfo: req.user,
      object: req.object ?? null,
      oldObject: req.oldObject ?? null,
      dryRun: false,
    },
  };
  const r = await http('POST', admitUrl.toString(), { body, headers: { authorization: `Bearer ${authn.token}` } });
  assert.equal(r.status, 200, r.text);
  const response = (JSON.parse(r.text) as { response: Json }).response;
  const patch = typeof response['patch'] === 'string' ? (JSON.parse(Buffer.from(response['patch'], 'base64').toString('utf8')) as Patch) : [];
  return { allowed: response['allowed'] === true, message: String((response['status'] as { message?: string } | undefined)?.message ?? ''), patch, audit: (response['auditAnnotations'] ?? {}) as Record<string, string> };
}

/** RFC 6902 add/replace/remove, as kube-apiserver applies the webhook's patch. */
function applyPatch(doc: unknown, patch: Patch): Json {
  const out = structuredClone(doc) as Json;
  for (const op of patch) {
    const keys = op.path.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop() as string;
    let parent: unknown = out;
    for (const k of keys) parent = Array.isArray(parent) ? parent[Number(k)] : (parent as Json)[k];
    if (Array.isArray(parent)) {
      if (op.op === 'add') parent.splice(last === '-' ? parent.length : Number(last), 0, op.value);
      else parent.splice(Number(last), 1);
    } else if (op.op === 'remove') delete (parent as Json)[last];
    else (parent as Json)[last] = op.value;
  }
  return out;
}

const podObject = (meta: Json, image = 'trainer:v1'): Json => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: NS, ...meta }, spec: { containers: [{ name: 'main', image, command: ['train'] }] } });
const deploymentObject = (image: string, replicas = 1, grant?: string): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd1', namespace: NS },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'd1' } },
    template: { metadata: { labels: { app: 'd1' }, annotations: { 'gatehouse.dev/role': 'Trainer', ...(grant !== undefined ? { 'gatehouse.dev/role-grant': grant } : {}) } }, spec: { containers: [{ name: 'main', image }] } },
  },
});
const grantOf = (d: Json): string => ((((d['spec'] as Json)['template'] as Json)['metadata'] as Json)['annotations'] as Record<string, string>)['gatehouse.dev/role-grant'] as string;
const envOf = (pod: Json): Record<string, string> => Object.fromEntries(((((pod['spec'] as Json)['containers'] as Json[])[0] as Json)['env'] as { name: string; value: string }[]).map((e) => [e.name, e.value]));
const jobState = async (id: string): Promise<string> => (JSON.parse((await server.app.deps.store.read((tx) => tx.kv.get(`job/${id}`))) ?? '{}') as { state: string }).state;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-kube-passers-'));
  server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  const app = server.app;
  const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
  const rootWho = await app.authenticate(root.AccessKeyId);
  assert.ok(rootWho.ok);
  const created = await applyConfig(app.deps, rootWho.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ACCT }, spec: { partition: 'aws' } }] });
  assert.ok(created.ok && created.value.credentials[0]);
  accountAdmin = created.value.credentials[0];
  const who = await app.authenticate(accountAdmin.AccessKeyId);
  assert.ok(who.ok);
  admin = who.value.caller;
  const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
  const setup = await applyConfig(app.deps, admin, {
    documents: [
      doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
      doc('Role', 'PasserRole', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: `arn:aws:iam::${ACCT}:root` } }] }, inlinePolicies: { pass: passAll } }),
      doc('User', 'alice', { inlinePolicies: { pass: passAll } }),
      doc('User', 'bob', {}),
      doc('Cluster', 'gpu', {}),
      doc('AccessEntry', 'passer', { cluster: 'gpu', principalArn: PASSER_ROLE, kubernetesGroups: ['passers'] }),
      doc('AccessEntry', 'alice', { cluster: 'gpu', principalArn: ALICE, kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'bob', { cluster: 'gpu', principalArn: BOB, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.ok(setup.ok, JSON.stringify(!setup.ok && setup.errors));
  const out = join(dir, 'webhooks');
  const r = await cli(['kube', 'webhook-config', '--cluster', 'gpu', '--out', out], { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey });
  assert.equal(r.status, 0, r.stderr);
  authn = await webhookFromKubeconfig(join(out, 'authentication-webhook.kubeconfig'));
  admitUrl = new URL(authn.url.toString().replace(/authenticate$/, 'admit'));
  iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey }, maxAttempts: 1 });
  account = { url: server.url, iam: () => iam as IAMClient };
});

after(async () => {
  iam?.destroy();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('S5: a role session passes a role as the session, with its session policy', () => {
  test('a session whose session policy does not allow iam:PassRole is refused; the same role’s full session is admitted', async () => {
    const scoped = await userOf(await assumePasser('scoped', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }));
    assert.equal(scoped.extra['arn']?.[0], `arn:aws:sts::${ACCT}:assumed-role/PasserRole/scoped`);
    assert.equal(scoped.extra[SESSION_EXTRA]?.length, 1, 'the TokenReview carries the sealed session');
    assert.ok(!(scoped.extra[SESSION_EXTRA]?.[0] ?? '').includes('s3:GetObject'), 'sealed, not in clear');
    const refused = await admit({ kind: 'Pod', operation: 'CREATE', user: scoped, name: 'p-scoped', object: podObject({ name: 'p-scoped', annotations: { 'gatehouse.dev/role': 'Trainer' } }) });
    assert.equal(refused.allowed, false);
    assert.match(refused.message, /^check permission for ram role failed: arn:aws:sts::444455556666:assumed-role\/PasserRole\/scoped is not allowed to perform iam:PassRole on arn:aws:iam::444455556666:role\/Trainer .*session policy/);

    const full = await userOf(await assumePasser('full'));
    const admitted = await admit({ kind: 'Pod', operation: 'CREATE', user: full, name: 'p-full', object: podObject({ name: 'p-full', annotations: { 'gatehouse.dev/role': 'Trainer' } }) });
    assert.equal(admitted.allowed, true, admitted.message);
    assert.equal(admitted.audit['passed-by'], `arn:aws:sts::${ACCT}:assumed-role/PasserRole/full`);
  });

  test('fail closed: a session’s user without its sealed session (a token reviewed before), or with another’s, is refused', async () => {
    const scoped = await userOf(await assumePasser('scoped2', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }));
    const full = await userOf(await assumePasser('full2'));
    const { [SESSION_EXTRA]: _dropped, ...older } = scoped.extra;
    const before = await admit({ kind: 'Pod', operation: 'CREATE', user: { ...scoped, extra: older }, name: 'p-old', object: podObject({ name: 'p-old', annotations: { 'gatehouse.dev/role': 'Trainer' } }) });
    assert.equal(before.allowed, false);
    assert.match(before.message, /assumed-role\/PasserRole\/scoped2 is a session whose session policies are unknown here .*get a new token/);
    const { [SESSION_EXTRA]: _too, ...bare } = full.extra;
    const bareArn = await admit({ kind: 'Pod', operation: 'CREATE', user: { ...full, extra: { arn: bare['arn'] as string[] } }, name: 'p-bare', object: podObject({ name: 'p-bare', annotations: { 'gatehouse.dev/role': 'Trainer' } }) });
    assert.equal(bareArn.allowed, false, 'a role session ARN alone is not enough');
    const swapped = await admit({ kind: 'Pod', operation: 'CREATE', user: { ...scoped, extra: { ...scoped.extra, [SESSION_EXTRA]: full.extra[SESSION_EXTRA] as string[] } }, name: 'p-swap', object: podObject({ name: 'p-swap', annotations: { 'gatehouse.dev/role': 'Trainer' } }) });
    assert.equal(swapped.allowed, false);
    // Since review ix 6 the sealed session is read first, for every pod (it also names the service account the pod
    // runs as); the grant's own check (`session facts`) no longer comes first. Refused either way.
    assert.match(swapped.message, /carries the session (facts )?of another principal/);
  });

  test('a Deployment’s grant made by a session is decided as that session for its pods, and stops when the session is revoked', async () => {
    const creds = await assumePasser('deployer');
    const user = await userOf(creds);
    const create = await admit({ kind: 'Deployment', operation: 'CREATE', user, name: 'd1', object: deploymentObject('trainer:v1') });
    assert.equal(create.allowed, true, create.message);
    const grant = grantOf(applyPatch(deploymentObject('trainer:v1'), create.patch));
    const pod = () => podObject({ generateName: 'd1-abc-', ...OWNED_BY_REPLICASET, annotations: { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grant } });
    const first = await admit({ kind: 'Pod', operation: 'CREATE', user: CONTROLLER, object: pod() });
    assert.equal(first.allowed, true, first.message);
    assert.equal(first.audit['passed-by'], `arn:aws:sts::${ACCT}:assumed-role/PasserRole/deployer`);
    const who = await server.app.authenticate(creds.accessKeyId, creds.sessionToken);
    assert.ok(who.ok && who.value.caller.session);
    await server.app.live.revoke('sid', who.value.caller.session.sid, Date.now());
    const later = await admit({ kind: 'Pod', operation: 'CREATE', user: CONTROLLER, object: pod() });
    assert.equal(later.allowed, false);
    assert.match(later.message, /is a session that has expired or was revoked/);
  });
});

describe('S2: whoever changes the code that runs with a role must be allowed to pass it', () => {
  let deployment: Json = {};

  test('bob changes the image of alice’s Deployment: refused; scaling it is not checked; alice’s own change re-signs the grant', async () => {
    const create = await admit({ kind: 'Deployment', operation: 'CREATE', user: await userFor(ALICE), name: 'd2', object: deploymentObject('trainer:v1') });
    assert.equal(create.allowed, true, create.message);
    deployment = applyPatch(deploymentObject('trainer:v1'), create.patch);
    const grant = grantOf(deployment);
    const evil = deploymentObject('evil:latest', 1, grant);
    const bob = await admit({ kind: 'Deployment', operation: 'UPDATE', user: await userFor(BOB), name: 'd2', object: evil, oldObject: deployment });
    assert.equal(bob.allowed, false);
    assert.match(bob.message, /user\/bob is not allowed to perform iam:PassRole on arn:aws:iam::444455556666:role\/Trainer/);
    const scaled = await admit({ kind: 'Deployment', operation: 'UPDATE', user: await userFor(BOB), name: 'd2', object: deploymentObject('trainer:v1', 5, grant), oldObject: deployment });
    assert.equal(scaled.allowed, true, scaled.message);
    assert.deepEqual(scaled.patch, []);
    const alice = await admit({ kind: 'Deployment', operation: 'UPDATE', user: await userFor(ALICE), name: 'd2', object: deploymentObject('trainer:v2', 1, grant), oldObject: deployment });
    assert.equal(alice.allowed, true, alice.message);
    assert.equal(alice.audit['passed-by'], ALICE);
  });

  test('bob changes the image of alice’s running pod: refused, also after removing its annotations; alice may', async () => {
    const created = await admit({ kind: 'Pod', operation: 'CREATE', user: await userFor(ALICE), name: 'p2', object: podObject({ name: 'p2', annotations: { 'gatehouse.dev/role': 'Trainer' } }) });
    assert.equal(created.allowed, true, created.message);
    const pod = applyPatch(podObject({ name: 'p2', annotations: { 'gatehouse.dev/role': 'Trainer' } }), created.patch);
    const withImage = (image: string, from: Json = pod): Json => {
      const p = structuredClone(from);
      (((p['spec'] as Json)['containers'] as Json[])[0] as Json)['image'] = image;
      return p;
    };
    const bob = await admit({ kind: 'Pod', operation: 'UPDATE', user: await userFor(BOB), name: 'p2', object: withImage('evil:latest'), oldObject: pod });
    assert.equal(bob.allowed, false);
    assert.match(bob.message, /user\/bob is not allowed to perform iam:PassRole .*changing the containers of pod ml\/p2/);
    // Annotations are mutable: bob strips them first; the containers' environment (immutable) still names the job.
    const stripped = structuredClone(pod);
    (stripped['metadata'] as Json)['annotations'] = {};
    const strip = await admit({ kind: 'Pod', operation: 'UPDATE', user: await userFor(BOB), name: 'p2', object: stripped, oldObject: pod });
    assert.equal(strip.allowed, true);
    const after = await admit({ kind: 'Pod', operation: 'UPDATE', user: await userFor(BOB), name: 'p2', object: withImage('evil:latest', stripped), oldObject: stripped });
    assert.equal(after.allowed, false);
    const alice = await admit({ kind: 'Pod', operation: 'UPDATE', user: await userFor(ALICE), name: 'p2', object: withImage('trainer:v2'), oldObject: pod });
    assert.equal(alice.allowed, true, alice.message);
    assert.equal(alice.audit['passed-by'], ALICE);
    assert.equal(alice.audit['job'], envOf(pod)['GATEHOUSE_JOB_ID']);
  });
});

describe('R1: only the deletion of the job’s own pod ends the job', () => {
  test('a controller’s pod is named by the webhook; bob’s pod with its prefix and job annotation does not end its job', async () => {
    const create = await admit({ kind: 'Deployment', operation: 'CREATE', user: await userFor(ALICE), name: 'd3', object: deploymentObject('trainer:v1') });
    const grant = grantOf(applyPatch(deploymentObject('trainer:v1'), create.patch));
    const template = podObject({ generateName: 'd3-abc-', ...OWNED_BY_REPLICASET, annotations: { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grant } });
    const r = await admit({ kind: 'Pod', operation: 'CREATE', user: CONTROLLER, object: template });
    assert.equal(r.allowed, true, r.message);
    const pod = applyPatch(template, r.patch);
    const meta = pod['metadata'] as { name: string; annotations: Record<string, string> };
    assert.match(meta.name, /^d3-abc-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const job = meta.annotations['gatehouse.dev/job'] as string;
    const capabilityUrl = envOf(pod)['ALIBABA_CLOUD_CREDENTIALS_URI'] as string;
    assert.equal((await http('GET', capabilityUrl)).status, 200);

    const bobs = podObject({ name: 'd3-abc-bob12', annotations: { 'gatehouse.dev/job': job } });
    assert.equal((await admit({ kind: 'Pod', operation: 'CREATE', user: await userFor(BOB), name: 'd3-abc-bob12', object: bobs })).allowed, true);
    const del = await admit({ kind: 'Pod', operation: 'DELETE', user: await userFor(BOB), name: 'd3-abc-bob12', oldObject: bobs });
    assert.equal(del.allowed, true);
    assert.equal(await jobState(job), 'Running');
    assert.equal((await http('GET', capabilityUrl)).status, 200, 'alice’s pod still gets its credentials');

    const own = await admit({ kind: 'Pod', operation: 'DELETE', user: CONTROLLER, name: meta.name, oldObject: pod });
    assert.equal(own.audit['job'], job);
    assert.equal(await jobState(job), 'Stopped');
    assert.equal((await http('GET', capabilityUrl)).status, 410);
  });
});
