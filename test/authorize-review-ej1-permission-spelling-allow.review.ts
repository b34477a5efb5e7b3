/**
 * Review ej, 1 (fixed in src/app/authorize.ts `decideFor`). A question in the bindings' spelling (`storage.objects.get`,
 * `iam.serviceAccounts.actAs`) is the same request as the IAM actions that need the permission (docs/semantics.md,
 * "GCP-style bindings"; review B4 made their explicit denies apply). But IAM's *allow* was decided on the permission's
 * own spelling, which names no service an IAM statement can name: only `Action: "*"` or a `NotAction` matched it. So a
 * `NotAction` statement allowed the permission of the very actions it leaves out. AWS's PowerUserAccess (`Allow`,
 * `NotAction: [iam:*, organizations:*, account:*]`, reference §A.1.4: "NotAction … grants all other actions") was
 * answered Allow for `iam.serviceAccounts.actAs` and `iam.serviceAccounts.delete` on a role, while `iam:PassRole` and
 * `iam:DeleteRole` were ImplicitDeny and jobs refuse to let it pass the role; a user allowed everything but `s3:*` was
 * answered Allow for `storage.objects.get` on an object the S3 gateway refuses it.
 *
 * Now IAM allows a question in the bindings' spelling only when it allows each IAM action that needs the permission
 * (as each must pass the limits that cut a binding's grant, review ai, 6); the answer says which one it does not allow.
 * `/v1/authorize`, `/v1/authorize:batch` and `/v1/simulate`. Real server (SQLite), AWS SDK v3 IAM and S3 clients,
 * SigV4-signed /v1/ calls. Before the fix, 3 of the 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const ROLE = `arn:aws:iam::${A}:role/trainer`;
const OBJECT = 'arn:aws:s3:::ej1-data/a.txt';
const POWER = `arn:aws:iam::${A}:user/power`;
const NO_S3 = `arn:aws:iam::${A}:user/nos3`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let noS3: Credentials;
const clients: { destroy(): void }[] = [];

type Answer = { decision?: string; diagnostics?: string[]; deniedBy?: string };

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  // AWS's PowerUserAccess.
  await iam.send(new I.CreateUserCommand({ UserName: 'power' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'power', PolicyName: 'power-user', PolicyDocument: doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }) }));
  // Everything but object storage.
  await iam.send(new I.CreateUserCommand({ UserName: 'nos3' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'nos3', PolicyName: 'no-s3', PolicyDocument: doc({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'nos3' }));
  noS3 = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const s3 = new S3.S3Client({ endpoint: server.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  clients.push(s3);
  await s3.send(new S3.CreateBucketCommand({ Bucket: 'ej1-data' }));
  await s3.send(new S3.PutObjectCommand({ Bucket: 'ej1-data', Key: 'a.txt', Body: 'x' }));
});
after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
});

const ask = async (path: string, principal: string, action: string, resource: string): Promise<Answer> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', path, { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as Answer;
};

test('PowerUserAccess may not pass or delete a role, in either spelling', async () => {
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    assert.equal((await ask(path, POWER, 'iam:PassRole', ROLE)).decision, 'ImplicitDeny', path);
    const actAs = await ask(path, POWER, 'iam.serviceAccounts.actAs', ROLE);
    assert.equal(actAs.decision, 'ImplicitDeny', `${path}: ${JSON.stringify(actAs)}`);
    assert.equal(actAs.deniedBy, 'identity', JSON.stringify(actAs));
    assert.ok(actAs.diagnostics?.some((d) => d.includes('`iam:PassRole` (the same request in IAM’s spelling of `iam.serviceAccounts.actAs`) is not allowed')), JSON.stringify(actAs));
    assert.equal((await ask(path, POWER, 'iam:DeleteRole', ROLE)).decision, 'ImplicitDeny', path);
    assert.equal((await ask(path, POWER, 'iam.serviceAccounts.delete', ROLE)).decision, 'ImplicitDeny', path);
  }
});

test('a user allowed everything but s3:* is refused the object in both spellings, as the S3 gateway refuses it', async () => {
  const s3 = new S3.S3Client({ endpoint: server.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials: noS3, maxAttempts: 1 });
  clients.push(s3);
  assert.equal((await sdkFailure(s3.send(new S3.GetObjectCommand({ Bucket: 'ej1-data', Key: 'a.txt' })))).code, 'AccessDenied');
  assert.equal((await ask('/v1/authorize', NO_S3, 's3:GetObject', OBJECT)).decision, 'ImplicitDeny');
  assert.equal((await ask('/v1/authorize', NO_S3, 'storage.objects.get', OBJECT)).decision, 'ImplicitDeny');
});

test('each item of a batch is decided the same way', async () => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', {
    requests: [
      { principal: POWER, action: 'iam.serviceAccounts.actAs', resource: ROLE },
      { principal: NO_S3, action: 'storage.objects.get', resource: OBJECT },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual((r.json['results'] as Answer[]).map((a) => a.decision), ['ImplicitDeny', 'ImplicitDeny'], JSON.stringify(r.json));
});

test('what IAM allows in its own spelling it still allows in the bindings’ spelling', async () => {
  // The account's root user and an administrator (`Action: *`) may do both; the power user may read the object.
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'admin2' }));
  await iam.send(new I.AttachUserPolicyCommand({ UserName: 'admin2', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  for (const who of [`arn:aws:iam::${A}:user/admin2`, `arn:aws:iam::${A}:root`]) {
    assert.equal((await ask('/v1/authorize', who, 'iam.serviceAccounts.actAs', ROLE)).decision, 'Allow', who);
    assert.equal((await ask('/v1/authorize', who, 'storage.objects.get', OBJECT)).decision, 'Allow', who);
  }
  assert.equal((await ask('/v1/authorize', POWER, 'storage.objects.get', OBJECT)).decision, 'Allow');
});
