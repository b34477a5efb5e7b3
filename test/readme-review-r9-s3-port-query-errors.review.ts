/**
 * Review `readme`, R9: an IAM or STS request sent to the S3 gateway's port (`aws iam list-users --endpoint-url
 * http://127.0.0.1:8472`) was answered in S3's `<Error>` shape, which the Query clients cannot read: the aws CLI said
 * `An error occurred (Unknown) when calling the ListUsers operation: Unknown`. Now such a request (signed for `iam`
 * or `sts`, or an `Action=` form POST at the root) is answered in the Query API's `<ErrorResponse>` shape, with a
 * message saying where IAM, STS and admin API requests go. Against a real server (startTestServer): the real aws CLI
 * (skipped when absent), `@aws-sdk/client-iam` and `@aws-sdk/client-sts` pointed at the S3 port, a form POST signed
 * for `s3` with `@smithy/signature-v4`, and an S3 client whose errors keep S3's shape.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as S3 from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

const HINT = /This is Gatehouse's S3 gateway, which serves S3 requests only; send IAM, STS and admin API requests to /;

describe('R9: IAM and STS requests sent to the S3 gateway get an answer their clients read', () => {
  let s: TestServer;
  let home: string;

  before(async () => {
    s = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-readme-r9-'));
  });
  after(async () => {
    await s?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('SDK v3 IAM and STS clients: the error has its code as name and a message naming where to go', async () => {
    // The clients that work against the API (s.iam(), s.sts()), pointed at the S3 port.
    const wrongIam = new IAMClient({ endpoint: s.running.s3Url, region: REGION, credentials: s.admin, maxAttempts: 1 });
    const wrongSts = new STSClient({ endpoint: s.running.s3Url, region: REGION, credentials: s.admin, maxAttempts: 1 });
    try {
      const a = await sdkFailure(wrongIam.send(new ListUsersCommand({})));
      assert.equal(a.code, 'AuthorizationHeaderMalformed', a.message);
      assert.equal(a.status, 400);
      assert.match(a.message, /^The authorization header is malformed; incorrect service 'iam'\. This endpoint belongs to 's3'\. /);
      assert.match(a.message, HINT);
      // The server's own API address (src/main/server.ts hands it to the gateway), not the default's.
      assert.ok(a.message.includes(s.url), a.message);
      const b = await sdkFailure(wrongSts.send(new GetCallerIdentityCommand({})));
      assert.equal(b.code, 'AuthorizationHeaderMalformed', b.message);
      assert.match(b.message, /incorrect service 'sts'/);
      assert.match(b.message, HINT);
    } finally {
      wrongIam.destroy();
      wrongSts.destroy();
    }
  });

  it('the aws CLI prints the code and the message, not (Unknown) … Unknown', { skip: awsCliMissing() ?? false }, async () => {
    const env = awsCliEnv(home, s.admin);
    const r = await awsCli(['iam', 'list-users', '--endpoint-url', s.running.s3Url, '--region', REGION], env);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stderr, /Unknown/);
    assert.match(r.stderr, /An error occurred \(AuthorizationHeaderMalformed\) when calling the ListUsers operation: The authorization header is malformed; incorrect service 'iam'/);
    assert.match(r.stderr.replace(/\s+/g, ' '), HINT);
    const sts = await awsCli(['sts', 'get-caller-identity', '--endpoint-url', s.running.s3Url, '--region', REGION], env);
    assert.notEqual(sts.code, 0);
    assert.match(sts.stderr, /An error occurred \(AuthorizationHeaderMalformed\) when calling the GetCallerIdentity operation: .*incorrect service 'sts'/);
  });

  it('a form POST with Action= signed for s3: InvalidAction in the Query shape', async () => {
    const url = new URL(s.running.s3Url);
    const body = 'Action=ListUsers&Version=2010-05-08';
    const signer = new SignatureV4({ service: 's3', region: REGION, credentials: s.admin, sha256: Sha256, uriEscapePath: false });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amz-content-sha256': await hashHex(body) }, body });
    const r = await fetch(`${s.running.s3Url}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    const text = await r.text();
    assert.equal(r.status, 400, text);
    assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>IAM and STS actions are not served on this port\. This is Gatehouse&apos;s S3 gateway/);
    assert.match(text, /<RequestId>[0-9A-F]{16}<\/RequestId><\/ErrorResponse>/);
  });

  it('S3 requests keep S3\'s error shape', async () => {
    const c = new S3.S3Client({ endpoint: s.running.s3Url, region: REGION, forcePathStyle: true, credentials: s.admin, maxAttempts: 1 });
    try {
      const f = await sdkFailure(c.send(new S3.GetObjectCommand({ Bucket: 'nosuch', Key: 'k' })));
      assert.equal(f.code, 'NoSuchBucket');
    } finally {
      c.destroy();
    }
    const r = await fetch(`${s.running.s3Url}/nosuch`);
    assert.match(await r.text(), /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code>/);
  });
});

async function hashHex(text: string): Promise<string> {
  const h = new Sha256();
  h.update(text);
  return Buffer.from(await h.digest()).toString('hex');
}
