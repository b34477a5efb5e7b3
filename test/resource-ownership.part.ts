/**
 * Whose a resource is (DESIGN.md "Resource ownership"): a bucket belongs to the account whose principal created it
 * through the S3 gateway, and that holds everywhere, not only in the gateway. Another account cannot attach a
 * policy to it (admin API, `gatehouse apply`), and the authorize API decides a question about it as the gateway
 * does: a principal of another account needs the bucket's policy as well as its own. Buckets created before owners
 * were recorded get theirs at the next start.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { DatabaseSync } from 'node:sqlite';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { connectionTo, keysOf } from './support/processes.ts';
import { call } from '../src/adapters/cli/client.ts';

const B = '222233334444';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let bAdmin: Credentials;
let carol: Credentials;
const carolArn = `arn:aws:iam::${B}:user/carol`;
const clients: { destroy(): void }[] = [];

function s3(url: string, credentials: Credentials): S3.S3Client {
  const c = new S3.S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

async function carolMay(url: string, action: string, resource: string): Promise<string> {
  // B's admin asks about B's own user: allowed to ask whatever the resource (a resource server of account B).
  const r = await gatehouseJson(url, bAdmin, 'POST', '/v1/authorize', { principal: carolArn, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
}

before(async () => {
  server = await startTestServer({ keepDir: true });
  const created = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws', name: 'partner' });
  assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.status));
  bAdmin = { accessKeyId: created.json['AccessKeyId'] as string, secretAccessKey: created.json['SecretAccessKey'] as string };
  const iam = server.iam(bAdmin);
  await iam.send(new I.CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'all-s3', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'carol' }));
  carol = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  // The root account creates a bucket through the gateway, with an object and a policy of its own.
  const root = s3(server.running.s3Url ?? '', server.admin);
  await root.send(new S3.CreateBucketCommand({ Bucket: 'abucket' }));
  await root.send(new S3.PutObjectCommand({ Bucket: 'abucket', Key: 'data/x', Body: 'x' }));
  await root.send(new S3.PutBucketPolicyCommand({ Bucket: 'abucket', Policy: doc({ Sid: 'Mine', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::abucket/*' }) }));
});
after(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
  const { rm } = await import('node:fs/promises');
  await rm(server.dataDir, { recursive: true, force: true });
});

describe('a bucket is its creator’s account’s', () => {
  it('another account cannot attach a policy to it, on the bucket or under it, through the admin API or apply', async () => {
    for (const resource of ['arn:aws:s3:::abucket', 'arn:aws:s3:::abucket/data']) {
      const r = await gatehouseJson(server.url, bAdmin, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document: doc({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::abucket/*' }) });
      assert.equal(r.status, 403, JSON.stringify(r.json));
      assert.match(JSON.stringify(r.json), /belongs to account 000000000000/);
    }
    const file = join(server.dataDir, 'takeover.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: ResourcePolicy', 'metadata: {name: takeover}', 'spec:', '  resource: arn:aws:s3:::abucket', '  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::abucket/*"}]}', ''].join('\n'));
    const applied = await gatehouseCliInProcess(['apply', '-f', file], keysOf({ AccessKeyId: bAdmin.accessKeyId, SecretAccessKey: bAdmin.secretAccessKey }), { endpoint: server.url, home: server.dataDir });
    assert.notEqual(applied.code, 0, applied.stdout);
    assert.match(applied.stderr, /belongs to account 000000000000, not 222233334444/);
    // Nor an IAM policy (bindings): the owner's account decides who may set one.
    const bound = await gatehouseJson(server.url, bAdmin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::abucket', bindings: [{ role: 'roles/storage.objectAdmin', members: ['allUsers'] }] });
    assert.equal(bound.status, 403, JSON.stringify(bound.json));
    const anonymous = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: 'anonymous', action: 's3:DeleteObject', resource: 'arn:aws:s3:::abucket/data/x' });
    assert.notEqual(anonymous.json['decision'], 'Allow', JSON.stringify(anonymous.json));
    const bindingsFile = join(server.dataDir, 'takeover-bindings.yaml');
    await writeFile(bindingsFile, ['apiVersion: gatehouse.dev/v1', 'kind: IamPolicy', 'metadata: {name: takeover}', 'spec:', '  resource: arn:aws:s3:::abucket', '  bindings: [{role: roles/storage.objectAdmin, members: [allUsers]}]', ''].join('\n'));
    const appliedBindings = await gatehouseCliInProcess(['apply', '-f', bindingsFile], keysOf({ AccessKeyId: bAdmin.accessKeyId, SecretAccessKey: bAdmin.secretAccessKey }), { endpoint: server.url, home: server.dataDir });
    assert.notEqual(appliedBindings.code, 0, appliedBindings.stdout);
    assert.match(appliedBindings.stderr, /resource arn:aws:s3:::abucket belongs to account 000000000000, not 222233334444/);
    // The owner's policy is untouched, as S3 reads it.
    const policy = await s3(server.running.s3Url ?? '', server.admin).send(new S3.GetBucketPolicyCommand({ Bucket: 'abucket' }));
    assert.match(policy.Policy ?? '', /"Sid":"Mine"/);
  });

  it('the authorize API decides a question about it as the gateway does: another account needs the bucket’s policy too', async () => {
    // carol's own policy allows s3:* on *, but the bucket is account 000000000000's and its policy names no one.
    assert.equal(await carolMay(server.url, 's3:GetObject', 'arn:aws:s3:::abucket/data/x'), 'ImplicitDeny');
    const refused = await s3(server.running.s3Url ?? '', carol)
      .send(new S3.GetObjectCommand({ Bucket: 'abucket', Key: 'data/x' }))
      .then(() => 'read', (e: { name?: string }) => e.name);
    assert.equal(refused, 'AccessDenied', 'the gateway agrees');
    // The owner names carol: both agree again.
    await s3(server.running.s3Url ?? '', server.admin).send(
      new S3.PutBucketPolicyCommand({ Bucket: 'abucket', Policy: doc({ Sid: 'Mine', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::abucket/*' }, { Sid: 'Carol', Effect: 'Allow', Principal: { AWS: carolArn }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::abucket/*' }) }),
    );
    assert.equal(await carolMay(server.url, 's3:GetObject', 'arn:aws:s3:::abucket/data/x'), 'Allow');
    const read = await s3(server.running.s3Url ?? '', carol).send(new S3.GetObjectCommand({ Bucket: 'abucket', Key: 'data/x' }));
    assert.equal(await read.Body?.transformToString(), 'x');
    // A bucket of carol's own account: her identity policy alone decides.
    await s3(server.running.s3Url ?? '', carol).send(new S3.CreateBucketCommand({ Bucket: 'bbucket' }));
    assert.equal(await carolMay(server.url, 's3:GetObject', 'arn:aws:s3:::bbucket/k'), 'Allow');
  });

  it('policies another account attached to a name before its bucket existed go when it is created; a deleted bucket’s go with it', async () => {
    const root = s3(server.running.s3Url ?? '', server.admin);
    const claim = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::future/*' }] };
    // B claims the name first: nobody owns it yet, so this is allowed (and would be B's if B created the bucket).
    const asB = connectionTo(server.url, keysOf({ AccessKeyId: bAdmin.accessKeyId, SecretAccessKey: bAdmin.secretAccessKey }));
    const rp = await call(asB, 'PUT', ['resource-policies', 'arn:aws:s3:::future'], { body: { document: claim } });
    assert.ok(rp.ok, JSON.stringify(rp));
    const ip = await gatehouseJson(server.url, bAdmin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::future', bindings: [{ role: 'roles/storage.objectAdmin', members: ['allAuthenticatedUsers'] }] });
    assert.equal(ip.status, 200, JSON.stringify(ip.json));
    // The root account creates the bucket: B's claims go, and the owner manages its bucket's IAM policy.
    await root.send(new S3.CreateBucketCommand({ Bucket: 'future' }));
    const gone = await call(asB, 'GET', ['resource-policies', 'arn:aws:s3:::future']);
    assert.ok(!gone.ok && gone.status !== undefined, JSON.stringify(gone));
    assert.match(JSON.stringify(gone), /no resource policy on arn:aws:s3:::future/);
    const read = await call<{ bindings?: unknown[] }>(connectionTo(server.url, keysOf({ AccessKeyId: server.admin.accessKeyId, SecretAccessKey: server.admin.secretAccessKey })), 'GET', ['iam-policies'], { query: { resource: 'arn:aws:s3:::future' } });
    assert.ok(read.ok, JSON.stringify(read));
    assert.deepEqual(read.value.bindings ?? [], []);
    const mine = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::future', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:admin'] }] });
    assert.equal(mine.status, 200, JSON.stringify(mine.json));
    // Deleted, the bucket takes its IAM policy with it: B creating the name next starts clean, and manages it.
    await root.send(new S3.DeleteBucketCommand({ Bucket: 'future' }));
    await s3(server.running.s3Url ?? '', bAdmin).send(new S3.CreateBucketCommand({ Bucket: 'future' }));
    const theirs = await gatehouseJson(server.url, bAdmin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::future', bindings: [{ role: 'roles/storage.objectViewer', members: ['allAuthenticatedUsers'] }] });
    assert.equal(theirs.status, 200, JSON.stringify(theirs.json));
  });

  it('a bucket created before owners were recorded gets its owner at the next start', async () => {
    await server.stopServer();
    // As a data dir of an earlier version: the bucket on disk, no owner record.
    const db = new DatabaseSync(join(server.dataDir, 'gatehouse.db'));
    const removed = db.prepare("DELETE FROM kv WHERE kv_key = 'bucket-owner/abucket'").run();
    db.close();
    assert.equal(removed.changes, 1, 'the owner was recorded at CreateBucket');
    const logs: string[] = [];
    const again: RunningServer = await startServer({ dataDir: server.dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: (l) => void logs.push(l) });
    try {
      assert.ok(logs.some((l) => /recorded the owner of 1 bucket/.test(l)), logs.join('\n'));
      const r = await gatehouseJson(again.url, bAdmin, 'POST', '/v1/authorize', { principal: carolArn, action: 's3:PutObject', resource: 'arn:aws:s3:::abucket/data/y' });
      assert.equal(r.json['decision'], 'ImplicitDeny', JSON.stringify(r.json));
    } finally {
      await again.stop();
    }
  });
});
