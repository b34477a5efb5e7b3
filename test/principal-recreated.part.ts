/**
 * A user or role deleted and created again under the same name inherits nothing that named the old one (review F3;
 * policy-semantics.md §A.1.5: "IAM stores user and role ARNs in trust policies as unique IDs, so a deleted and
 * re-created user/role no longer matches"; §A.4: a deleted member becomes `deleted:user:…?uid=…`). The three
 * scripts of the review — a trust policy, a bucket policy through the S3 gateway, a binding — and the same for a
 * role named in another role's trust policy and in a binding, a group named in a binding, and a user deleted by
 * `gatehouse apply --prune`; with the real AWS SDK clients and the real CLI against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import * as STS from '@aws-sdk/client-sts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { keysOf } from './support/processes.ts';

const A = '000000000000';
const B = '333344445555';
const ID = /^AIDA[A-Z2-7]{17}$/;
const ROLE_ID = /^AROA[A-Z2-7]{17}$/;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let iam: I.IAMClient;
const clients: { destroy(): void }[] = [];

function track<T extends { destroy(): void }>(c: T): T {
  clients.push(c);
  return c;
}
const s3 = (credentials: Credentials): S3.S3Client => track(new S3.S3Client({ endpoint: server.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 }));
const sts = (credentials: Credentials): STS.STSClient => track(server.sts(credentials));

async function createUser(name: string, client = iam): Promise<string> {
  const u = await client.send(new I.CreateUserCommand({ UserName: name }));
  return u.User?.UserId ?? '';
}

async function keyOf(name: string, client = iam): Promise<Credentials> {
  const k = await client.send(new I.CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
}

/** Deletes a user the way the review's scripts do, its keys first (IAM refuses to delete a user that has keys). */
async function deleteUser(name: string, client = iam): Promise<void> {
  const keys = await client.send(new I.ListAccessKeysCommand({ UserName: name }));
  for (const k of keys.AccessKeyMetadata ?? []) await client.send(new I.DeleteAccessKeyCommand({ UserName: name, AccessKeyId: k.AccessKeyId }));
  await client.send(new I.DeleteUserCommand({ UserName: name }));
}

/** The trust policy of a role, as GetRole answers it (IAM URL-encodes the document). */
async function trustOf(role: string, client = iam): Promise<{ Statement: { Principal: { AWS: string | string[] } }[] }> {
  const r = await client.send(new I.GetRoleCommand({ RoleName: role }));
  return JSON.parse(decodeURIComponent(r.Role?.AssumeRolePolicyDocument ?? '')) as { Statement: { Principal: { AWS: string | string[] } }[] };
}

async function assume(credentials: Credentials, role: string, account = A): Promise<STS.AssumeRoleCommandOutput> {
  return sts(credentials).send(new STS.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: 'nn' }));
}

const sessionKeys = (r: STS.AssumeRoleCommandOutput): Credentials => ({ accessKeyId: r.Credentials?.AccessKeyId ?? '', secretAccessKey: r.Credentials?.SecretAccessKey ?? '', sessionToken: r.Credentials?.SessionToken ?? '' });

async function decision(principal: string, action: string, resource: string): Promise<string> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
}

const cli = (args: string[], who: Credentials = server.admin) =>
  gatehouseCliInProcess(args, keysOf({ AccessKeyId: who.accessKeyId, SecretAccessKey: who.secretAccessKey }), { endpoint: server.url, home: server.dataDir });

before(async () => {
  server = await startTestServer({ keepDir: true });
  iam = track(server.iam());
});
after(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
  const { rm } = await import('node:fs/promises');
  await rm(server.dataDir, { recursive: true, force: true });
});

