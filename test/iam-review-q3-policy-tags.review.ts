/**
 * Review Q2 (second session), finding q3: managed policies carried no tags. CreatePolicy with Tags was refused
 * (InvalidInput, review D14), TagPolicy too, ListPolicyTags answered none. Terraform's AWS provider with
 * `default_tags` sends Tags on every CreatePolicy, so no `aws_iam_policy` could be created. Now:
 * - the store keeps a policy's tags (schema version 5 adds `policies.tags`); a database of version 4 migrates, its
 *   policies with none, on SQLite and on PostgreSQL;
 * - CreatePolicy keeps Tags (checked as CreateRole's, decided with aws:RequestTag and aws:TagKeys); CreatePolicy and
 *   GetPolicy answer them, ListPolicies does not (IAM);
 * - TagPolicy merges by case-insensitive key (at most 50: LimitExceeded), UntagPolicy removes keys of any case,
 *   ListPolicyTags lists them; each is decided with the policy's tags as aws:ResourceTag, and each change is audited
 *   with the tags before and after;
 * - every other action on a policy (GetPolicy, the version calls, DeletePolicy) is decided with the policy's tags as
 *   aws:ResourceTag and iam:ResourceTag too, as a role's are: a Deny on `aws:ResourceTag/protected` holds (q5);
 * - the admin API's POST /v1/policies takes `tags`; GET /v1/policies/{arn} shows them (the listing does not);
 * - `gatehouse apply` takes a Policy document's `tags` (its whole tag set, as a Role's), planned as TagPolicy/UntagPolicy.
 * SDK v3, boto3 and the gatehouse CLI against a real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import type { Migration } from '../src/adapters/store-sql/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { SQLITE_MIGRATIONS } from '../src/adapters/store-sqlite/migrations.ts';
import { POSTGRES_MIGRATIONS } from '../src/adapters/store-postgres/migrations.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { settled } from './support/settle.ts';
import { python3Script } from './support/aws-cli.ts';
import { boto3Missing, connectionTo, keysOf } from './support/processes.ts';
import { writeFile } from 'node:fs/promises';
import { call } from '../src/adapters/cli/client.ts';

const ROOT = '000000000000';
const doc = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const DOC = doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
const pgSkipped = await pgSkip();
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const policyArn = (name: string) => `arn:aws:iam::${ROOT}:policy/${name}`;
const tagsOf = async (PolicyArn: string) => (await iam.send(new I.ListPolicyTagsCommand({ PolicyArn }))).Tags;

/** A user whose only policy is `statements`, and its IAM client. */
async function userWith(name: string, statements: unknown[]): Promise<I.IAMClient> {
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'only', PolicyDocument: doc(statements) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey as I.AccessKey;
  return server.iam({ accessKeyId: k.AccessKeyId as string, secretAccessKey: k.SecretAccessKey as string });
}

