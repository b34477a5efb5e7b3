/**
 * Review `readme`, ez3: the AWS tools pointed at the wrong one of the server's three ports, the tour's 8470 where
 * 8472 goes or 8471 where 8470 goes, got answers they could not read. `aws s3 ls --endpoint-url
 * http://127.0.0.1:8470` said `An error occurred (404) when calling the ListBuckets operation: Not Found`;
 * `aws iam list-roles --endpoint-url http://127.0.0.1:8471` said `Unable to parse response (…), invalid XML received.
 * Further retries may succeed` after retrying, the credential port's JSON `{"Code":"NotFound","Message":"no route for
 * POST /"}` shown as raw bytes. The S3 gateway already told IAM and STS requests where to go (R9); now the other two
 * ports do too, in the shape each client reads: an S3 request (signed for `s3`, by header or presigned URL) gets S3's
 * `<Error>` `AuthorizationHeaderMalformed` naming the gateway's URL, and an IAM or STS request on the credential port
 * the Query API's `<ErrorResponse>` `NotFound` naming the API's. Against a real server (startTestServer): SDK v3
 * clients, a presigned URL, and the real aws CLI (skipped when absent).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

describe('ez3: S3 requests on the API port and IAM/STS requests on the credential port say where to go', () => {
  let s: TestServer;
  let home: string;
  const clients: { destroy(): void }[] = [];
  const s3At = (endpoint: string) => {
    const c = new S3.S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: s.admin, maxAttempts: 1 });
    clients.push(c);
    return c;
  };

  before(async () => {
    s = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-readme-ez3-'));
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('S3 on the API port: AuthorizationHeaderMalformed naming the gateway\'s URL, nothing made', async () => {
    assert.match(s.running.s3Url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const wrong = s3At(s.url);
    for (const command of [new S3.ListBucketsCommand({}), new S3.CreateBucketCommand({ Bucket: 'ez3-bucket' }), new S3.PutObjectCommand({ Bucket: 'ez3-bucket', Key: 'k', Body: 'x'.repeat(70_000) })]) {
      const f = await sdkFailure(wrong.send(command as never));
      assert.equal(f.code, 'AuthorizationHeaderMalformed', f.message);
      assert.equal(f.status, 400);
      assert.equal(f.message, `The authorization header is malformed; incorrect service 's3'. This endpoint belongs to 'iam'. This is Gatehouse's IAM, STS and admin API (--listen); send S3 requests to its S3 gateway at ${s.running.s3Url}`);
    }
    const listed = await s3At(s.running.s3Url).send(new S3.ListBucketsCommand({}));
    assert.deepEqual(listed.Buckets ?? [], []);
  });

  it('a presigned S3 URL of the API port: AuthorizationQueryParametersError, in S3\'s shape', async () => {
    const url = await getSignedUrl(s3At(s.url), new S3.GetObjectCommand({ Bucket: 'b', Key: 'k' }), { expiresIn: 60 });
    const r = await fetch(url);
    const text = await r.text();
    assert.equal(r.status, 400, text);
    assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>AuthorizationQueryParametersError<\/Code><Message>[^<]*send S3 requests to its S3 gateway at http:\/\/127\.0\.0\.1:\d+<\/Message>/);
  });

  it('IAM and STS on the credential port: NotFound in the Query shape, naming the API\'s URL', async () => {
    assert.match(s.running.agentUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const iam = new IAMClient({ endpoint: s.running.agentUrl, region: REGION, credentials: s.admin, maxAttempts: 1 });
    const sts = new STSClient({ endpoint: s.running.agentUrl, region: REGION, credentials: s.admin, maxAttempts: 1 });
    clients.push(iam, sts);
    const a = await sdkFailure(iam.send(new ListRolesCommand({})));
    assert.equal(a.code, 'NotFound', a.message);
    assert.equal(a.status, 404);
    assert.equal(a.message, `This is Gatehouse's credential endpoint for jobs (--agent-listen), which serves no IAM requests; send IAM, STS and admin API requests to ${s.url}`);
    const b = await sdkFailure(sts.send(new GetCallerIdentityCommand({})));
    assert.equal(b.code, 'NotFound', b.message);
    assert.match(b.message, /serves no STS requests; send IAM, STS and admin API requests to http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('S3 on the credential port: the gateway\'s URL; the port\'s own routes and 404 unchanged', async () => {
    const f = await sdkFailure(s3At(s.running.agentUrl).send(new S3.ListBucketsCommand({})));
    assert.equal(f.code, 'AuthorizationHeaderMalformed', f.message);
    assert.ok(f.message.endsWith(`send S3 requests to its S3 gateway at ${s.running.s3Url}`), f.message);
    const other = await fetch(`${s.running.agentUrl}/nothing`);
    assert.deepEqual(await other.json(), { Code: 'NotFound', Message: 'no route for GET /nothing' });
    const container = await fetch(`${s.running.agentUrl}/v1/container-credentials`);
    assert.equal(container.status, 403);
    const root = await fetch(`${s.url}/`);
    assert.equal(root.status, 404);
    assert.match(await root.text(), /the web console is at \/ui\//);
  });

  it('the aws CLI prints the code and where to go, and does not retry an unreadable answer', { skip: awsCliMissing() ?? false }, async () => {
    const env = { ...awsCliEnv(home, s.admin), AWS_DEFAULT_REGION: REGION };
    const ls = await awsCli(['--endpoint-url', s.url, 's3', 'ls'], env);
    assert.notEqual(ls.code, 0);
    assert.match(ls.stderr.replace(/\s+/g, ' '), /An error occurred \(AuthorizationHeaderMalformed\) when calling the ListBuckets operation: .*send S3 requests to its S3 gateway at http:\/\/127\.0\.0\.1:\d+/);
    const roles = await awsCli(['iam', 'list-roles', '--endpoint-url', s.running.agentUrl], env);
    assert.notEqual(roles.code, 0);
    assert.doesNotMatch(roles.stderr, /invalid XML|Further retries/);
    assert.match(roles.stderr.replace(/\s+/g, ' '), /An error occurred \(NotFound\) when calling the ListRoles operation: This is Gatehouse's credential endpoint for jobs/);
  });
});