describe('a user deleted and created again under the same name', () => {
  it('is refused AssumeRole by a trust policy that named the old one, and GetRole shows the old id (u1)', async () => {
    const oldId = await createUser('frank');
    assert.match(oldId, ID);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'frankrole', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/frank` }, Action: 'sts:AssumeRole' }) }));
    // The trust policy works for the frank it named.
    assert.equal((await assume(await keyOf('frank'), 'frankrole')).AssumedRoleUser?.Arn, `arn:aws:sts::${A}:assumed-role/frankrole/nn`);
    await deleteUser('frank');
    assert.deepEqual((await trustOf('frankrole')).Statement[0]?.Principal, { AWS: oldId });
    // The audit record of the deletion says which policies it rewrote.
    await server.running.app.audit.flush();
    const audit = await gatehouseJson(server.url, server.admin, 'GET', '/v1/audit?kind=change&action=iam:DeleteUser');
    assert.equal(audit.status, 200, JSON.stringify(audit.json));
    const deletion = (audit.json['records'] as { resource: string; detail: { after?: unknown } }[]).find((r) => r.resource === `arn:aws:iam::${A}:user/frank`);
    assert.deepEqual(deletion?.detail.after, { policiesForgettingIt: { trustPolicies: [`${A}/frankrole`], resourcePolicies: [], iamPolicies: [], workspaces: [], clusters: [] } });

    const newId = await createUser('frank');
    assert.notEqual(newId, oldId);
    assert.equal(await errorName(assume(await keyOf('frank'), 'frankrole')), 'AccessDenied');
    assert.equal(await decision(`arn:aws:iam::${A}:user/frank`, 'sts:AssumeRole', `arn:aws:iam::${A}:role/frankrole`), 'ImplicitDeny');
    // The document as read back is accepted as it is.
    const read = await iam.send(new I.GetRoleCommand({ RoleName: 'frankrole' }));
    await iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'frankrole', PolicyDocument: decodeURIComponent(read.Role?.AssumeRolePolicyDocument ?? '') }));
    assert.equal(await errorName(assume(await keyOf('frank'), 'frankrole')), 'AccessDenied');
  });

  it('gets 403 from the S3 gateway where a bucket policy named the old one, and the policy shows the old id (u3)', async () => {
    const admin = s3(server.admin);
    await admin.send(new S3.CreateBucketCommand({ Bucket: 'hank-bucket' }));
    await admin.send(new S3.PutObjectCommand({ Bucket: 'hank-bucket', Key: 'x.txt', Body: 'hi' }));
    const oldId = await createUser('hank');
    await admin.send(new S3.PutBucketPolicyCommand({ Bucket: 'hank-bucket', Policy: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/hank` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::hank-bucket/*' }) }));
    const before = await s3(await keyOf('hank')).send(new S3.GetObjectCommand({ Bucket: 'hank-bucket', Key: 'x.txt' }));
    assert.equal(await before.Body?.transformToString(), 'hi');
    await deleteUser('hank');
    await createUser('hank');

    const got = await errorName(s3(await keyOf('hank')).send(new S3.GetObjectCommand({ Bucket: 'hank-bucket', Key: 'x.txt' })));
    assert.equal(got, 'AccessDenied');
    const policy = JSON.parse((await admin.send(new S3.GetBucketPolicyCommand({ Bucket: 'hank-bucket' }))).Policy ?? '{}') as { Statement: { Principal: unknown; Resource: unknown }[] };
    assert.deepEqual(policy.Statement[0]?.Principal, { AWS: oldId });
    assert.equal(policy.Statement[0]?.Resource, 'arn:aws:s3:::hank-bucket/*');
  });

  it('holds no binding that named the old one: authorize answers ImplicitDeny, iam-policy get shows deleted:user:…?uid=… (u2)', async () => {
    const oldId = await createUser('gina');
    const file = join(server.dataDir, 'gina.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: IamPolicy', 'metadata: {name: gina}', 'spec:', '  resource: arn:aws:s3:::gina-bucket/pub', '  bindings:', '    - role: roles/storage.objectViewer', '      members: [user:gina, user:admin]', ''].join('\n'));
    const applied = await cli(['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    const question = [`arn:aws:iam::${A}:user/gina`, 's3:GetObject', 'arn:aws:s3:::gina-bucket/pub/p.txt'] as const;
    assert.equal(await decision(...question), 'Allow');
    await deleteUser('gina');
    await createUser('gina');

    assert.equal(await decision(...question), 'ImplicitDeny');
    const got = await cli(['iam-policy', 'get', 'arn:aws:s3:::gina-bucket/pub', '--json']);
    assert.equal(got.code, 0, got.stderr);
    const view = JSON.parse(got.stdout) as { bindings: { members: string[] }[]; etag: string };
    assert.deepEqual(view.bindings[0]?.members, [`deleted:user:gina?uid=${oldId}`, 'user:admin']);
    // Read back and written again with its etag: the deleted member is accepted as it is, and still grants nothing.
    const back = join(server.dataDir, 'gina-back.json');
    await writeFile(back, got.stdout);
    const set = await cli(['iam-policy', 'set', 'arn:aws:s3:::gina-bucket/pub', '--file', back, '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual((JSON.parse(set.stdout) as { bindings: { members: string[] }[] }).bindings[0]?.members, [`deleted:user:gina?uid=${oldId}`, 'user:admin']);
    assert.equal(await decision(...question), 'ImplicitDeny');
  });

  it('deleted by `gatehouse apply --prune` is forgotten the same way (another account)', async () => {
    const created = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws', name: 'pruned' });
    assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.json));
    const bAdmin: Credentials = { accessKeyId: created.json['AccessKeyId'] as string, secretAccessKey: created.json['SecretAccessKey'] as string };
    const bIam = track(server.iam(bAdmin));
    const first = join(server.dataDir, 'ivy.yaml');
    await writeFile(first, ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: ivy}', '---', 'apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: keeper}', '---', 'apiVersion: gatehouse.dev/v1', 'kind: Role', 'metadata: {name: ivyrole}', 'spec:', `  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::${B}:user/ivy"}, Action: sts:AssumeRole}]}`, ''].join('\n'));
    const a1 = await cli(['apply', '-f', first], bAdmin);
    assert.equal(a1.code, 0, a1.stderr);
    const oldId = (await bIam.send(new I.GetUserCommand({ UserName: 'ivy' }))).User?.UserId ?? '';
    const second = join(server.dataDir, 'keeper.yaml');
    await writeFile(second, ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: keeper}', ''].join('\n'));
    const a2 = await cli(['apply', '-f', second, '--prune'], bAdmin);
    assert.equal(a2.code, 0, a2.stderr);
    assert.match(a2.stdout, /1 deleted/);

    assert.deepEqual((await trustOf('ivyrole', bIam)).Statement[0]?.Principal, { AWS: oldId });
    await createUser('ivy', bIam);
    assert.equal(await errorName(assume(await keyOf('ivy', bIam), 'ivyrole', B)), 'AccessDenied');
  });
});

describe('a role deleted and created again under the same name', () => {
  it('is refused by another role trust policy that named the old one, holds no binding of the old one, and GetRole shows AROA… (role in trust and binding)', async () => {
    const trustAdmin = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' });
    const oldId = (await iam.send(new I.CreateRoleCommand({ RoleName: 'builder', AssumeRolePolicyDocument: trustAdmin }))).Role?.RoleId ?? '';
    assert.match(oldId, ROLE_ID);
    // A policy names only principals that exist (review Z, finding 3).
    await createUser('nobody-else');
    await iam.send(new I.CreateRoleCommand({ RoleName: 'target', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:role/builder`, `arn:aws:iam::${A}:user/nobody-else`] }, Action: 'sts:AssumeRole' }) }));
    const sa = `serviceAccount:builder@${A}.iam.gatehouse.dev`;
    const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::builder-bucket/out', bindings: [{ role: 'roles/storage.objectViewer', members: [sa] }] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    // Before: a session of builder may assume target, and the binding grants it.
    const session = sessionKeys(await assume(server.admin, 'builder'));
    assert.equal((await assume(session, 'target')).AssumedRoleUser?.Arn, `arn:aws:sts::${A}:assumed-role/target/nn`);
    const question = [`arn:aws:iam::${A}:role/builder`, 's3:GetObject', 'arn:aws:s3:::builder-bucket/out/p.txt'] as const;
    assert.equal(await decision(...question), 'Allow');

    await iam.send(new I.DeleteRoleCommand({ RoleName: 'builder' }));
    assert.deepEqual((await trustOf('target')).Statement[0]?.Principal, { AWS: [oldId, `arn:aws:iam::${A}:user/nobody-else`] });
    const newId = (await iam.send(new I.CreateRoleCommand({ RoleName: 'builder', AssumeRolePolicyDocument: trustAdmin }))).Role?.RoleId ?? '';
    assert.notEqual(newId, oldId);

    const newSession = sessionKeys(await assume(server.admin, 'builder'));
    assert.equal(await errorName(assume(newSession, 'target')), 'AccessDenied');
    assert.equal(await decision(...question), 'ImplicitDeny');
    const view = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent('arn:aws:s3:::builder-bucket/out')}`);
    assert.equal(view.status, 200, JSON.stringify(view.json));
    assert.deepEqual((view.json['bindings'] as { members: string[] }[])[0]?.members, [`deleted:${sa}?uid=${oldId}`]);
  });
});

/** A user who may submit training jobs and nothing else (`training:CreateJob`), with a key. */
async function submitter(name: string): Promise<Credentials> {
  await createUser(name);
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'jobs', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }) }));
  return keyOf(name);
}

