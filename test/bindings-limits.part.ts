/**
 * What bindings grant is still cut by the principal's own limits, as a resource policy naming a role is (reference
 * §A.1.2): a job's session, narrowed by its session policy to its workspace's bucket, does not escape through a
 * binding to its role (its service account); a user's permissions boundary bounds what a binding gives it. And a
 * refusal says why bindings did not allow: a condition that is false, a role that lacks the permission, a grant
 * that a limit cuts. Through the authorize API of a real server, signed by the job's own credentials.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { keysOf } from './support/processes.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ACCT = '000000000000';
const DEFAULT_ROLE = 'GatehouseTrainingDefaultRole';
let server: TestServer;
let job: Credentials;

const ask = async (who: Credentials, body: Record<string, unknown>): Promise<{ decision: string; diagnostics: string[]; reasons: string[] }> => {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/authorize', body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as { decision: string; diagnostics: string[]; reasons: string[] };
};
const bind = async (resource: string, bindings: unknown[]): Promise<void> => {
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
  assert.equal(r.status, 200, JSON.stringify(r.json));
};

before(async () => {
  server = await startTestServer();
  // Buckets of the account (made through the gateway): the account's bindings govern them.
  const s3 = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  for (const Bucket of ['w-data', 'other-data']) await s3.send(new S3.CreateBucketCommand({ Bucket }));
  s3.destroy();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::w-data' });
  assert.ok(ws.status < 300, JSON.stringify(ws.json));
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default' });
  assert.ok(submitted.status < 300, JSON.stringify(submitted.json));
  const env = submitted.json['environment'] as Record<string, string>;
  const creds = (await (await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: submitted.json['capability'] as string } })).json()) as Record<string, string>;
  job = { accessKeyId: creds['AccessKeyId'] ?? '', secretAccessKey: creds['SecretAccessKey'] ?? '', sessionToken: creds['Token'] ?? '' };
});
after(async () => {
  await server.stop();
});

describe('bindings and the principal’s own limits', () => {
  it('a binding to the job’s role does not take its session past its session policy', async () => {
    const other = { action: 's3:GetObject', resource: 'arn:aws:s3:::other-data/x' };
    assert.equal((await ask(job, other)).decision, 'ImplicitDeny');
    await bind(`account/${ACCT}`, [{ role: 'roles/storage.objectViewer', members: [`serviceAccount:${DEFAULT_ROLE}@${ACCT}.iam.gatehouse.dev`] }]);
    // The binding grants the role, but the job's session is narrowed to its workspace's bucket: the binding does not
    // take it further (the diagnostic shows the binding allowed, and what cut it).
    const escaped = await ask(job, other);
    assert.equal(escaped.decision, "ImplicitDeny", JSON.stringify(escaped));
    assert.ok(escaped.diagnostics.some((d) => /^bindings: no opinion: .*roles\/storage\.objectViewer.*, but the session policy does not allow this request/.test(d)), JSON.stringify(escaped.diagnostics));
    // Within its bucket, the binding and the session policy agree.
    assert.equal((await ask(job, { action: 's3:GetObject', resource: 'arn:aws:s3:::w-data/x' })).decision, 'Allow');
  });

  it('a user’s permissions boundary bounds what a binding gives it', async () => {
    const iam = server.iam();
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'read-only', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
    await iam.send(new I.CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: `arn:aws:iam::${ACCT}:policy/read-only` }));
    await bind('arn:aws:s3:::b-data', [{ role: 'roles/storage.objectAdmin', members: ['user:bounded'] }]);
    const principal = `arn:aws:iam::${ACCT}:user/bounded`;
    assert.equal((await ask(server.admin, { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::b-data/x' })).decision, 'Allow');
    const write = await ask(server.admin, { principal, action: 's3:PutObject', resource: 'arn:aws:s3:::b-data/x' });
    assert.equal(write.decision, 'ImplicitDeny', JSON.stringify(write));
    assert.ok(write.diagnostics.some((d) => /but the permissions boundary does not allow this request/.test(d)), JSON.stringify(write.diagnostics));
  });

  it('a refusal says why bindings did not allow: a false condition, a role without the permission', async () => {
    await server.iam().send(new I.CreateUserCommand({ UserName: 'plain' }));
    const principal = `arn:aws:iam::${ACCT}:user/plain`;
    await bind('arn:aws:s3:::c-data', [
      { role: 'roles/storage.objectViewer', members: ['user:plain'], condition: { title: 'expired', expression: 'request.time < timestamp("2020-01-01T00:00:00Z")' } },
      { role: 'roles/storage.objectViewer', members: ['user:plain'], condition: { title: 'reports only', expression: 'resource.name.startsWith("arn:aws:s3:::c-data/reports/")' } },
    ]);
    const expired = await ask(server.admin, { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::c-data/x' });
    assert.equal(expired.decision, 'ImplicitDeny');
    assert.ok(expired.diagnostics.some((d) => /condition "expired" of binding 0 \(roles\/storage\.objectViewer\) on arn:aws:s3:::c-data is false for this request/.test(d)), JSON.stringify(expired.diagnostics));
    const write = await ask(server.admin, { principal, action: 's3:PutObject', resource: 'arn:aws:s3:::c-data/reports/q1' });
    assert.equal(write.decision, 'ImplicitDeny');
    assert.ok(write.diagnostics.some((d) => /no binding grants `storage\.objects\.create`.*the role it holds here \(roles\/storage\.objectViewer\) does not include it/.test(d)), JSON.stringify(write.diagnostics));
    // Where no binding governs, bindings say nothing.
    const elsewhere = await ask(server.admin, { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::nothing-bound/x' });
    assert.deepEqual(elsewhere.diagnostics.filter((d) => d.startsWith('bindings:')), []);
  });
});

describe('member names', () => {
  it('name members that exist, exactly: group:ML-Engineers names no group ml-engineers, user:ghost no one', async () => {
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'member' }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'ml-engineers' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'ml-engineers', UserName: 'member' }));
    const principal = `arn:aws:iam::${ACCT}:user/member`;
    const q = { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::g-data/x' };
    // Refused at write, each member by its path, rather than stored to match nothing.
    const wrong = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::g-data', bindings: [{ role: 'roles/storage.objectViewer', members: ['group:ML-Engineers', 'user:MEMBER', 'user:ghost'] }] });
    assert.equal(wrong.status, 400, JSON.stringify(wrong.json));
    const text = JSON.stringify(wrong.json);
    assert.match(text, /member `group:ML-Engineers`: account 000000000000 has no group named `ML-Engineers` \(names match exactly: it has `ml-engineers`\)/);
    assert.match(text, /member `user:MEMBER`: account 000000000000 has no user named `MEMBER` \(names match exactly: it has `member`\)/);
    assert.match(text, /member `user:ghost`: account 000000000000 has no user named `ghost`/);
    assert.match(text, /bindings\[0\]\.members\[2\]/);
    assert.equal((await ask(server.admin, q)).decision, 'ImplicitDeny', 'nothing was written');
    await bind('arn:aws:s3:::g-data', [{ role: 'roles/storage.objectViewer', members: ['group:ml-engineers', `serviceAccount:${DEFAULT_ROLE}@${ACCT}.iam.gatehouse.dev`] }]);
    assert.equal((await ask(server.admin, q)).decision, 'Allow');
    const noRole = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::g-data', bindings: [{ role: 'roles/storage.objectViewer', members: [`serviceAccount:nosuch@${ACCT}.iam.gatehouse.dev`] }] });
    assert.match(JSON.stringify(noRole.json), /has no role \(service account\) named `nosuch`/);
    // Of another account too: a role created there later under that name would otherwise inherit the grant.
    const elsewhere = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::g-data', bindings: [{ role: 'roles/storage.objectViewer', members: ['serviceAccount:r1@222233334444.iam.gatehouse.dev'] }] });
    assert.equal(elsewhere.status, 400, JSON.stringify(elsewhere.json));
    assert.match(JSON.stringify(elsewhere.json), /member `serviceAccount:r1@222233334444\.iam\.gatehouse\.dev`: account 222233334444 has no role \(service account\) named `r1`/);
  });

  it('gatehouse apply: a member the same files create is known; one nothing creates is refused by its line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-members-'));
    const policy = (member: string) => ['---', 'apiVersion: gatehouse.dev/v1', 'kind: IamPolicy', 'metadata: {name: h-data}', 'spec:', '  resource: arn:aws:s3:::h-data', '  bindings:', '    - role: roles/storage.objectViewer', `      members: ["${member}"]`];
    const user = ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: newbie}', 'spec: {}'];
    await writeFile(join(dir, 'ok.yaml'), [...user, ...policy('user:newbie'), ''].join('\n'));
    await writeFile(join(dir, 'bad.yaml'), [...policy('user:nobody'), ''].join('\n'));
    const who = keysOf({ AccessKeyId: server.admin.accessKeyId, SecretAccessKey: server.admin.secretAccessKey });
    const good = await gatehouseCliInProcess(['apply', '-f', join(dir, 'ok.yaml')], who, { endpoint: server.url, home: dir });
    assert.equal(good.code, 0, good.stderr);
    const bad = await gatehouseCliInProcess(['apply', '-f', join(dir, 'bad.yaml')], who, { endpoint: server.url, home: dir });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /bad\.yaml:\d+:\d+: .*spec\.bindings\[0\]\.members\[0\]: member `user:nobody`: account 000000000000 has no user named `nobody`/);
    await rm(dir, { recursive: true, force: true });
  });
});
