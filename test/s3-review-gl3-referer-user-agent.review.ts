/**
 * Review gl, 3, against a real server with the real `@aws-sdk/client-s3`: the S3 gateway puts `aws:Referer` (when the
 * request carries a Referer header) and `aws:UserAgent` (its User-Agent) in its decisions, as S3 does.
 *
 * What was wrong: neither key was in any request. The S3 User Guide's bucket policy "restricting access to a specific
 * HTTP referer" denies `s3:GetObject` to `Principal: "*"` when `StringNotLike aws:Referer [site]`: with the key absent,
 * the negated operator holds, so that Deny refused every read, the site's own pages included, and its Allow form
 * (`StringLike aws:Referer`) granted nothing. Likewise a policy keyed on `aws:UserAgent` (AWS: "always included in the
 * request context") never saw the client's.
 *
 * What is now so: `aws:Referer` is the Referer header, when sent; `aws:UserAgent` the User-Agent header, when sent. Both
 * are the client's word, as AWS warns; they only let such policies mean what they say.
 *
 * Before the fix, the reads from the site's pages were refused AccessDenied and the Allow by user agent was refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { adminS3Client, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'gl3-site-assets';
const OBJECTS = `arn:aws:s3:::${BUCKET}/*`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let admin: S3.S3Client;
const clients: S3.S3Client[] = [];

/** A client of `credentials` whose requests carry these headers (after signing, as a browser adds them). */
function s3(credentials: Credentials, headers: Record<string, string> = {}): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  c.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      Object.assign(request.headers, headers);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'gl3Headers' },
  );
  clients.push(c);
  return c;
}

async function user(name: string, policy?: string): Promise<Credentials> {
  const credentials = await userWithKey(server, name);
  if (policy !== undefined) await server.iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy }));
  return credentials;
}

const read = (c: S3.S3Client) => c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'logo.png' }));

before(async () => {
  server = await startTestServer();
  admin = adminS3Client(server);
  await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'logo.png', Body: 'png' }));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  admin?.destroy();
  await server?.stop();
});

describe('gl 3: aws:Referer and aws:UserAgent reach the S3 gateway\'s decisions', () => {
  it('the User Guide\'s referer Deny refuses reads from elsewhere and lets the site\'s pages read', async () => {
    await admin.send(new S3.PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: doc({ Sid: 'OnlyFromOurSite', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: OBJECTS, Condition: { StringNotLike: { 'aws:Referer': ['https://www.example.com/*', 'https://example.com/*'] } } }),
    }));
    const credentials = await user('gl3-web', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: OBJECTS }));
    assert.equal(await (await read(s3(credentials, { referer: 'https://www.example.com/products/index.html' }))).Body?.transformToString(), 'png');
    assert.deepEqual((await s3Refusal(read(s3(credentials, { referer: 'https://elsewhere.example.net/page' })))).slice(0, 2), ['AccessDenied', 403]);
    assert.deepEqual((await s3Refusal(read(s3(credentials)))).slice(0, 2), ['AccessDenied', 403], 'no Referer: the Deny applies, as in S3');
    await admin.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
  });

  it('a bucket policy\'s Allow by referer or by user agent grants to the requests that carry them', async () => {
    await admin.send(new S3.PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: doc(
        { Sid: 'FromOurSite', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: OBJECTS, Condition: { StringLike: { 'aws:Referer': 'https://www.example.com/*' } } },
        { Sid: 'OurCrawler', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: OBJECTS, Condition: { StringLike: { 'aws:UserAgent': 'gl3-crawler/*' } } },
      ),
    }));
    const credentials = await user('gl3-nopolicy');
    assert.equal(await (await read(s3(credentials, { referer: 'https://www.example.com/' }))).Body?.transformToString(), 'png');
    assert.equal(await (await read(s3(credentials, { 'user-agent': 'gl3-crawler/1.0' }))).Body?.transformToString(), 'png');
    assert.deepEqual((await s3Refusal(read(s3(credentials)))).slice(0, 2), ['AccessDenied', 403]);
    await admin.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
  });

  it('a header too long to be a context value leaves its key out: the request is decided without it, not refused', async () => {
    const reader = await user('gl3-reader', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: OBJECTS }));
    assert.equal(await (await read(s3(reader, { 'user-agent': `gl3-crawler/${'x'.repeat(5000)}`, referer: `https://www.example.com/${'y'.repeat(5000)}` }))).Body?.transformToString(), 'png');
  });
});