/** Submits a default-role job in `workspace` as `who`: the status, and the message of a refusal. */
async function submit(who: Credentials, workspace: string): Promise<{ status: number; message: string }> {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/jobs', { workspace, role: 'default' });
  const error = r.json['error'] as { message?: string } | undefined;
  return { status: r.status, message: error?.message ?? (r.json['message'] as string | undefined) ?? JSON.stringify(r.json) };
}

async function membersOf(workspace: string): Promise<unknown> {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/workspaces/${workspace}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['members'];
}

async function putWorkspace(name: string, members: object[]): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/workspaces/${name}`, { members, defaultBucket: `arn:aws:s3:::${name}-data` });
  assert.ok(r.status < 300, JSON.stringify(r.json));
}

async function lastChange(action: string, resource: string): Promise<{ detail: { before?: unknown; after?: unknown } } | undefined> {
  await server.running.app.audit.flush();
  const audit = await gatehouseJson(server.url, server.admin, 'GET', `/v1/audit?kind=change&action=${action}`);
  assert.equal(audit.status, 200, JSON.stringify(audit.json));
  return (audit.json['records'] as { resource: string; detail: { before?: unknown; after?: unknown } }[]).filter((r) => r.resource === resource).at(-1);
}

describe('workspace membership of a deleted user or group (review K1)', () => {
  it('a user deleted leaves every workspace; a new user of that name is not a member and gets no default-role job', async () => {
    const old = await submitter('wendy');
    // Membership compares names without case: `Wendy` names wendy too.
    await putWorkspace('ws-wendy', [{ user: 'Wendy' }, { user: 'admin' }]);
    await putWorkspace('ws-other', [{ user: 'admin' }]);
    const before = await submit(old, 'ws-wendy');
    assert.ok(before.status < 300, before.message);

    await iam.send(new I.DeleteUserPolicyCommand({ UserName: 'wendy', PolicyName: 'jobs' }));
    await deleteUser('wendy');
    assert.deepEqual(await membersOf('ws-wendy'), [{ user: 'admin' }]);
    assert.deepEqual(await membersOf('ws-other'), [{ user: 'admin' }]);
    const deletion = await lastChange('iam:DeleteUser', `arn:aws:iam::${A}:user/wendy`);
    assert.deepEqual(deletion?.detail.after, { policiesForgettingIt: { trustPolicies: [], resourcePolicies: [], iamPolicies: [], workspaces: [`${A}/ws-wendy`], clusters: [] } });

    const fresh = await submitter('wendy');
    const after = await submit(fresh, 'ws-wendy');
    assert.equal(after.status, 403, after.message);
    assert.match(after.message, /user\/wendy is not a member of workspace ws-wendy/);
  });

  it('a group deleted leaves every workspace; a group created again under its name makes no member', async () => {
    const gus = await submitter('gus');
    await iam.send(new I.CreateGroupCommand({ GroupName: 'trainers' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'trainers', UserName: 'gus' }));
    await putWorkspace('ws-group', [{ group: 'trainers' }]);
    const before = await submit(gus, 'ws-group');
    assert.ok(before.status < 300, before.message);

    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'trainers', UserName: 'gus' }));
    await iam.send(new I.DeleteGroupCommand({ GroupName: 'trainers' }));
    assert.deepEqual(await membersOf('ws-group'), []);
    const deletion = await lastChange('iam:DeleteGroup', `arn:aws:iam::${A}:group/trainers`);
    assert.deepEqual((deletion?.detail.after as { policiesForgettingIt?: { workspaces?: unknown } } | undefined)?.policiesForgettingIt?.workspaces, [`${A}/ws-group`]);

    await iam.send(new I.CreateGroupCommand({ GroupName: 'trainers' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'trainers', UserName: 'gus' }));
    const after = await submit(gus, 'ws-group');
    assert.equal(after.status, 403, after.message);
    assert.match(after.message, /is not a member of workspace ws-group/);
  });
});

describe('a group deleted and created again under the same name', () => {
  it('holds no binding that named the old one: authorize answers ImplicitDeny for its new member, iam-policy get shows deleted:group:…?uid=…', async () => {
    await createUser('ada');
    const oldId = (await iam.send(new I.CreateGroupCommand({ GroupName: 'ml-team' }))).Group?.GroupId ?? '';
    assert.match(oldId, /^AGPA[A-Z2-7]{17}$/);
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'ml-team', UserName: 'ada' }));
    const bound = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::ml-bucket/pub', bindings: [{ role: 'roles/storage.objectViewer', members: ['group:ml-team', 'user:admin'] }] });
    assert.equal(bound.status, 200, JSON.stringify(bound.json));
    const question = (user: string) => [`arn:aws:iam::${A}:user/${user}`, 's3:GetObject', 'arn:aws:s3:::ml-bucket/pub/p.txt'] as const;
    assert.equal(await decision(...question('ada')), 'Allow');

    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'ml-team', UserName: 'ada' }));
    await iam.send(new I.DeleteGroupCommand({ GroupName: 'ml-team' }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'ml-team' }));
    await createUser('ned');
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'ml-team', UserName: 'ned' }));
    assert.equal(await decision(...question('ned')), 'ImplicitDeny');
    const deletion = await lastChange('iam:DeleteGroup', `arn:aws:iam::${A}:group/ml-team`);
    assert.deepEqual(deletion?.detail.after, { policiesForgettingIt: { trustPolicies: [], resourcePolicies: [], iamPolicies: ['arn:aws:s3:::ml-bucket/pub'], workspaces: [], clusters: [] } });

    const got = await cli(['iam-policy', 'get', 'arn:aws:s3:::ml-bucket/pub', '--json']);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual((JSON.parse(got.stdout) as { bindings: { members: string[] }[] }).bindings[0]?.members, [`deleted:group:ml-team?uid=${oldId}`, 'user:admin']);
    // Read back and written again with its etag: the deleted member is accepted as it is, and still grants nothing.
    const back = join(server.dataDir, 'ml-team-back.json');
    await writeFile(back, got.stdout);
    const set = await cli(['iam-policy', 'set', 'arn:aws:s3:::ml-bucket/pub', '--file', back, '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual((JSON.parse(set.stdout) as { bindings: { members: string[] }[] }).bindings[0]?.members, [`deleted:group:ml-team?uid=${oldId}`, 'user:admin']);
    assert.equal(await decision(...question('ned')), 'ImplicitDeny');
    assert.equal(await decision(...question('admin')), 'Allow');
  });
});

describe('a user renamed, and a new user created under the old name (review K2)', () => {
  it('the trust policy, bucket policy, binding, workspace membership and access entry follow the renamed user; the new one gets none', async () => {
    const rosaId = await createUser('rosa');
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'rosa', PolicyName: 'jobs', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }) }));
    const rosa = await keyOf('rosa');
    await createUser('rosalind');
    await iam.send(new I.CreateRoleCommand({ RoleName: 'rosarole', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:user/rosa`, `arn:aws:iam::${A}:user/rosalind`] }, Action: 'sts:AssumeRole' }) }));
    const admin = s3(server.admin);
    await admin.send(new S3.CreateBucketCommand({ Bucket: 'rosa-bucket' }));
    await admin.send(new S3.PutObjectCommand({ Bucket: 'rosa-bucket', Key: 'x.txt', Body: 'hi' }));
    await admin.send(new S3.PutBucketPolicyCommand({ Bucket: 'rosa-bucket', Policy: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/rosa` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::rosa-bucket/*' }) }));
    const bound = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::rosa-bound/pub', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:rosa', 'user:admin'] }] });
    assert.equal(bound.status, 200, JSON.stringify(bound.json));
    await putWorkspace('ws-rosa', [{ user: 'rosa' }]);
    const cluster = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/rc', {});
    assert.ok(cluster.status < 300, JSON.stringify(cluster.json));
    const entry = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/rc/access-entries', { principalArn: `arn:aws:iam::${A}:user/rosa`, kubernetesGroups: ['ml'] });
    assert.equal(entry.status, 201, JSON.stringify(entry.json));

    const question = (arn: string) => [arn, 's3:GetObject', 'arn:aws:s3:::rosa-bound/pub/p.txt'] as const;
    const get = (who: Credentials) => s3(who).send(new S3.GetObjectCommand({ Bucket: 'rosa-bucket', Key: 'x.txt' }));
    assert.equal((await assume(rosa, 'rosarole')).AssumedRoleUser?.Arn, `arn:aws:sts::${A}:assumed-role/rosarole/nn`);
    assert.equal(await (await get(rosa)).Body?.transformToString(), 'hi');
    assert.equal(await decision(...question(`arn:aws:iam::${A}:user/rosa`)), 'Allow');

    // Renamed, and moved to another path: the ARN changes in both.
    await iam.send(new I.UpdateUserCommand({ UserName: 'rosa', NewUserName: 'rosa2', NewPath: '/ml/' }));
    const renamedArn = `arn:aws:iam::${A}:user/ml/rosa2`;
    await createUser('rosa');
    const fresh = await keyOf('rosa');
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'rosa', PolicyName: 'jobs', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }) }));

    // The new rosa gets nothing the old name was granted.
    assert.equal(await errorName(assume(fresh, 'rosarole')), 'AccessDenied');
    assert.equal(await errorName(get(fresh)), 'AccessDenied');
    assert.equal(await decision(...question(`arn:aws:iam::${A}:user/rosa`)), 'ImplicitDeny');
    const refused = await submit(fresh, 'ws-rosa');
    assert.equal(refused.status, 403, refused.message);
    assert.match(refused.message, /is not a member of workspace ws-rosa/);

    // The renamed user keeps every grant, with its old keys.
    assert.equal((await assume(rosa, 'rosarole')).AssumedRoleUser?.Arn, `arn:aws:sts::${A}:assumed-role/rosarole/nn`);
    assert.equal(await (await get(rosa)).Body?.transformToString(), 'hi');
    assert.equal(await decision(...question(renamedArn)), 'Allow');
    const kept = await submit(rosa, 'ws-rosa');
    assert.ok(kept.status < 300, kept.message);

    // What the policies show: the new ARN (the other principal of the trust policy left as it was).
    assert.deepEqual((await trustOf('rosarole')).Statement[0]?.Principal, { AWS: [renamedArn, `arn:aws:iam::${A}:user/rosalind`] });
    const policy = JSON.parse((await admin.send(new S3.GetBucketPolicyCommand({ Bucket: 'rosa-bucket' }))).Policy ?? '{}') as { Statement: { Principal: unknown }[] };
    assert.deepEqual(policy.Statement[0]?.Principal, { AWS: renamedArn });
    const view = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent('arn:aws:s3:::rosa-bound/pub')}`);
    assert.deepEqual((view.json['bindings'] as { members: string[] }[])[0]?.members, ['user:rosa2', 'user:admin']);
    assert.deepEqual(await membersOf('ws-rosa'), [{ user: 'rosa2' }]);
    // The access entry was filed without a path: it moves to the new name, still tied to the renamed user's id.
    const entries = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/rc/access-entries');
    assert.deepEqual((entries.json['accessEntries'] as { principalArn: string; principalId?: string; kubernetesGroups: string[] }[]).map((e) => [e.principalArn, e.principalId, e.kubernetesGroups]), [[`arn:aws:iam::${A}:user/rosa2`, rosaId, ['ml']]]);

    const renamed = await lastChange('iam:UpdateUser', `arn:aws:iam::${A}:user/rosa`);
    assert.deepEqual((renamed?.detail.after as { policiesFollowingIt?: unknown } | undefined)?.policiesFollowingIt, {
      trustPolicies: [`${A}/rosarole`],
      resourcePolicies: ['arn:aws:s3:::rosa-bucket'],
      iamPolicies: ['arn:aws:s3:::rosa-bound/pub'],
      workspaces: [`${A}/ws-rosa`],
      clusters: [],
      accessEntries: [`${A}/rc/arn:aws:iam::${A}:user/rosa2`],
    });
  });

  it('a group renamed takes its binding members and workspace memberships along', async () => {
    const gil = await submitter('gil');
    await iam.send(new I.CreateGroupCommand({ GroupName: 'painters' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'painters', UserName: 'gil' }));
    await putWorkspace('ws-painters', [{ group: 'painters' }]);
    const bound = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::paint/pub', bindings: [{ role: 'roles/storage.objectViewer', members: ['group:painters'] }] });
    assert.equal(bound.status, 200, JSON.stringify(bound.json));
    await iam.send(new I.UpdateGroupCommand({ GroupName: 'painters', NewGroupName: 'artists' }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'painters' }));
    const ivo = await submitter('ivo');
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'painters', UserName: 'ivo' }));

    assert.deepEqual(await membersOf('ws-painters'), [{ group: 'artists' }]);
    const refused = await submit(ivo, 'ws-painters');
    assert.equal(refused.status, 403, refused.message);
    assert.equal(await decision(`arn:aws:iam::${A}:user/ivo`, 's3:GetObject', 'arn:aws:s3:::paint/pub/p.txt'), 'ImplicitDeny');
    const kept = await submit(gil, 'ws-painters');
    assert.ok(kept.status < 300, kept.message);
    assert.equal(await decision(`arn:aws:iam::${A}:user/gil`, 's3:GetObject', 'arn:aws:s3:::paint/pub/p.txt'), 'Allow');
  });
});

