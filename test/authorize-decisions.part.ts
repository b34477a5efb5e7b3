/**
 * The authorize union answers as enforcement does (review F, docs/notes): each case sets a question to
 * `POST /v1/authorize` (or the CLI's `simulate` / `who-can`) beside the surface that enforces it — the S3 gateway,
 * STS, the SubjectAccessReview webhook — on a real server.
 *
 * - A cross-account binding is cut by a session's session policy only where that policy does not allow.
 * - `kubernetes:<verb>` on a cluster: IAM only denies, RBAC alone allows (as the webhook decides).
 * - `sts:AssumeRole` and the other trust actions on a role of the directory are decided with the role's trust policy.
 * - A role session named by ARN is decided with what the sessions under that ARN carry: its job's, or each live
 *   scoped session registered when STS issued it (fails closed), else the role's policies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { randomBytes } from 'node:crypto';
import { createApp, type App, type AppDeps, type Caller } from '../src/app/index.ts';
import { loadMasterKey, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import { SESSION_SCOPE_PREFIX } from '../src/app/session-scopes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const B = '333344445555';
const V = '2012-10-17';
const WORKER = `arn:aws:iam::${ROOT}:role/worker`;
const doc = (kind: string, name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, ...extra }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });

let server: TestServer;
const keys: Record<string, Credentials> = {};
let bAdmin: Credentials;

interface Answer {
  decision: string;
  reasons: string[];
  diagnostics: string[];
}

async function keyOf(user: string, who: Credentials = server.admin): Promise<Credentials> {
  const k = await gatehouseJson(server.url, who, 'POST', '/v1/access-keys', { userName: user });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

async function ask(who: Credentials, body: Record<string, unknown>): Promise<Answer> {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/authorize', body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
}

async function assume(who: Credentials, roleArn: string, name: string, policy?: unknown, tags?: Record<string, string>): Promise<Credentials> {
  const sts = server.sts(who);
  const r = await sts.send(new AssumeRoleCommand({
    RoleArn: roleArn,
    RoleSessionName: name,
    ...(policy !== undefined ? { Policy: JSON.stringify(policy) } : {}),
    ...(tags !== undefined ? { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
  }));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

function s3(who: Credentials): S3.S3Client {
  return new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: who, maxAttempts: 1 });
}

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', { inlinePolicies: { assume: inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) } }),
      doc('Role', 'worker', {
        trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }),
        inlinePolicies: { all: inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  keys['alice'] = await keyOf('alice');
  // Account B owns bucket-c (made through the gateway) and binds its read role to the worker role of the root account.
  const acct = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws', name: 'partner' });
  assert.equal(acct.status, 201, JSON.stringify(acct.json));
  bAdmin = { accessKeyId: String(acct.json['AccessKeyId']), secretAccessKey: String(acct.json['SecretAccessKey']) };
  const client = s3(bAdmin);
  await client.send(new S3.CreateBucketCommand({ Bucket: 'bucket-c' }));
  await client.send(new S3.PutObjectCommand({ Bucket: 'bucket-c', Key: 'x.txt', Body: 'hi' }));
  client.destroy();
  const bound = await gatehouseJson(server.url, bAdmin, 'PUT', '/v1/iam-policies', {
    resource: 'arn:aws:s3:::bucket-c',
    bindings: [{ role: 'roles/storage.objectViewer', members: [`serviceAccount:worker@${ROOT}.iam.gatehouse.dev`] }],
  });
  assert.equal(bound.status, 200, JSON.stringify(bound.json));
  await server.running.app.refresh();
});

after(async () => {
  await server?.stop();
});

describe('a cross-account binding and the session policy', () => {
  test('a session policy that allows the action does not cut a cross-account binding; one that does not, does, and says so', async () => {
    const everything = await assume(keys['alice'] as Credentials, WORKER, 'all', inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }));
    const narrow = await assume(keys['alice'] as Credentials, WORKER, 'narrow', inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::bucket-a/*' }));
    const q = { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket-c/x.txt' };
    const wide = await ask(everything, q);
    assert.equal(wide.decision, 'Allow', JSON.stringify(wide));
    assert.ok(wide.reasons.some((r) => /^bindings: .*roles\/storage\.objectViewer/.test(r)), JSON.stringify(wide.reasons));
    // The gateway enforces the same.
    const c = s3(everything);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: 'bucket-c', Key: 'x.txt' }));
    assert.equal(await got.Body?.transformToString(), 'hi');
    c.destroy();
    const cut = await ask(narrow, q);
    assert.equal(cut.decision, 'ImplicitDeny', JSON.stringify(cut));
    assert.ok(cut.diagnostics.some((d) => /^bindings: no opinion: .*, but the session policy does not allow this request/.test(d)), JSON.stringify(cut.diagnostics));
  });
});

describe('kubernetes:<verb> on a cluster: IAM only denies, RBAC alone allows (as the SubjectAccessReview webhook)', () => {
  const CLUSTER = `arn:aws:training::${ROOT}:cluster/c1`;
  const SECRET = `${CLUSTER}/namespaces/team/secrets/db`;
  const POD = `${CLUSTER}/namespaces/team/pods/p1`;
  const user = (name: string) => `arn:aws:iam::${ROOT}:user/${name}`;

  before(async () => {
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'c1', {}),
        doc('User', 'carol', { inlinePolicies: { all: inline({ Effect: 'Allow', Action: '*', Resource: '*' }) } }),
        doc('User', 'dave', {}),
        doc('User', 'erin', { inlinePolicies: { 'no-pods': inline({ Effect: 'Deny', Action: 'kubernetes:*', Resource: `${CLUSTER}/namespaces/team/pods/*` }) } }),
        doc('AccessEntry', 'dave', { cluster: 'c1', principalArn: user('dave'), kubernetesGroups: ['readers'] }),
        doc('AccessEntry', 'erin', { cluster: 'c1', principalArn: user('erin'), kubernetesGroups: ['readers'] }),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
    const rbac = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      cluster: 'c1',
      documents: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'readers', namespace: 'team' }, subjects: [{ kind: 'Group', name: 'readers', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' } },
      ],
    });
    assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  });

  test('an IAM `Allow *` without an access entry reads no Secret; RBAC allows without IAM; an IAM deny wins', async () => {
    const carol = await ask(server.admin, { principal: user('carol'), action: 'kubernetes:get', resource: SECRET });
    assert.equal(carol.decision, 'ImplicitDeny', JSON.stringify(carol));
    assert.ok(carol.reasons.some((r) => /^iam: no opinion: on a cluster's resources IAM only denies/.test(r)), JSON.stringify(carol.reasons));
    assert.ok(carol.diagnostics.some((d) => d.includes('has no access entry in cluster c1')), JSON.stringify(carol.diagnostics));
    const admin = await ask(server.admin, { action: 'kubernetes:get', resource: SECRET });
    assert.equal(admin.decision, 'ImplicitDeny', JSON.stringify(admin));
    // RBAC alone allows: dave has no IAM policy at all.
    const dave = await ask(server.admin, { principal: user('dave'), action: 'kubernetes:get', resource: POD });
    assert.equal(dave.decision, 'Allow', JSON.stringify(dave));
    assert.ok(dave.reasons.some((r) => r.startsWith('rbac: allowed by RoleBinding `team/readers`')), JSON.stringify(dave.reasons));
    const erin = await ask(server.admin, { principal: user('erin'), action: 'kubernetes:get', resource: POD });
    assert.equal(erin.decision, 'ExplicitDeny', JSON.stringify(erin));
    // Anything but a cluster's resources is decided by IAM as before.
    assert.equal((await ask(server.admin, { principal: user('carol'), action: 's3:GetObject', resource: 'arn:aws:s3:::bucket-a/x' })).decision, 'Allow');
  });

  test('who-can lists those RBAC lets in, not every `Action: *` principal', async () => {
    const secret = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: SECRET });
    assert.equal(secret.status, 200, JSON.stringify(secret.json));
    assert.deepEqual(secret.json['allowed'], [], JSON.stringify(secret.json));
    const pod = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: POD });
    assert.equal(pod.status, 200, JSON.stringify(pod.json));
    assert.deepEqual((pod.json['allowed'] as { name: string }[]).map((a) => a.name), ['dave']);
  });
});

describe('sts:AssumeRole and the other trust actions on a role: decided with its trust policy, as STS', () => {
  const DIRECT = `arn:aws:iam::${ROOT}:role/direct`;
  const ACS = '222233334444';
  const RROLE = `acs:ram::${ACS}:role/rrole`;
  const ram = (name: string) => `acs:ram::${ACS}:user/${name}`;
  let acsAdmin: Credentials;

  before(async () => {
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('User', 'bob', {}),
        doc('Role', 'direct', { trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/bob` }, Action: 'sts:AssumeRole' }) }),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
    keys['bob'] = await keyOf('bob');
    const acct = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: ACS, partition: 'acs', name: 'ram' });
    assert.equal(acct.status, 201, JSON.stringify(acct.json));
    acsAdmin = { accessKeyId: String(acct.json['AccessKeyId']), secretAccessKey: String(acct.json['SecretAccessKey']) };
    const grant = { p: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } };
    const ramSetup = await gatehouseJson(server.url, acsAdmin, 'POST', '/v1/apply', {
      documents: [
        doc('User', 'ruser', { inlinePolicies: grant }),
        doc('User', 'rother', { inlinePolicies: grant }),
        doc('User', 'rbare', {}),
        doc('Role', 'rrole', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [ram('ruser'), ram('rbare')] } }] } }),
      ],
    });
    assert.equal(ramSetup.status, 200, JSON.stringify(ramSetup.json));
  });

  test('the principal the trust policy names may, with no identity policy; one it does not name may not, whatever its own policies allow', async () => {
    const bob = await ask(server.admin, { principal: `arn:aws:iam::${ROOT}:user/bob`, action: 'sts:AssumeRole', resource: DIRECT });
    assert.equal(bob.decision, 'Allow', JSON.stringify(bob));
    assert.ok(bob.reasons.some((r) => r.includes('allowed by the role trust policy, which names the caller')), JSON.stringify(bob.reasons));
    await assume(keys['bob'] as Credentials, DIRECT, 't1');
    // alice's identity policy allows sts:AssumeRole on `*`: the trust policy does not name her.
    const alice = await ask(keys['alice'] as Credentials, { action: 'sts:AssumeRole', resource: DIRECT });
    assert.equal(alice.decision, 'ImplicitDeny', JSON.stringify(alice));
    assert.ok(alice.reasons.some((r) => r.includes('the role trust policy does not allow this principal')), JSON.stringify(alice.reasons));
    await assert.rejects(assume(keys['alice'] as Credentials, DIRECT, 't1'), /not authorized to perform: sts:AssumeRole/);
    // The same through /v1/simulate, and for tagging the session (the trust policy allows only sts:AssumeRole).
    const sim = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 'sts:AssumeRole', resource: DIRECT });
    assert.equal(sim.json['decision'], 'ImplicitDeny', JSON.stringify(sim.json));
    const tag = await ask(server.admin, { principal: `arn:aws:iam::${ROOT}:user/bob`, action: 'sts:TagSession', resource: DIRECT });
    assert.equal(tag.decision, 'ImplicitDeny', JSON.stringify(tag));
    // A role the directory does not hold is refused, as STS refuses it.
    const none = await ask(keys['alice'] as Credentials, { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ROOT}:role/nosuch` });
    assert.equal(none.decision, 'ImplicitDeny', JSON.stringify(none));
    // who-can names bob alone.
    const who = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'sts:AssumeRole', resource: DIRECT });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    assert.deepEqual((who.json['allowed'] as { name: string }[]).map((a) => a.name), ['bob']);
  });

  test('RAM needs both the trust policy and the caller’s own grant', async () => {
    const q = (name: string) => ask(server.admin, { principal: ram(name), action: 'sts:AssumeRole', resource: RROLE });
    assert.equal((await q('ruser')).decision, 'Allow');
    const other = await q('rother');
    assert.equal(other.decision, 'ImplicitDeny', JSON.stringify(other));
    assert.ok(other.reasons.some((r) => r.includes('the role trust policy does not allow this principal')), JSON.stringify(other.reasons));
    const bare = await q('rbare');
    assert.equal(bare.decision, 'ImplicitDeny', JSON.stringify(bare));
    assert.ok(bare.reasons.some((r) => r.includes('RAM needs both')), JSON.stringify(bare.reasons));
  });
});

describe('a role session named by its ARN is decided with what the sessions under that ARN carry', () => {
  const w1 = { action: 's3:GetObject', resource: 'arn:aws:s3:::w1-data/x' };
  const other = { action: 's3:GetObject', resource: 'arn:aws:s3:::w2-data/x' };
  const sessionArn = (role: string, name: string) => `arn:aws:sts::${ROOT}:assumed-role/${role}/${name}`;
  const scopesIn = async (app: App): Promise<string[]> => app.deps.store.read(async (tx) => (await tx.kv.list(SESSION_SCOPE_PREFIX)).map((e) => e.key));

  let job: Credentials;
  let jobArn = '';
  let jobId = '';
  /** A second instance on the server's store (its own memory), with a clock the test moves. */
  let second: App;
  let secondStore: SqliteStore;
  let skew = 0;
  let secondAdmin: Caller;

  async function openSecond(wrap: (s: Store) => Store = (s) => s): Promise<{ app: App; store: SqliteStore }> {
    const key = await loadMasterKey({ dataDir: server.dataDir, env: {} });
    if (!key.ok) throw new Error(key.error.message);
    const store = await openSqliteStore({ dataDir: server.dataDir });
    const deps: AppDeps = { store: wrap(store), now: () => Date.now() + skew, randomBytes: (n) => randomBytes(n), sealer: secretSealer(key.value.masterKey), sessions: sessionCrypto };
    const app = createApp(deps, { audit: { enabled: false } });
    await app.start();
    return { app, store };
  }

  before(async () => {
    const client = s3(server.admin);
    for (const Bucket of ['w1-data', 'w2-data']) await client.send(new S3.CreateBucketCommand({ Bucket }));
    client.destroy();
    for (const w of ['w1', 'w2']) {
      const ws = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/workspaces/${w}`, { members: [{ user: 'admin' }], defaultBucket: `arn:aws:s3:::${w}-data` });
      assert.ok(ws.status < 300, JSON.stringify(ws.json));
    }
    const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w1', role: 'default' });
    assert.ok(submitted.status < 300, JSON.stringify(submitted.json));
    jobId = String((submitted.json['job'] as { id?: unknown } | undefined)?.id ?? submitted.json['id']);
    const env = submitted.json['environment'] as Record<string, string>;
    const creds = (await (await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: submitted.json['capability'] as string } })).json()) as Record<string, string>;
    job = { accessKeyId: creds['AccessKeyId'] ?? '', secretAccessKey: creds['SecretAccessKey'] ?? '', sessionToken: creds['Token'] ?? '' };
    jobArn = String((await server.sts(job).send(new GetCallerIdentityCommand({}))).Arn);
    assert.match(jobArn, new RegExp(`^arn:aws:sts::${ROOT}:assumed-role/GatehouseTrainingDefaultRole/job-${jobId}$`));
    // A role whose sessions may carry tags, with a deny its tagged sessions meet.
    const tagged = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Role', 'tagged', {
          trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }),
          inlinePolicies: {
            all: inline(
              { Effect: 'Allow', Action: 's3:*', Resource: '*' },
              { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::w1-data/secret/*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'crimson' } } },
            ),
          },
        }),
      ],
    });
    assert.equal(tagged.status, 200, JSON.stringify(tagged.json));
    ({ app: second, store: secondStore } = await openSecond());
    const who = await second.authenticate(server.admin.accessKeyId);
    assert.ok(who.ok);
    secondAdmin = who.value.caller;
  });

  after(async () => {
    await secondStore?.close();
  });

  test('a session with a session policy, asked about by ARN (a resource server after GetCallerIdentity): decided with its session policy, as the gateway enforces it', async () => {
    const session = await assume(keys['alice'] as Credentials, WORKER, 's1', inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::w1-data/*' }));
    const arn = String((await server.sts(session).send(new GetCallerIdentityCommand({}))).Arn);
    assert.equal(arn, sessionArn('worker', 's1'));
    // What enforcement does: the gateway lets the session write in w1-data and refuses it w2-data.
    const c = s3(session);
    await c.send(new S3.PutObjectCommand({ Bucket: 'w1-data', Key: 'x', Body: 'one' }));
    await assert.rejects(c.send(new S3.GetObjectCommand({ Bucket: 'w2-data', Key: 'x' })), (e: { name?: string }) => e.name === 'AccessDenied');
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: 'w1-data', Key: 'x' }))).Body?.transformToString(), 'one');
    c.destroy();
    // Named by ARN: the same, where the role alone would allow both; the refusal names the session policy.
    assert.equal((await ask(server.admin, { principal: arn, ...w1 })).decision, 'Allow');
    const refused = await ask(server.admin, { principal: arn, ...other });
    assert.equal(refused.decision, 'ImplicitDeny', JSON.stringify(refused));
    assert.match(refused.reasons[0] ?? '', /^sessions: .* the session issued \S+ \(until \S+\) with an inline session policy is not allowed: its inline session policy does not allow this request$/);
    assert.equal((await ask(session, other)).decision, 'ImplicitDeny');
    // simulate and the batch answer the same, with a decision.
    const sim = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: arn, ...other });
    assert.equal(sim.json['decision'], 'ImplicitDeny', JSON.stringify(sim.json));
    const batch = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', { requests: [{ principal: arn, ...other }, { principal: arn, ...w1 }] });
    assert.deepEqual((batch.json['results'] as Answer[]).map((r) => r.decision), ['ImplicitDeny', 'Allow'], JSON.stringify(batch.json));
    // The role's rights are still asked about by the role's ARN.
    assert.equal((await ask(server.admin, { principal: WORKER, ...other })).decision, 'Allow');
  });

  test('a session with session tags: decided with its tags (a deny that reads them applies), as the gateway', async () => {
    const before = (await scopesIn(server.running.app)).length;
    const red = await assume(server.admin, `arn:aws:iam::${ROOT}:role/tagged`, 't1', undefined, { team: 'crimson' });
    assert.equal((await scopesIn(server.running.app)).length, before + 1, 'the tagged session is registered');
    const secret = { action: 's3:GetObject', resource: 'arn:aws:s3:::w1-data/secret/k' };
    const c = s3(red);
    await assert.rejects(c.send(new S3.GetObjectCommand({ Bucket: 'w1-data', Key: 'secret/k' })), (e: { name?: string }) => e.name === 'AccessDenied');
    c.destroy();
    const named = await ask(server.admin, { principal: sessionArn('tagged', 't1'), ...secret });
    assert.equal(named.decision, 'ExplicitDeny', JSON.stringify(named));
    assert.match(named.reasons[0] ?? '', /with session tags `team` is not allowed: an explicit deny applies to it/);
    assert.ok(!named.reasons[0]?.includes('crimson'), JSON.stringify(named));
  });

  test('a session without scope is answered with its role’s rights, and its issuance writes nothing', async () => {
    const before = await scopesIn(server.running.app);
    const plain = await assume(keys['alice'] as Credentials, WORKER, 'plain');
    assert.deepEqual(await scopesIn(server.running.app), before, 'no record for a session without scope');
    const c = s3(plain);
    await assert.rejects(c.send(new S3.GetObjectCommand({ Bucket: 'w2-data', Key: 'x' })), (e: { name?: string }) => e.name === 'NoSuchKey');
    c.destroy();
    const named = await ask(server.admin, { principal: sessionArn('worker', 'plain'), ...other });
    assert.equal(named.decision, 'Allow', JSON.stringify(named));
    assert.deepEqual(named.reasons, ['iam: Allow: allowed by an identity policy']);
    // A session name that looks like a job's but names none of its role's jobs is an ordinary session.
    assert.equal((await ask(server.admin, { principal: sessionArn('worker', `job-${jobId}`), ...other })).decision, 'Allow');
    assert.equal((await ask(server.admin, { principal: sessionArn('worker', 'job-nosuchjob'), ...other })).decision, 'Allow');
  });

  test('two live sessions of one ARN, one of them scoped: each must allow (fails closed)', async () => {
    const wide = await assume(keys['alice'] as Credentials, WORKER, 'twice');
    await assume(keys['alice'] as Credentials, WORKER, 'twice', inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::w1-data/*' }));
    // The unscoped one may read w2-data at the gateway; asked by the ARN both share, the scoped one decides.
    const c = s3(wide);
    await assert.rejects(c.send(new S3.GetObjectCommand({ Bucket: 'w2-data', Key: 'x' })), (e: { name?: string }) => e.name === 'NoSuchKey');
    c.destroy();
    const named = await ask(server.admin, { principal: sessionArn('worker', 'twice'), ...other });
    assert.equal(named.decision, 'ImplicitDeny', JSON.stringify(named));
    assert.match(named.reasons[0] ?? '', /may name sessions without session policy or tags .* and 1 live session with a scope registered under it, and each must allow/);
    const both = await ask(server.admin, { principal: sessionArn('worker', 'twice'), ...w1 });
    assert.equal(both.decision, 'Allow', JSON.stringify(both));
    assert.ok(both.diagnostics.some((d) => /each must allow: every one does$/.test(d)), JSON.stringify(both.diagnostics));
    // The name is matched whatever the case of the role and session names (the same role).
    assert.equal((await ask(server.admin, { principal: sessionArn('Worker', 'TWICE'), ...other })).decision, 'ImplicitDeny');
  });

  test('a second instance on the same store learns a scope registered through the first from the change log', async () => {
    const arn = sessionArn('worker', 'later');
    const asked = async (): Promise<string> => {
      const r = await second.authorizer.authorize(secondAdmin, { principal: arn, ...other });
      assert.ok(r.ok, JSON.stringify(r));
      return r.value.decision;
    };
    assert.equal(await asked(), 'Allow', 'no session of that ARN is scoped yet');
    await assume(keys['alice'] as Credentials, WORKER, 'later', inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::w1-data/*' }));
    await second.refresh();
    assert.equal(await asked(), 'ImplicitDeny');
    // Loaded at start, too.
    const third = await openSecond();
    try {
      const who = await third.app.authenticate(server.admin.accessKeyId);
      assert.ok(who.ok);
      const r = await third.app.authorizer.authorize(who.value.caller, { principal: arn, ...other });
      assert.equal(r.ok && r.value.decision, 'ImplicitDeny');
    } finally {
      await third.store.close();
    }
  });

  test('a scope expires and is forgotten: its record is swept, and every instance answers with the role’s rights again', async () => {
    const alice = await second.authenticate((keys['alice'] as Credentials).accessKeyId);
    assert.ok(alice.ok);
    // Issued through the second instance, for 15 minutes.
    const issued = await second.sts.assumeRole(alice.value.caller, { roleArn: WORKER, roleSessionName: 'brief', durationSeconds: 900, policy: JSON.stringify(inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::w1-data/*' })), policyArns: [], tags: [], transitiveTagKeys: [] });
    assert.ok(issued.ok, JSON.stringify(issued));
    const arn = sessionArn('worker', 'brief');
    await server.running.app.refresh();
    assert.equal((await ask(server.admin, { principal: arn, ...other })).decision, 'ImplicitDeny', 'the server learnt it');
    const onSecond = async (): Promise<string> => {
      const r = await second.authorizer.authorize(secondAdmin, { principal: arn, ...other });
      return r.ok ? r.value.decision : JSON.stringify(r);
    };
    assert.equal(await onSecond(), 'ImplicitDeny');
    assert.equal(await second.sessionScopes.sweep(), 0, 'nothing has expired yet');
    // 15 minutes later on the second instance's clock: expired, so no longer one of the sessions under the ARN.
    skew = 901_000;
    try {
      assert.equal(await onSecond(), 'Allow');
      const keysBefore = (await scopesIn(second)).filter((k) => k.includes('/brief/'));
      assert.equal(keysBefore.length, 1);
      assert.ok((await second.sessionScopes.sweep()) >= 1);
      assert.deepEqual((await scopesIn(second)).filter((k) => k.includes('/brief/')), [], 'the record is deleted from the store');
    } finally {
      skew = 0;
    }
    // The server, whose clock says the session is still live, forgets it once it reads the deletion.
    await server.running.app.refresh();
    assert.equal((await ask(server.admin, { principal: arn, ...other })).decision, 'Allow');
  });

  test('a scoped session whose record cannot be written is not issued (retryable); one without scope is', async () => {
    let failing = false;
    const { app, store } = await openSecond((s) => ({
      get dialect() {
        return s.dialect;
      },
      get migrations() {
        return s.migrations;
      },
      read: (fn) => s.read(fn),
      write: (fn) => (failing ? Promise.reject(new StoreUnavailableError('the database is out (test)')) : s.write(fn)),
      close: () => s.close(),
    }));
    try {
      const alice = await app.authenticate((keys['alice'] as Credentials).accessKeyId);
      assert.ok(alice.ok);
      failing = true;
      const params = { roleArn: WORKER, roleSessionName: 'unrecorded', policyArns: [], tags: [], transitiveTagKeys: [] };
      const scoped = await app.sts.assumeRole(alice.value.caller, { ...params, policy: JSON.stringify(inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::w1-data/*' })) });
      assert.equal(scoped.ok, false);
      assert.equal(scoped.ok ? '' : scoped.errors[0]?.code, 'SERVICE_UNAVAILABLE');
      assert.match(scoped.ok ? '' : (scoped.errors[0]?.message ?? ''), /could not be recorded .* so it was not issued: retry later/);
      assert.ok((await app.sts.assumeRole(alice.value.caller, params)).ok, 'a session without scope needs no write');
      failing = false;
      assert.deepEqual((await scopesIn(app)).filter((k) => k.includes('/unrecorded/')), []);
    } finally {
      await store.close();
    }
  });

  test('a job’s session is decided with its job’s session policy and tags, as the gateway enforces it', async () => {
    const named = await ask(server.admin, { principal: jobArn, ...other });
    assert.equal(named.decision, 'ImplicitDeny', JSON.stringify(named));
    assert.ok(named.reasons.some((r) => /session policy/.test(r)), JSON.stringify(named.reasons));
    assert.equal((await ask(job, other)).decision, 'ImplicitDeny');
    const c = s3(job);
    await assert.rejects(c.send(new S3.GetObjectCommand({ Bucket: 'w2-data', Key: 'x' })), (e: { name?: string }) => e.name === 'AccessDenied');
    c.destroy();
    // Within its workspace's bucket: allowed, by ARN as by itself.
    assert.equal((await ask(server.admin, { principal: jobArn, ...w1 })).decision, 'Allow');
    assert.equal((await ask(job, w1)).decision, 'Allow');
    // The job's session tags are the job's: a deny on the role conditioned on the session's workspace tag applies.
    await server.iam().send(new I.PutRolePolicyCommand({
      RoleName: 'GatehouseTrainingDefaultRole',
      PolicyName: 'no-secrets-in-w1',
      PolicyDocument: JSON.stringify(inline({ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::w1-data/secret/*', Condition: { StringEquals: { 'aws:PrincipalTag/gatehouse:workspace': 'w1' } } })),
    }));
    await server.running.app.refresh();
    const secret = { action: 's3:GetObject', resource: 'arn:aws:s3:::w1-data/secret/k' };
    const tagged = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: jobArn, ...secret });
    assert.equal(tagged.json['decision'], 'ExplicitDeny', JSON.stringify(tagged.json));
    assert.equal((await ask(job, secret)).decision, 'ExplicitDeny');
  });

  test('a job’s session after its job ended: not answered', async () => {
    const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${jobId}/stop`);
    assert.ok(stopped.status < 300, JSON.stringify(stopped.json));
    await new Promise((r) => setTimeout(r, 1100));
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: jobArn, ...w1 });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(String((r.json['error'] as { message?: unknown } | undefined)?.message), new RegExp(`job ${jobId} has ended`));
  });
});
