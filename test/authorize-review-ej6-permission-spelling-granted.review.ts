/**
 * Review ej, 6 (src/app/authorize.ts `decideFor`, src/core/bindings/actions.ts `actionsForPermissionOn`). IAM decided a
 * question in the bindings' spelling (`storage.objects.get`) on the permission's own spelling first, which names no
 * service a statement can name; review ej, 1 then took IAM's allow away where an IAM action needing the permission was
 * not allowed, but never gave one where each was. So a user whose policy allows `s3:GetObject` on a bucket was refused
 * `storage.objects.get` on its objects, and so was an administrator (`Action: *`) within a permissions boundary allowing
 * `s3:GetObject`, where the S3 gateway lets both read: the same request, answered two ways (docs/semantics.md, "GCP-style
 * bindings": a question in that spelling is the same request as the IAM actions that need the permission). And the
 * IAM actions were every cloud's: a Deny of `oss:*` refused `storage.objects.get` on an S3 object, which no `oss:`
 * request ever reaches.
 *
 * Now IAM decides such a question as the IAM actions of the resource's service that need the permission: an explicit
 * deny of one applies, and IAM allows it where it allows each of them, saying which one decided. `/v1/authorize`,
 * `/v1/authorize:batch` and `/v1/simulate`; the S3 gateway read with SDK v3 shows what enforcement answers. Real server
 * (SQLite). Before the fix, 4 of the 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const OBJECT = 'arn:aws:s3:::ej6-data/a.txt';
const READER = `arn:aws:iam::${A}:user/reader`;
const BOUNDED = `arn:aws:iam::${A}:user/bounded`;
const NO_OSS = `arn:aws:iam::${A}:user/nooss`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
const keys = new Map<string, Credentials>();
const clients: { destroy(): void }[] = [];

type Answer = { decision?: string; diagnostics?: string[]; matched?: { policy?: string; effect?: string }[] };

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  const user = async (name: string, policy: string): Promise<void> => {
    await iam.send(new I.CreateUserCommand({ UserName: name }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: `${name}-policy`, PolicyDocument: policy }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: name }));
    keys.set(name, { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' });
  };
  await user('reader', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ej6-data/*' }));
  await user('bounded', doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
  const boundary = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'ej6-read-only', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
  await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: boundary.Policy?.Arn ?? '' }));
  await user('nooss', doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'oss:*', Resource: '*' }));
  const s3 = new S3.S3Client({ endpoint: server.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  clients.push(s3);
  await s3.send(new S3.CreateBucketCommand({ Bucket: 'ej6-data' }));
  await s3.send(new S3.PutObjectCommand({ Bucket: 'ej6-data', Key: 'a.txt', Body: 'x' }));
});
after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
});

const ask = async (path: string, principal: string, action: string, resource = OBJECT): Promise<Answer> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', path, { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as Answer;
};

/** What the S3 gateway answers `name` reading or deleting the object: 'ok' or the error's code. */
async function gateway(name: string, op: 'get' | 'delete'): Promise<string> {
  const s3 = new S3.S3Client({ endpoint: server.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials: keys.get(name) as Credentials, maxAttempts: 1 });
  clients.push(s3);
  const call = op === 'get' ? s3.send(new S3.GetObjectCommand({ Bucket: 'ej6-data', Key: 'a.txt' })) : s3.send(new S3.DeleteObjectCommand({ Bucket: 'ej6-data', Key: 'missing.txt' }));
  const f = await sdkFailure(call);
  return f.code === 'no error' ? 'ok' : f.code;
}

test('a policy allowing s3:GetObject allows storage.objects.get on the object, as the S3 gateway lets it read', async () => {
  assert.equal(await gateway('reader', 'get'), 'ok');
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    const a = await ask(path, READER, 'storage.objects.get');
    assert.equal(a.decision, 'Allow', `${path}: ${JSON.stringify(a)}`);
    assert.ok(a.matched?.some((m) => m.policy === 'user/reader/reader-policy' && m.effect === 'Allow'), JSON.stringify(a));
    assert.ok(a.diagnostics?.some((d) => d.includes('`s3:GetObject` (the same request in IAM’s spelling of `storage.objects.get`) is allowed')), JSON.stringify(a));
  }
});

test('Action * within a boundary allowing s3:GetObject: the read allowed in both spellings, the delete in neither', async () => {
  assert.equal(await gateway('bounded', 'get'), 'ok');
  assert.equal(await gateway('bounded', 'delete'), 'AccessDenied');
  assert.equal((await ask('/v1/authorize', BOUNDED, 's3:GetObject')).decision, 'Allow');
  assert.equal((await ask('/v1/authorize', BOUNDED, 'storage.objects.get')).decision, 'Allow');
  assert.equal((await ask('/v1/authorize', BOUNDED, 's3:DeleteObject')).decision, 'ImplicitDeny');
  assert.equal((await ask('/v1/authorize', BOUNDED, 'storage.objects.delete')).decision, 'ImplicitDeny');
});

test('a Deny of oss:* does not refuse storage.objects.get on an S3 object, and still refuses it on an OSS one', async () => {
  assert.equal(await gateway('nooss', 'get'), 'ok');
  assert.equal((await ask('/v1/authorize', NO_OSS, 'storage.objects.get')).decision, 'Allow');
  assert.equal((await ask('/v1/authorize', NO_OSS, 'storage.objects.get', 'acs:oss:*:*:ej6-data/a.txt')).decision, 'ExplicitDeny');
});

test('each item of a batch is decided the same way, and what IAM refuses in its own spelling stays refused', async () => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', {
    requests: [
      { principal: READER, action: 'storage.objects.get', resource: OBJECT },
      { principal: READER, action: 'storage.objects.delete', resource: OBJECT },
      { principal: READER, action: 'storage.objects.get', resource: 'arn:aws:s3:::other/a.txt' },
      { principal: BOUNDED, action: 'storage.objects.create', resource: OBJECT },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual((r.json['results'] as Answer[]).map((a) => a.decision), ['Allow', 'ImplicitDeny', 'ImplicitDeny', 'ImplicitDeny'], JSON.stringify(r.json));
});