describe('the IAM API keeps a managed policy\'s tags', () => {
  test('CreatePolicy keeps Tags and answers them; GetPolicy answers them; ListPolicies does not', async () => {
    const created = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'tf', PolicyDocument: DOC, Tags: [{ Key: 'Environment', Value: 'test' }, { Key: 'owner', Value: 'ml' }] }));
    assert.deepEqual(created.Policy?.Tags, [{ Key: 'Environment', Value: 'test' }, { Key: 'owner', Value: 'ml' }]);
    const got = await iam.send(new I.GetPolicyCommand({ PolicyArn: policyArn('tf') }));
    assert.deepEqual(got.Policy?.Tags, [{ Key: 'Environment', Value: 'test' }, { Key: 'owner', Value: 'ml' }]);
    const listed = (await iam.send(new I.ListPoliciesCommand({ Scope: 'Local' }))).Policies?.find((p) => p.PolicyName === 'tf');
    assert.equal(listed?.Tags, undefined, 'ListPolicies leaves Tags out, as IAM');
    // Without Tags nothing is written: GetPolicy leaves the element out, ListPolicyTags answers none.
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'plain', PolicyDocument: DOC }));
    assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: policyArn('plain') }))).Policy?.Tags, undefined);
    assert.deepEqual(await tagsOf(policyArn('plain')), []);
  });

  test('TagPolicy merges by case-insensitive key, at most 50; UntagPolicy removes keys of any case', async () => {
    const PolicyArn = policyArn('plain');
    await iam.send(new I.TagPolicyCommand({ PolicyArn, Tags: [{ Key: 'team', Value: 'a' }, { Key: 'cost', Value: '1' }] }));
    await iam.send(new I.TagPolicyCommand({ PolicyArn, Tags: [{ Key: 'TEAM', Value: 'b' }] }));
    assert.deepEqual(await tagsOf(PolicyArn), [{ Key: 'cost', Value: '1' }, { Key: 'TEAM', Value: 'b' }], 'TEAM replaced team (listed by key: review ka, 1)');
    const over = await sdkFailure(iam.send(new I.TagPolicyCommand({ PolicyArn, Tags: Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })));
    assert.equal(over.code, 'LimitExceeded');
    assert.deepEqual(await tagsOf(PolicyArn), [{ Key: 'cost', Value: '1' }, { Key: 'TEAM', Value: 'b' }], 'a refused TagPolicy changes nothing');
    assert.equal((await sdkFailure(iam.send(new I.TagPolicyCommand({ PolicyArn, Tags: [{ Key: 'aws:x', Value: 'v' }] })))).code, 'ValidationError');
    await iam.send(new I.UntagPolicyCommand({ PolicyArn, TagKeys: ['team', 'absent'] }));
    assert.deepEqual(await tagsOf(PolicyArn), [{ Key: 'cost', Value: '1' }]);
    assert.equal((await sdkFailure(iam.send(new I.TagPolicyCommand({ PolicyArn: policyArn('nope'), Tags: [{ Key: 'a', Value: 'b' }] })))).code, 'NoSuchEntity');
    const builtin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    assert.deepEqual(await tagsOf(builtin), []);
    assert.equal((await sdkFailure(iam.send(new I.TagPolicyCommand({ PolicyArn: builtin, Tags: [{ Key: 'a', Value: 'b' }] })))).code, 'InvalidInput');
  });

  test('decided with the request\'s tags and the policy\'s own, as a role\'s are', async () => {
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'ml-owned', PolicyDocument: DOC, Tags: [{ Key: 'team', Value: 'ml' }] }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'web-owned', PolicyDocument: DOC, Tags: [{ Key: 'team', Value: 'web' }] }));
    const ml = await userWith('ml-admin', [
      { Effect: 'Allow', Action: ['iam:TagPolicy', 'iam:UntagPolicy', 'iam:ListPolicyTags'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } },
      { Effect: 'Allow', Action: 'iam:CreatePolicy', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'ml' } } },
      // Tags given to CreatePolicy are decided as TagPolicy too, as AWS decides them (review iu, 5): a new policy may be
      // tagged team=ml, and the Deny holds for the policies that already carry the key.
      { Effect: 'Allow', Action: 'iam:TagPolicy', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'ml' } } },
      { Effect: 'Deny', Action: 'iam:TagPolicy', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] }, StringLike: { 'aws:ResourceTag/team': '*' } } },
    ]);
    assert.deepEqual((await ml.send(new I.ListPolicyTagsCommand({ PolicyArn: policyArn('ml-owned') }))).Tags, [{ Key: 'team', Value: 'ml' }]);
    await ml.send(new I.TagPolicyCommand({ PolicyArn: policyArn('ml-owned'), Tags: [{ Key: 'stage', Value: 'prod' }] }));
    for (const c of [new I.ListPolicyTagsCommand({ PolicyArn: policyArn('web-owned') }), new I.TagPolicyCommand({ PolicyArn: policyArn('web-owned'), Tags: [{ Key: 'stage', Value: 'x' }] }), new I.UntagPolicyCommand({ PolicyArn: policyArn('web-owned'), TagKeys: ['team'] })]) {
      assert.equal((await sdkFailure(ml.send(c as never))).code, 'AccessDenied', c.constructor.name);
    }
    // aws:TagKeys holds the stored spelling too: `TEAM` meets the Deny on `team`.
    assert.equal((await sdkFailure(ml.send(new I.TagPolicyCommand({ PolicyArn: policyArn('ml-owned'), Tags: [{ Key: 'TEAM', Value: 'web' }] })))).code, 'AccessDenied');
    await ml.send(new I.CreatePolicyCommand({ PolicyName: 'ml-new', PolicyDocument: DOC, Tags: [{ Key: 'team', Value: 'ml' }] }));
    assert.equal((await sdkFailure(ml.send(new I.CreatePolicyCommand({ PolicyName: 'web-new', PolicyDocument: DOC, Tags: [{ Key: 'team', Value: 'web' }] })))).code, 'AccessDenied');
    assert.equal((await sdkFailure(ml.send(new I.CreatePolicyCommand({ PolicyName: 'untagged', PolicyDocument: DOC })))).code, 'AccessDenied');
    assert.deepEqual(await tagsOf(policyArn('web-owned')), [{ Key: 'team', Value: 'web' }]);
  });

  test('every action on a policy is decided with its tags: a Deny on protected policies holds', async () => {
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'guarded', PolicyDocument: DOC, Tags: [{ Key: 'protected', Value: 'true' }] }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'loose', PolicyDocument: DOC }));
    const ops = await userWith('ops', [
      { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
      { Effect: 'Deny', Action: ['iam:DeletePolicy', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicyVersion', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } },
    ]);
    const on = (PolicyArn: string) => [
      new I.GetPolicyCommand({ PolicyArn }),
      new I.GetPolicyVersionCommand({ PolicyArn, VersionId: 'v1' }),
      new I.ListPolicyVersionsCommand({ PolicyArn }),
      new I.CreatePolicyVersionCommand({ PolicyArn, PolicyDocument: DOC }),
      new I.SetDefaultPolicyVersionCommand({ PolicyArn, VersionId: 'v1' }),
      new I.DeletePolicyVersionCommand({ PolicyArn, VersionId: 'v2' }),
      new I.DeletePolicyCommand({ PolicyArn }),
    ];
    for (const c of on(policyArn('guarded'))) assert.equal((await sdkFailure(ops.send(c as never))).code, 'AccessDenied', c.constructor.name);
    for (const c of on(policyArn('loose'))) await ops.send(c as never);
    assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: policyArn('guarded') }))).Policy?.DefaultVersionId, 'v1');
  });

  test('each change is audited with the tags before and after', async () => {
    const store = await openSqliteStore({ dataDir: server.dataDir });
    try {
      const want = ['iam:TagPolicy', 'iam:UntagPolicy'];
      async function listChanges() {
        return (await store.read((tx) => tx.audit.list({ kind: 'change' }, 0, 10_000))).filter((r) => r.resource === policyArn('plain') && want.includes(r.action) && r.decision === 'ok');
      }
      // The records are written in the background: read until all three are there, to a bound of time (settle.ts), not
      // 50 tries.
      const rows = await settled(listChanges, (got) => got.length >= 3);
      assert.deepEqual(
        rows.map((r) => [r.action, r.detail['before'], r.detail['after']]),
        [
          ['iam:TagPolicy', { policyArn: policyArn('plain'), tags: [] }, { policyArn: policyArn('plain'), tags: [{ key: 'team', value: 'a' }, { key: 'cost', value: '1' }] }],
          ['iam:TagPolicy', { policyArn: policyArn('plain'), tags: [{ key: 'team', value: 'a' }, { key: 'cost', value: '1' }] }, { policyArn: policyArn('plain'), tags: [{ key: 'TEAM', value: 'b' }, { key: 'cost', value: '1' }] }],
          ['iam:UntagPolicy', { policyArn: policyArn('plain'), tags: [{ key: 'TEAM', value: 'b' }, { key: 'cost', value: '1' }] }, { policyArn: policyArn('plain'), tags: [{ key: 'cost', value: '1' }] }],
        ],
      );
      const created = (await store.read((tx) => tx.audit.list({ kind: 'change' }, 0, 10_000))).find((r) => r.action === 'iam:CreatePolicy' && r.resource === policyArn('tf'));
      assert.deepEqual((created?.detail['after'] as { tags: unknown }).tags, [{ key: 'Environment', value: 'test' }, { key: 'owner', value: 'ml' }]);
    } finally {
      await store.close();
    }
  });

  test('boto3 creates a tagged policy and reads its tags back', { skip: boto3Missing() }, async () => {
    const script = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
p = iam.create_policy(PolicyName='boto', PolicyDocument=sys.argv[4], Tags=[{'Key': 'owner', 'Value': 'ml'}])['Policy']
iam.tag_policy(PolicyArn=p['Arn'], Tags=[{'Key': 'Owner', 'Value': 'data'}])
print(json.dumps([p['Tags'], iam.get_policy(PolicyArn=p['Arn'])['Policy']['Tags'], iam.list_policy_tags(PolicyArn=p['Arn'])['Tags']]))
`;
    const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey, DOC], { PATH: process.env['PATH'] ?? '' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [[{ Key: 'owner', Value: 'ml' }], [{ Key: 'Owner', Value: 'data' }], [{ Key: 'Owner', Value: 'data' }]]);
  });
});

describe('gatehouse apply: a Policy document\'s tags', () => {
  const apply = async (name: string, tags: string, ...flags: string[]) => {
    const file = join(server.dataDir, `${name}.yaml`);
    await writeFile(file, `apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata: {name: applied}\nspec:\n  document: ${JSON.stringify(DOC)}\n  tags: ${tags}\n`);
    const r = await gatehouseCliInProcess(['apply', ...flags, '-f', file], keysOf({ AccessKeyId: server.admin.accessKeyId, SecretAccessKey: server.admin.secretAccessKey }), { endpoint: server.url, home: server.dataDir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.stdout;
  };

  test('created with its tags; unchanged when they are; changed with TagPolicy/UntagPolicy, the document kept', async () => {
    assert.match(await apply('a1', '{owner: ml, env: test}'), /create Policy\/applied/);
    assert.deepEqual(await tagsOf(policyArn('applied')), [{ Key: 'env', Value: 'test' }, { Key: 'owner', Value: 'ml' }]);
    assert.match(await apply('a2', '{env: test, owner: ml}'), /unchanged|no changes|0 changes/i);
    assert.match(await apply('a3', '{owner: data}'), /update Policy\/applied \(tags\)/);
    assert.deepEqual(await tagsOf(policyArn('applied')), [{ Key: 'owner', Value: 'data' }]);
    assert.deepEqual((await iam.send(new I.ListPolicyVersionsCommand({ PolicyArn: policyArn('applied') }))).Versions?.map((v) => v.VersionId), ['v1'], 'tags alone make no new version');
  });
});

describe('the admin API\'s policy view', () => {
  test('POST /v1/policies keeps tags; GET of the policy shows them, the listing does not', async () => {
    const v1 = (method: string, path: string[], body?: unknown) => call<Record<string, unknown>>(connectionTo(server.url, server.admin), method, path, body === undefined ? {} : { body });
    const created = await v1('POST', ['policies'], { name: 'admin-made', document: JSON.parse(DOC), tags: { owner: 'ml' } });
    assert.ok(created.ok, JSON.stringify(created));
    assert.deepEqual(created.value['tags'], [{ key: 'owner', value: 'ml' }]);
    const got = await v1('GET', ['policies', policyArn('admin-made')]);
    assert.ok(got.ok, JSON.stringify(got));
    assert.deepEqual(got.value['tags'], [{ key: 'owner', value: 'ml' }]);
    const listed = await v1('GET', ['policies']);
    assert.ok(listed.ok);
    const row = (listed.value['policies'] as Record<string, unknown>[]).find((p) => p['name'] === 'admin-made');
    assert.ok(row && !('tags' in row));
    assert.deepEqual(await tagsOf(policyArn('admin-made')), [{ Key: 'owner', Value: 'ml' }]);
  });
});

/** A database a version-4 Gatehouse made, holding one policy, then opened with every migration. */
async function migratesFromV4(open: (migrations?: readonly Migration[]) => Promise<Store>, migrations: readonly Migration[], sql: (text: string) => Promise<unknown>): Promise<void> {
  const old = await open(migrations.filter((m) => m.version <= 4));
  assert.equal(old.migrations.version, 4);
  await old.close();
  // The row as the version-4 code wrote it (its INSERT had no tags column).
  await sql(`INSERT INTO accounts (id, arn_partition, name, created) VALUES ('111111111111', 'aws', 'old', '2026-01-01T00:00:00Z')`);
  await sql(
    `INSERT INTO policies (id, account, name, name_key, path, arn, description, created, updated, default_version, next_version) VALUES ('ANPAOLD', '111111111111', 'Old', 'old', '/', 'arn:aws:iam::111111111111:policy/Old', '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1, 2)`,
  );
  await sql(`INSERT INTO policy_versions (policy_id, version, document, created) VALUES ('ANPAOLD', 1, '{}', '2026-01-01T00:00:00Z')`);
  const s = await open();
  try {
    assert.deepEqual(s.migrations.applied, migrations.filter((m) => m.version > 4).map((m) => m.version));
    const arn = 'arn:aws:iam::111111111111:policy/Old';
    assert.deepEqual((await s.read((tx) => tx.policies.getByArn(arn)))?.tags, []);
    const r = await s.write((tx) => tx.policies.setTags(arn, [{ key: 'owner', value: 'ml' }]));
    assert.ok(r.ok);
    assert.deepEqual((await s.read((tx) => tx.policies.getByArn(arn)))?.tags, [{ key: 'owner', value: 'ml' }]);
    assert.deepEqual((await s.read((tx) => tx.policies.listAllDefaults())).find((x) => x.policy.arn === arn)?.policy.tags, [{ key: 'owner', value: 'ml' }]);
    const created = await s.write((tx) => tx.policies.create({ account: '111111111111', name: 'New', path: '/', id: 'ANPANEW', arn: 'arn:aws:iam::111111111111:policy/New', description: '', created: '2026-01-02T00:00:00Z', document: '{}', tags: [{ key: 'a', value: 'b' }] }));
    assert.ok(created.ok && created.value.tags.length === 1);
    assert.deepEqual((await s.read((tx) => tx.policies.get('111111111111', 'new')))?.tags, [{ key: 'a', value: 'b' }]);
  } finally {
    await s.close();
  }
}

describe('a database of the previous schema migrates', () => {
  test('SQLite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-q3-'));
    try {
      const { DatabaseSync } = await import('node:sqlite');
      const { SQLITE_FILE_NAME } = await import('../src/adapters/store-sqlite/index.ts');
      await migratesFromV4(
        (migrations) => openSqliteStore({ dataDir: dir, ...(migrations ? { migrations } : {}) }),
        SQLITE_MIGRATIONS,
        async (text) => {
          const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME));
          try {
            db.exec(text);
          } finally {
            db.close();
          }
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('PostgreSQL', { skip: pgSkipped }, async () => {
    const schema = `gh_q3_${randomBytes(5).toString('hex')}`;
    try {
      await migratesFromV4(
        (migrations) => openPostgresStore({ url: PG_URL, schema, poolSize: 2, ...(migrations ? { migrations } : {}) }),
        POSTGRES_MIGRATIONS,
        (text) => pgAdmin(async (c) => {
          await c.query(`SET search_path = ${schema}`);
          await c.query(text);
        }),
      );
    } finally {
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });
});
