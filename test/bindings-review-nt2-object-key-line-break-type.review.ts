/**
 * Review nt, 2: a condition's `resource.type` and `resource.service` are, for every object, `storage.gatehouse.dev/Object`
 * and `storage.gatehouse.dev` (docs/semantics.md, "Conditions are a documented subset of CEL"; src/core/bindings/names.ts
 * `resourceAttributes`, "the service is the prefix of its permissions… objects and buckets: `storage`"). S3 and OSS keys
 * are any UTF-8, a line break included (the S3 gateway reads such a key, and names the request
 * `arn:aws:s3:::<bucket>/<key>` with it). `resourceAttributes` recognised an object's ARN with `.`, which stops at a line
 * break, so an object whose key holds one had no type and no service: a binding under
 * `resource.type == "storage.gatehouse.dev/Object"` failed to evaluate ("no value for `resource.type`… the type of this
 * resource is unknown") and the reader it grants was refused that object, through the S3 gateway and the authorize API.
 *
 * Real server, AWS SDK v3 IAM and S3 clients, SigV4-signed /v1/authorize.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const KEY = 'notes/day\n1.txt';

let server: TestServer;
let bob: Credentials;
const clients: { destroy(): void }[] = [];
const s3 = (credentials: Credentials): S3.S3Client => {
  const c = new S3.S3Client({ endpoint: server.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
  bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const admin = s3(server.admin);
  await admin.send(new S3.CreateBucketCommand({ Bucket: 'nt2-notes' }));
  await admin.send(new S3.PutObjectCommand({ Bucket: 'nt2-notes', Key: KEY, Body: 'line' }));
  await admin.send(new S3.PutObjectCommand({ Bucket: 'nt2-notes', Key: 'notes/day2.txt', Body: 'plain' }));
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: 'arn:aws:s3:::nt2-notes',
    bindings: [{ role: 'roles/storage.objectViewer', members: ['user:bob'], condition: { title: 'objects only', expression: 'resource.type == "storage.gatehouse.dev/Object" && resource.service == "storage.gatehouse.dev"' } }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
});

test('the S3 gateway lets the reader bound under `resource.type == …/Object` read an object whose key holds a line break', async () => {
  const client = s3(bob);
  assert.equal(await (await client.send(new S3.GetObjectCommand({ Bucket: 'nt2-notes', Key: 'notes/day2.txt' }))).Body?.transformToString(), 'plain');
  assert.equal(await (await client.send(new S3.GetObjectCommand({ Bucket: 'nt2-notes', Key: KEY }))).Body?.transformToString(), 'line');
});

test('the authorize API answers Allow for it, with no condition that failed to evaluate', async () => {
  const r = await gatehouseJson(server.url, bob, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: `arn:aws:s3:::nt2-notes/${KEY}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
  assert.ok(!JSON.stringify(r.json['diagnostics']).includes('failed to evaluate'), JSON.stringify(r.json['diagnostics']));
});
