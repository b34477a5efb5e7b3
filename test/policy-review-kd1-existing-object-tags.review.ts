/**
 * Review kd, 1, against a real server with the real `@aws-sdk/client-s3`: the authorize API (and POST /v1/simulate)
 * decides `s3:ExistingObjectTag/<key>` from the object's stored tags where the S3 gateway holds the object, as the
 * gateway decides the request itself.
 *
 * What was wrong: the question's `context` was taken as it came, `s3:ExistingObjectTag/*` included. Asked about an
 * object of a bucket Gatehouse stores, the answer followed the tags the asker wrote, not the object's: under the usual
 * ABAC grant (`s3:GetObject` when `s3:ExistingObjectTag/team` is `eng`) a question carrying `team: eng` about the
 * finance team's object was answered Allow, where the gateway refuses that very GetObject; a Deny on
 * `s3:ExistingObjectTag/classification` was lifted by leaving the tag out; and a question without tags about the
 * team's own object was refused, where the gateway allows it. The directory's users, roles and policies already had
 * their real tags win (review I, I2; review jk, 4); an object did not.
 *
 * What is now so: on an object ARN of a bucket the gateway holds, the asker's `s3:ExistingObjectTag/*` keys are
 * replaced by the object's stored tags for the actions S3 gives that key to (GetObject, the ACL and tagging actions and
 * their Version forms), dropped for the others (PutObject, DeleteObject: S3 gives them none) and for a missing object;
 * a note names the keys replaced, and a condition miss does not quote the object's tag value (reading tags takes
 * s3:GetObjectTagging). On a bucket Gatehouse does not hold the asker's tags are still the only ones there are; nor
 * on a bucket of another account than the principal's asked about (as the directory's tags: review I, I2): another
 * account's object tags are its own to read, and a question whose conditions held or not on them would tell them.
 *
 * Before the fix 5 of 7 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { createdAccount, startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const BUCKET = 'kd1-data';
const ALICE = 'arn:aws:iam::000000000000:user/kd1-alice';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let alice: Credentials;
const clients: S3.S3Client[] = [];

function s3(credentials: Credentials = server.admin): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

interface Answer { decision: string; diagnostics: string[]; reasons: string[] }
async function ask(action: string, key: string, context?: Record<string, unknown>, path = '/v1/authorize', bucket = BUCKET): Promise<Answer> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', path, { principal: ALICE, action, resource: `arn:aws:s3:::${bucket}/${key}`, ...(context ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
}

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'kd1-alice' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'kd1-alice',
    PolicyName: 'abac',
    PolicyDocument: doc(
      { Sid: 'Team', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObject', 's3:DeleteObject'], Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'eng' } } },
      { Sid: 'Theirs', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::kd1-theirs/*', Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'eng' } } },
      { Sid: 'Secret', Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'secret' } } },
    ),
  }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'kd1-alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await s3().send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await s3().send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'finance/plan', Body: 'f', Tagging: 'team=finance' }));
  await s3().send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'eng/design', Body: 'e', Tagging: 'team=eng' }));
  await s3().send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'eng/secret', Body: 's', Tagging: 'team=eng&classification=secret' }));
  const theirs = s3(await createdAccount(server, '222233334444', 'kd1-theirs'));
  await theirs.send(new S3.CreateBucketCommand({ Bucket: 'kd1-theirs' }));
  await theirs.send(new S3.PutObjectCommand({ Bucket: 'kd1-theirs', Key: 'eng/design', Body: 't', Tagging: 'team=finance' }));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
});

describe('kd1: s3:ExistingObjectTag comes from the object Gatehouse stores', () => {
  it('a question carrying another team\'s tag about the finance object is refused, as the gateway refuses the GetObject', async () => {
    assert.equal((await failure(s3(alice).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'finance/plan' })))).code, 'AccessDenied');
    const a = await ask('s3:GetObject', 'finance/plan', { 's3:ExistingObjectTag/team': 'eng' });
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.ok(a.diagnostics.some((d) => d.includes('`s3:ExistingObjectTag/team`') && d.includes('replaced')), JSON.stringify(a.diagnostics));
    // The object's own tag value is not told (reading it takes s3:GetObjectTagging).
    assert.ok(!JSON.stringify(a).includes('finance`'), JSON.stringify(a.diagnostics));
    const sim = await ask('s3:GetObject', 'finance/plan', { 's3:ExistingObjectTag/team': 'eng' }, '/v1/simulate');
    assert.equal(sim.decision, 'ImplicitDeny', JSON.stringify(sim));
  });

  it('leaving the classification tag out does not lift the Deny the object\'s tag brings', async () => {
    assert.equal((await failure(s3(alice).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'eng/secret' })))).code, 'AccessDenied');
    const a = await ask('s3:GetObject', 'eng/secret', { 's3:ExistingObjectTag/team': 'eng' });
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
  });

  it('a question without tags about the team\'s own object is allowed, as the gateway allows the GetObject', async () => {
    assert.equal(await (await s3(alice).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'eng/design' }))).Body?.transformToString(), 'e');
    assert.equal((await ask('s3:GetObject', 'eng/design')).decision, 'Allow');
    assert.equal((await ask('s3:GetObjectTagging', 'eng/design', { 's3:ExistingObjectTag/team': 'finance' })).decision, 'Allow');
  });

  it('actions S3 decides without the key (PutObject, DeleteObject) and a missing object drop the asker\'s tags', async () => {
    assert.equal((await failure(s3(alice).send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'eng/design' })))).code, 'AccessDenied');
    for (const action of ['s3:DeleteObject', 's3:PutObject']) {
      const a = await ask(action, 'eng/design', { 's3:ExistingObjectTag/team': 'eng' });
      assert.equal(a.decision, 'ImplicitDeny', `${action}: ${JSON.stringify(a)}`);
    }
    assert.equal((await ask('s3:GetObject', 'eng/none-yet', { 's3:ExistingObjectTag/team': 'eng' })).decision, 'ImplicitDeny');
  });

  it('a batch decides each question with the object\'s tags', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', { requests: [
      { principal: ALICE, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/finance/plan`, context: { 's3:ExistingObjectTag/team': 'eng' } },
      { principal: ALICE, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/eng/design` },
    ] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual((r.json['results'] as Answer[]).map((x) => x.decision), ['ImplicitDeny', 'Allow']);
  });

  it('on a bucket Gatehouse does not hold, the asker\'s tags are the only ones there are', async () => {
    const other = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::kd1-elsewhere/x', context: { 's3:ExistingObjectTag/team': 'eng' } });
    assert.equal(other.status, 200, JSON.stringify(other.json));
    // The Team statement names this bucket only; ask with a policy-free check that the tag was read: Deny on secret.
    const secret = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::kd1-elsewhere/x', context: { 's3:ExistingObjectTag/classification': 'secret' } });
    assert.equal((secret.json as unknown as Answer).decision, 'ExplicitDeny', JSON.stringify(secret.json));
  });

  it('on a bucket of another account, the asker\'s tags are decided with, and that account\'s tags are not told', async () => {
    const a = await ask('s3:GetObject', 'eng/design', { 's3:ExistingObjectTag/team': 'eng' }, '/v1/authorize', 'kd1-theirs');
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.ok(!a.diagnostics.some((d) => d.includes('replaced') || d.includes('object’s value')), JSON.stringify(a.diagnostics));
    // Its condition held on the asker's value: whether it holds on the object's (team=finance) is not told.
    assert.ok(!a.diagnostics.some((d) => d.includes('(Theirs)')), JSON.stringify(a.diagnostics));
  });
});
