/**
 * `applyConfig` (config as code) in process, against the SQLite store in a temp dir: plans, idempotence,
 * updates, prune, all-or-nothing on invalid documents and failing steps, and authorization.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { applyConfig, describeApplyError, type ApplyError, type ApplyInput, type ApplyResult, type PlannedChange } from '../src/app/apply.ts';
import type { Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import type { Result } from '../src/core/errors.ts';

const ROOT = '000000000000';
let dir = '';
let store: Store;
let app: App;
let admin: Caller;

async function callerOf(accessKeyId: string): Promise<Caller> {
  const who = await app.authenticate(accessKeyId);
  assert.ok(who.ok, 'authenticates');
  return who.value.caller;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-apply-'));
  store = await openSqliteStore({ dataDir: dir });
  const key = masterKeyFromBytes(randomBytes(32));
  app = createApp({
    store,
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    sealer: secretSealer(key),
    sessions: sessionCrypto,
  });
  await app.start();
  const creds = await app.bootstrap();
  assert.ok(creds);
  admin = await callerOf(creds.AccessKeyId);
});

after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------

const TRUST_TRAINING = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const READ_DATASETS = { Version: '2012-10-17', Statement: [{ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::datasets', 'arn:aws:s3:::datasets/*'] }] };
const WRITE_CHECKPOINTS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::checkpoints/*' }] };

const doc = (kind: string, name: string, spec: Record<string, unknown> = {}, account?: string) => ({
  apiVersion: 'gatehouse.dev/v1',
  kind,
  metadata: { name, ...(account ? { account } : {}) },
  spec,
});

function baseDocs() {
  return [
    doc('Policy', 'read-datasets', { document: READ_DATASETS, description: 'read the training datasets' }),
    doc('Group', 'researchers', { policies: ['read-datasets'] }),
    doc('User', 'alice', { groups: ['researchers'], tags: { team: 'vision' } }),
    doc('User', 'bob', { groups: ['researchers'], policies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }),
    doc('Role', 'trainer', {
      trustPolicy: TRUST_TRAINING,
      description: 'training jobs',
      policies: ['read-datasets'],
      inlinePolicies: { checkpoints: WRITE_CHECKPOINTS },
      maxSessionDuration: 7200,
    }),
  ];
}

async function apply(caller: Caller, input: ApplyInput): Promise<Result<ApplyResult>> {
  return applyConfig(app.deps, caller, input);
}

function mustApply(r: Result<ApplyResult>): ApplyResult {
  if (!r.ok) assert.fail(`apply failed: ${r.errors.map((e) => describeApplyError(e)).join('; ')}`);
  return r.value;
}

const line = (c: PlannedChange): string => `${c.action} ${c.kind}/${c.name}${c.fields.length ? ` (${c.fields.join(', ')})` : ''}`;
const head = (): Promise<number> => store.read((tx) => tx.changes.head());

// ---------------------------------------------------------------------------------------------------------

describe('apply', () => {
  test('a dry run plans every object as created and writes nothing', async () => {
    const before = await head();
    const r = mustApply(await apply(admin, { documents: baseDocs(), dryRun: true }));
    assert.equal(r.applied, false);
    assert.deepEqual(r.changes.map(line), [
      'create Policy/read-datasets (document, description)',
      'create Group/researchers (policies)',
      'create User/alice (groups, tags)',
      'create User/bob (groups, policies)',
      'create Role/trainer (trustPolicy, policies, inlinePolicies, maxSessionDuration, description)',
    ]);
    assert.equal(await head(), before);
    assert.equal(await store.read((tx) => tx.users.get(ROOT, 'alice')), undefined);
  });

  test('creates users, groups, roles and policies, linked as the documents say', async () => {
    const r = mustApply(await apply(admin, { documents: baseDocs() }));
    assert.equal(r.applied, true);
    assert.deepEqual(r.summary, { create: 5, update: 0, delete: 0, unchanged: 0 });
    await store.read(async (tx) => {
      const alice = await tx.users.get(ROOT, 'alice');
      assert.deepEqual(alice?.tags, [{ key: 'team', value: 'vision' }]);
      assert.deepEqual((await tx.groups.listMembers(ROOT, 'researchers')).map((u) => u.name).sort(), ['alice', 'bob']);
      assert.deepEqual(await tx.attachments.listForPrincipal({ type: 'group', account: ROOT, name: 'researchers' }), ['arn:aws:iam::000000000000:policy/read-datasets']);
      const trainer = await tx.roles.get(ROOT, 'trainer');
      assert.equal(trainer?.maxSessionDuration, 7200);
      assert.deepEqual(JSON.parse(trainer?.trustPolicy ?? ''), TRUST_TRAINING);
      assert.deepEqual((await tx.inlinePolicies.list({ type: 'role', account: ROOT, name: 'trainer' })).map((p) => p.name), ['checkpoints']);
    });
    // The directory sees them as the IAM API does.
    const listed = await app.directory.listUsers(admin, {});
    assert.ok(listed.ok && listed.value.some((u) => u.name === 'bob'));
  });

  test('applying the same documents again changes nothing', async () => {
    const before = await head();
    const r = mustApply(await apply(admin, { documents: baseDocs() }));
    assert.deepEqual(r.summary, { create: 0, update: 0, delete: 0, unchanged: 5 });
    assert.ok(r.changes.every((c) => c.action === 'unchanged' && c.fields.length === 0));
    assert.equal(await head(), before, 'no change-log rows');
  });

  test('documents compare as JSON values: key order and JSON text do not matter', async () => {
    const docs = baseDocs();
    docs[0] = doc('Policy', 'read-datasets', { description: 'read the training datasets', document: JSON.stringify({ Statement: READ_DATASETS.Statement, Version: '2012-10-17' }, null, 4) });
    const r = mustApply(await apply(admin, { documents: docs, dryRun: true }));
    assert.equal(r.changes[0]?.action, 'unchanged');
  });

  test("updates a role's trust policy and inline policies, and a policy's document", async () => {
    const docs = baseDocs();
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['training.gatehouse.dev', 'compute.gatehouse.dev'] }, Action: 'sts:AssumeRole' }] };
    docs[4] = doc('Role', 'trainer', {
      trustPolicy: trust,
      description: 'training jobs',
      policies: ['read-datasets'],
      inlinePolicies: { logs: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }] } },
      maxSessionDuration: 7200,
    });
    const newDoc = { ...READ_DATASETS, Statement: [{ ...READ_DATASETS.Statement[0], Action: 's3:GetObject' }] };
    docs[0] = doc('Policy', 'read-datasets', { document: newDoc, description: 'read the training datasets' });
    const r = mustApply(await apply(admin, { documents: docs }));
    assert.deepEqual(r.changes.filter((c) => c.action !== 'unchanged').map(line), ['update Policy/read-datasets (document)', 'update Role/trainer (trustPolicy, inlinePolicies)']);
    await store.read(async (tx) => {
      assert.deepEqual(JSON.parse((await tx.roles.get(ROOT, 'trainer'))?.trustPolicy ?? ''), trust);
      assert.deepEqual((await tx.inlinePolicies.list({ type: 'role', account: ROOT, name: 'trainer' })).map((p) => p.name), ['logs']);
      const v = await tx.policies.getDefaultVersion('arn:aws:iam::000000000000:policy/read-datasets');
      assert.equal(v?.versionId, 'v2');
      assert.deepEqual(JSON.parse(v?.document ?? ''), newDoc);
    });
    assert.equal(mustApply(await apply(admin, { documents: docs })).summary.unchanged, 5);
  });

  test('prune deletes objects of the applied kinds that the files no longer name, never admin', async () => {
    const docs = baseDocs().filter((d) => d.metadata.name !== 'bob');
    // Without --prune, bob stays.
    const kept = mustApply(await apply(admin, { documents: docs, dryRun: true }));
    assert.ok(!kept.changes.some((c) => c.action === 'delete'));
    // bob has an access key and a group membership: prune removes them with him.
    const key = await app.directory.createAccessKey(admin, { userName: 'bob' });
    assert.ok(key.ok);
    const r = mustApply(await apply(admin, { documents: docs.filter((d) => d.kind !== 'Role'), prune: true }));
    assert.deepEqual(r.changes.filter((c) => c.action === 'delete').map(line), ['delete User/bob']);
    await store.read(async (tx) => {
      assert.equal(await tx.users.get(ROOT, 'bob'), undefined);
      assert.ok(await tx.users.get(ROOT, 'admin'), 'admin is never pruned');
      assert.ok(await tx.roles.get(ROOT, 'trainer'), 'roles were not in the files: not pruned');
      assert.equal(await tx.accessKeys.get(key.value.key.id), undefined);
    });
  });

  test('prune refuses to delete what the files still reference; a left-out policy description is not compared', async () => {
    const before = await head();
    // Groups are in the files, `researchers` is not, yet alice still lists it.
    const r = await apply(admin, { documents: [doc('Group', 'other'), doc('User', 'alice', { groups: ['researchers'], tags: { team: 'vision' } })], prune: true });
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.path, 'spec.groups[0]');
    assert.match(r.errors[0]?.message ?? '', /deleted by --prune/);
    assert.equal(await head(), before);
    const noDescription = mustApply(await apply(admin, { documents: [doc('Policy', 'read-datasets', { document: (await store.read((tx) => tx.policies.getDefaultVersion('arn:aws:iam::000000000000:policy/read-datasets')))?.document })], dryRun: true }));
    assert.equal(noDescription.changes[0]?.action, 'unchanged');
    const changed = await apply(admin, { documents: [doc('Policy', 'read-datasets', { document: READ_DATASETS, description: 'new words' })], dryRun: true });
    assert.ok(!changed.ok);
    assert.match(changed.errors[0]?.message ?? '', /cannot change once created/);
  });

  test('one invalid document in a set of five: nothing changes, and the error names file, document and field', async () => {
    const before = await head();
    const docs: unknown[] = baseDocs();
    docs[1] = doc('Group', 'researchers', { polices: ['read-datasets'] });
    docs[4] = doc('Role', 'trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Alow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] } });
    docs.push(doc('User', 'carol'));
    const sources = docs.map((_, i) => ({ file: i < 3 ? 'identities.yaml' : 'roles.yaml', index: i < 3 ? i : i - 3 }));
    const r = await apply(admin, { documents: docs, sources });
    assert.ok(!r.ok);
    const errors = r.errors as readonly ApplyError[];
    const unknown = errors.find((e) => e.path === 'spec.polices');
    assert.ok(unknown, 'unknown field reported');
    assert.equal(unknown.document, 1);
    assert.equal(unknown.file, 'identities.yaml');
    assert.match(describeApplyError(unknown), /^identities\.yaml document 2 \(Group researchers\): spec\.polices: unknown field `polices`/);
    const effect = errors.find((e) => e.path === 'spec.trustPolicy.Statement[0].Effect');
    assert.ok(effect, 'policy grammar error reported with its path inside the document');
    assert.equal(effect.code, 'POLICY_INVALID_EFFECT');
    assert.match(describeApplyError(effect), /^roles\.yaml document 2 \(Role trainer\): spec\.trustPolicy\.Statement\[0\]\.Effect: /);
    assert.equal(await head(), before);
    assert.equal(await store.read((tx) => tx.users.get(ROOT, 'carol')), undefined);
  });

  test('a step that fails while applying rolls back every other change', async () => {
    // dave (not in the files) uses `boundary` as his permissions boundary: pruning the policy must fail.
    mustApply(await apply(admin, { documents: [doc('Policy', 'boundary', { document: READ_DATASETS }), doc('User', 'dave', { permissionsBoundary: 'boundary' })] }));
    const before = await head();
    const r = await apply(admin, { documents: [doc('Policy', 'other', { document: READ_DATASETS }), doc('Policy', 'read-datasets', { document: READ_DATASETS, description: 'read the training datasets' })], prune: true });
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.code, 'DELETE_CONFLICT');
    assert.match(r.errors[0]?.message ?? '', /permissions boundary/);
    assert.equal(await head(), before);
    assert.equal(await store.read((tx) => tx.policies.get(ROOT, 'other')), undefined, 'the policy created earlier in the same apply is gone');
  });

  test('references to unknown policies and groups are errors on their list item', async () => {
    const r = await apply(admin, { documents: [doc('User', 'erin', { groups: ['nope'], policies: ['read-datasets', 'missing-policy'] })] });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [
      ['NO_SUCH_ENTITY', 'spec.policies[1]'],
      ['NO_SUCH_ENTITY', 'spec.groups[0]'],
    ]);
  });

  test('documents a kind needs more for are refused by name, and unknown fields of metadata too', async () => {
    const r = await apply(admin, {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'vision' }, spec: {} },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'x', labels: {} } },
        { apiVersion: 'gatehouse.dev/v2', kind: 'User', metadata: { name: 'y' } },
      ],
    });
    assert.ok(!r.ok);
    const messages = r.errors.map((e) => describeApplyError(e as ApplyError));
    assert.match(messages[0] ?? '', /\(AccessEntry vision\): spec\.cluster: `cluster` is required/);
    assert.match(messages[1] ?? '', /\(ClusterRole reader\): apiVersion: Kubernetes RBAC documents go to a cluster: give `--cluster NAME`/);
    assert.match(messages[2] ?? '', /metadata\.labels: unknown field `labels`/);
    assert.match(messages[3] ?? '', /apiVersion: `apiVersion` must be `gatehouse\.dev\/v1`/);
  });
});

describe('apply: authorization', () => {
  let reader: Caller;
  let roleAdmin: Caller;

  before(async () => {
    const mk = async (name: string, policy?: unknown): Promise<Caller> => {
      assert.ok((await app.directory.createUser(admin, { userName: name })).ok);
      if (policy) assert.ok((await app.directory.putInlinePolicy(admin, 'user', { name, policyName: 'p', policyDocument: JSON.stringify(policy) })).ok);
      const k = await app.directory.createAccessKey(admin, { userName: name });
      assert.ok(k.ok);
      return callerOf(k.value.key.id);
    };
    reader = await mk('reader', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }] });
    roleAdmin = await mk('role-admin', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::000000000000:role/*' }] });
  });

  test("a user without write rights: apply is refused, nothing changes, and plan is refused too", async () => {
    const before = await head();
    const docs = [doc('User', 'mallory'), doc('Role', 'trainer', { trustPolicy: TRUST_TRAINING })];
    for (const dryRun of [false, true]) {
      const r = await apply(reader, { documents: docs, dryRun });
      assert.ok(!r.ok);
      assert.equal(r.errors[0]?.code, 'ACCESS_DENIED');
      assert.match(r.errors[0]?.message ?? '', /is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user\/mallory/);
    }
    assert.equal(await head(), before);
  });

  test('delegated administration: rights on roles only allow roles only', async () => {
    const ok1 = await apply(roleAdmin, { documents: [doc('Role', 'eval', { trustPolicy: TRUST_TRAINING })] });
    assert.ok(ok1.ok, 'roles are within its rights');
    const before = await head();
    const r = await apply(roleAdmin, { documents: [doc('Role', 'eval2', { trustPolicy: TRUST_TRAINING }), doc('Group', 'g1')] });
    assert.ok(!r.ok);
    assert.equal((r.errors[0] as ApplyError).kind, 'Group');
    assert.equal(await head(), before);
  });

  test('the root admin creates an account and its objects in one apply; its admin key is returned once', async () => {
    const acct = '111122223333';
    const docs = [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: acct }, spec: { partition: 'acs', name: 'vision team' } },
      doc('Role', 'pai-trainer', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { Service: ['pai.aliyuncs.com'] }, Action: 'sts:AssumeRole' }] } }, acct),
      doc('User', 'admin', { inlinePolicies: { AdministratorAccess: { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } } }, acct),
    ];
    const r = mustApply(await apply(admin, { documents: docs }));
    assert.deepEqual(r.changes.map(line), ['create Account/111122223333 (partition, name)', 'create Role/pai-trainer (trustPolicy)', 'unchanged User/admin']);
    assert.equal(r.credentials.length, 1);
    assert.match(r.credentials[0]?.AccessKeyId ?? '', /^LTAI/);
    assert.equal(mustApply(await apply(admin, { documents: docs })).summary.unchanged, 3);

    // The new account's admin manages its own account, and only it.
    const acsAdmin = await callerOf(r.credentials[0]?.AccessKeyId ?? '');
    assert.ok((await apply(acsAdmin, { documents: [doc('User', 'li')] })).ok);
    const across = await apply(acsAdmin, { documents: [doc('User', 'li', {}, ROOT)] });
    assert.ok(!across.ok);
    assert.match(across.errors[0]?.message ?? '', /may manage only their own account/);
    const account = await apply(acsAdmin, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: '222233334444' }, spec: { partition: 'aws' } }] });
    assert.ok(!account.ok);
    assert.match(account.errors[0]?.message ?? '', /only principals of the root account/);
  });
});
