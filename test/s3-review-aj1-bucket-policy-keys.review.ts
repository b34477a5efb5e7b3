/**
 * Review aj, against a real server (`startTestServer`, the gateway on 127.0.0.1) with the real `@aws-sdk/client-s3`
 * and, where installed, the aws CLI:
 * - 1: ListObjects(V2)'s condition keys are the parameters as sent. `prefix=` (empty: `aws s3 ls s3://bucket/`) is
 *   `s3:prefix` = `""`, so the User Guide's home-folder policy (`s3:prefix` in `["", "home/"]`) lets it list the top
 *   level; `s3:max-keys` is absent when not sent (it was always "1000") and the number asked when sent (it was capped).
 * - 2: GetBucketPolicy by another account's principal is refused even when the bucket policy grants it, as S3 refuses
 *   it (the caller must belong to the owner's account), and as Put/DeleteBucketPolicy already were.
 * - 3: PutBucketPolicy refuses a statement on another bucket or with a non-S3 action (MalformedPolicy "Policy has
 *   invalid resource" / "invalid action"), which was stored and applied nowhere; nothing is stored.
 * - 4: a HEAD answered 304 carries Last-Modified, as the GET's 304 does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import * as STS from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { App, Caller } from '../src/app/index.ts';
import { startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing } from './support/processes.ts';

const ACCT = '000000000000';
const OTHER = '111111111111';
const BUCKET = 'aj-data';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let app: App;
let rootCaller: Caller;
const clients: S3.S3Client[] = [];

function s3(credentials: Credentials = server.admin): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}
const keys = (r: S3.ListObjectsV2CommandOutput): string[] => [...(r.Contents ?? []).map((o) => o.Key ?? ''), ...(r.CommonPrefixes ?? []).map((p) => p.Prefix ?? '')];
const policy = (...st: object[]) => s3().send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: doc(...st) }));

let lister: Credentials;

before(async () => {
  server = await startTestServer();
  app = await server.openApp();
  const root = await app.authenticate(server.admin.accessKeyId);
  assert.ok(root.ok);
  rootCaller = root.value.caller;
  await s3().send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  for (const key of ['top.txt', 'home/alice/a.txt']) await s3().send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
  // A user with no identity policy: what it may list, the bucket policy alone says (same account, naming the user).
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'lister' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'lister' }));
  lister = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
});

describe('1: s3:prefix, s3:delimiter and s3:max-keys are the listing parameters as sent', () => {
  const LISTER = `arn:aws:iam::${ACCT}:user/lister`;

  it('the User Guide\'s home-folder policy: `prefix=` (the top level) and `home/` list, other prefixes and no prefix are refused', async () => {
    await policy({ Sid: 'ListTopAndHome', Effect: 'Allow', Principal: { AWS: LISTER }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringEquals: { 's3:prefix': ['', 'home/'], 's3:delimiter': ['/'] } } });
    const c = s3(lister);
    assert.deepEqual(keys(await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: '', Delimiter: '/' }))), ['top.txt', 'home/']);
    assert.deepEqual(keys(await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'home/', Delimiter: '/' }))), ['home/alice/']);
    assert.deepEqual((await c.send(new S3.ListObjectsCommand({ Bucket: BUCKET, Prefix: '', Delimiter: '/' }))).Contents?.map((o) => o.Key), ['top.txt']);
    assert.equal((await failure(c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'home/alice/', Delimiter: '/' })))).code, 'AccessDenied');
    // No prefix parameter at all: the key is absent, StringEquals is false (as in S3).
    assert.equal((await failure(c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' })))).code, 'AccessDenied');
  });

  it('`aws s3 ls s3://bucket/` (which sends `prefix=&delimiter=/`) lists the top level under that policy', { skip: awsCliMissing() ?? false }, async () => {
    await policy({ Sid: 'ListTopAndHome', Effect: 'Allow', Principal: { AWS: LISTER }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringEquals: { 's3:prefix': ['', 'home/'], 's3:delimiter': ['/'] } } });
    const env = { PATH: '/usr/bin:/bin', HOME: tmpdir(), AWS_ACCESS_KEY_ID: lister.accessKeyId, AWS_SECRET_ACCESS_KEY: lister.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const r = await awsCli(['--endpoint-url', server.running.s3Url, 's3', 'ls', `s3://${BUCKET}/`], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PRE home\//);
    assert.match(r.stdout, /top\.txt/);
  });

  it('s3:max-keys is absent when the request sends none, and the number asked when it does (not the page size served)', async () => {
    await policy(
      { Sid: 'List', Effect: 'Allow', Principal: { AWS: LISTER }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` },
      { Sid: 'SmallPages', Effect: 'Deny', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}`, Condition: { NumericGreaterThan: { 's3:max-keys': '1000' } } },
    );
    const c = s3(lister);
    // Without max-keys, a Deny on `s3:max-keys > 1000` does not apply (the key is absent; it was "1000", which passed only by luck at 1000).
    assert.deepEqual(keys(await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET }))).sort(), ['home/alice/a.txt', 'top.txt']);
    assert.equal((await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 1000 }))).KeyCount, 2);
    // 5000 asked: denied, as S3 decides on the value sent (the gateway served 1,000 and decided on 1,000).
    assert.equal((await failure(c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 5000 })))).code, 'AccessDenied');

    await policy(
      { Sid: 'List', Effect: 'Allow', Principal: { AWS: LISTER }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` },
      { Sid: 'PagesAtMost100', Effect: 'Deny', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}`, Condition: { NumericGreaterThan: { 's3:max-keys': '100' } } },
    );
    // Absent key: NumericGreaterThan is false, the Deny does not apply (it was "1000" and refused every plain listing).
    assert.equal((await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount, 2);
    assert.equal((await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 100 }))).KeyCount, 2);
    assert.equal((await failure(c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 101 })))).code, 'AccessDenied');
    await s3().send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
  });
});

describe('2 and 3: the bucket policy itself', () => {
  let partner: S3.S3Client;

  before(async () => {
    const created = await app.createAccount(rootCaller, { id: OTHER, partition: 'aws', name: 'partner' });
    assert.ok(created.ok, JSON.stringify(created));
    const otherKeys = { accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey };
    const otherIam = server.iam(otherKeys);
    const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'sts:AssumeRole' });
    await otherIam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: trust }));
    await otherIam.send(new I.PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    const session = (await server.sts(otherKeys).send(new STS.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/reader`, RoleSessionName: 'aj' }))).Credentials;
    partner = s3({ accessKeyId: session?.AccessKeyId ?? '', secretAccessKey: session?.SecretAccessKey ?? '', sessionToken: session?.SessionToken ?? '' });
  });

  it('2: another account\'s principal granted s3:Get* by the policy reads objects but not the policy; the owner does', async () => {
    await policy({ Sid: 'PartnerReads', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:role/reader` }, Action: 's3:Get*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] });
    assert.equal(await (await partner.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'top.txt' }))).Body?.transformToString(), 'top.txt');
    // Allowed by the policies, but not of the owner's account: 405 MethodNotAllowed, as S3 answers it (stop 27).
    const refused = await failure(partner.send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET })));
    assert.equal(refused.code, 'MethodNotAllowed');
    assert.equal(refused.status, 405);
    assert.doesNotMatch(refused.message, /PartnerReads|reader/);
    assert.match(JSON.parse((await s3().send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? '{}').Statement[0].Sid, /PartnerReads/);
    // Not allowed by the policies: 403 AccessDenied, as for anyone.
    await policy({ Sid: 'PartnerReadsObjects', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:role/reader` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` });
    const denied = await failure(partner.send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET })));
    assert.deepEqual([denied.code, denied.status], ['AccessDenied', 403]);
  });

  it('3: a statement on another bucket, a non-S3 ARN or a non-S3 action is MalformedPolicy, and the policy in force stays', async () => {
    const before = (await s3().send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy;
    const cases: [string, object, RegExp][] = [
      ['another bucket', { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::aj-dta/*' }, /^Policy has invalid resource: `arn:aws:s3:::aj-dta\/\*` \(Statement\[0\]\.Resource\)/],
      ['a bucket whose name only starts alike', { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: ['arn:aws:s3:::aj-data/*', 'arn:aws:s3:::aj-data2/*'] }, /invalid resource: `arn:aws:s3:::aj-data2\/\*`/],
      ['a non-S3 ARN', { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', NotResource: 'arn:aws:iam::000000000000:user/x' }, /invalid resource: .*NotResource/],
      ['a non-S3 action', { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 'iam:CreateUser'], Resource: `arn:aws:s3:::${BUCKET}/*` }, /^Policy has invalid action: `iam:CreateUser`/],
    ];
    for (const [what, statement, message] of cases) {
      const r = await failure(policy(statement));
      assert.equal(r.code, 'MalformedPolicy', what);
      assert.equal(r.status, 400, what);
      assert.match(r.message, message, what);
      assert.equal((await s3().send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy, before, what);
    }
    // What governs the bucket is accepted: its ARN, its objects, `*`, a wildcard covering the bucket, S3 actions of any case.
    await policy(
      { Sid: 'A', Effect: 'Deny', Principal: '*', Action: ['S3:getobject', 's3:*'], Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`, 'arn:aws:s3:::aj-*/private/*'], Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
      { Sid: 'B', Effect: 'Deny', Principal: '*', NotAction: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
    );
  });
});

describe('4: conditional HEAD', () => {
  it('a HEAD answered 304 (If-None-Match, If-Modified-Since) carries ETag and Last-Modified, as the GET does', async () => {
    const head = await s3().send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'top.txt' }));
    for (const [what, headers] of [
      ['If-None-Match', { 'if-none-match': head.ETag ?? '' }],
      // The object's Last-Modified, not a date ahead of the clock, which S3 ignores (review qj, 1).
      ['If-Modified-Since', { 'if-modified-since': head.LastModified?.toUTCString() ?? '' }],
    ] as const) {
      for (const method of ['HEAD', 'GET']) {
        const command = method === 'HEAD' ? new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'top.txt' }) : new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'top.txt' });
        const url = await getSignedUrl(s3(), command, { expiresIn: 60 });
        const r = await fetch(url, { method, headers });
        assert.equal(r.status, 304, `${method} ${what}`);
        assert.equal(r.headers.get('etag'), head.ETag, `${method} ${what}`);
        assert.equal(r.headers.get('last-modified'), head.LastModified?.toUTCString(), `${method} ${what}`);
        assert.equal(await r.text(), '');
      }
    }
  });
});