describe('cluster node mapping rules of a deleted or renamed user or group', () => {
  const cluster = async (): Promise<{ mappings?: { user?: string; group?: string; role: string }[] }> => {
    const r = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/mapped');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { mappings?: { user?: string; group?: string; role: string }[] };
  };

  it('a rule for a deleted user or group goes (a new one of the name gets the instance role); a renamed one follows the rename', async () => {
    await createUser('nina');
    await createUser('otto');
    await iam.send(new I.CreateGroupCommand({ GroupName: 'gpu-team' }));
    const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/mapped', {
      instanceRole: 'small',
      mappings: [
        { user: 'nina', role: 'big' },
        { user: 'otto', role: 'big' },
        { group: 'gpu-team', role: 'big' },
      ],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    await deleteUser('nina');
    await iam.send(new I.DeleteGroupCommand({ GroupName: 'gpu-team' }));
    await iam.send(new I.UpdateUserCommand({ UserName: 'otto', NewUserName: 'otto2' }));
    assert.deepEqual((await cluster()).mappings, [{ user: 'otto2', role: 'big' }]);
    const deleted = await lastChange('iam:DeleteUser', `arn:aws:iam::${A}:user/nina`);
    assert.deepEqual(((deleted?.detail.after as { policiesForgettingIt?: { clusters?: unknown } } | undefined)?.policiesForgettingIt)?.clusters, [`${A}/mapped`]);
  });
});
