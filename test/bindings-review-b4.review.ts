/**
 * Review B4 (fixed in src/app/authorize.ts `decideFor`): the authorize API takes a
 * bindings permission as the action (`storage.objects.get`), and the IAM engine then matches no statement that names
 * the same request as `s3:GetObject`, so an explicit deny of `s3:GetObject` does not apply and a binding allows:
 * `ExplicitDeny` for `s3:GetObject`, `Allow` for `storage.objects.get`, on the same object, for the same caller,
 * while the S3 gateway refuses the read. Explicit deny must win whatever the spelling. The fix needed:
 * decide the question also as each action of `actionsForPermission(permission)` (src/core/bindings/actions.ts) for
 * explicit denies only, as `roleQuestions` does for the other dialect's spelling of PassRole.
 * Real server, AWS SDK v3 IAM and S3 clients, SigV4-signed /v1/authorize.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, sdkFailure, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';

let server: TestServer;
let bob: Credentials;
const clients: { destroy(): void }[] = [];

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
  bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'no-secret', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::secret/*' }] }) }));
  const s3 = new S3.S3Client({ endpoint: server.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  clients.push(s3);
  await s3.send(new S3.CreateBucketCommand({ Bucket: 'secret' }));
  await s3.send(new S3.PutObjectCommand({ Bucket: 'secret', Key: 'a.txt', Body: 'x' }));
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: `account/${A}`, bindings: [{ role: 'roles/storage.objectViewer', members: ['user:bob'] }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
});

const ask = async (action: string): Promise<string> => {
  const r = await gatehouseJson(server.url, bob, 'POST', '/v1/authorize', { action, resource: 'arn:aws:s3:::secret/a.txt' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

test('enforcement and the IAM spelling refuse the read with an explicit deny', async () => {
  const s3 = new S3.S3Client({ endpoint: server.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials: bob, maxAttempts: 1 });
  clients.push(s3);
  assert.equal((await sdkFailure(s3.send(new S3.GetObjectCommand({ Bucket: 'secret', Key: 'a.txt' })))).code, 'AccessDenied');
  assert.equal(await ask('s3:GetObject'), 'ExplicitDeny');
});

test('the same question in the bindings spelling is an explicit deny too', async () => {
  assert.equal(await ask('storage.objects.get'), 'ExplicitDeny');
});
