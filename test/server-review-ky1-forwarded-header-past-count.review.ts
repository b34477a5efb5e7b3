/**
 * Review ky, 1: behind a trusted load balancer (GATEHOUSE_TRUSTED_PROXIES), a client chose `aws:SourceIp` by padding
 * its request with a thousand small headers. Node's HTTP server keeps the first 2,000 header lines' names and values
 * (`maxHeadersCount`, 1,000 headers) and drops the rest without a word, well within the 16 KiB the edge's headers may
 * take; a proxy that writes the `X-Forwarded-For` it adds after the client's headers (Go's `httputil.ReverseProxy`
 * writes them sorted by name, so after `A…`) had it dropped, and the request was taken as the proxy's own: a Deny on
 * the client's range did not apply, an Allow on the internal network did. The credential ports were fixed so (review
 * ij, 3); the `--listen` edge (IAM, STS, admin API) and the S3 gateway now keep every header within their size limit
 * too, as the SigV4 edge reads signed headers, `X-Forwarded-For` and `X-Forwarded-Proto` wherever they are.
 *
 * Before the fix 2 of 3 tests failed (the padded request from the denied range was answered, 200).
 *
 * A real server trusting 127.0.0.1; the AWS SDK v3 IAM and S3 clients, with the load balancer's header written after
 * 1,100 padding headers of a few bytes each (unsigned, as SigV4 lets a request carry).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorName, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { s3ClientAs } from './support/s3.ts';

const BLOCKED = '198.51.100.0/24';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['iam:GetUser', 's3:ListAllMyBuckets'], Resource: '*' },
    { Effect: 'Deny', Action: ['iam:GetUser', 's3:ListAllMyBuckets'], Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': BLOCKED } } },
  ],
});

/**
 * Sends each request of `client` with `padding` small headers and then `X-Forwarded-For: forwarded`, added after the
 * signature (the deserialize step runs just before the request is sent), as a load balancer would append its header.
 */
function paddedForwarding<C extends { middlewareStack: IAMClient['middlewareStack'] | S3Client['middlewareStack'] }>(client: C, forwarded: string, padding: number): C {
  (client.middlewareStack as IAMClient['middlewareStack']).add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      const headers: Record<string, string> = { ...request.headers };
      for (let i = 0; i < padding; i++) headers[`p${i}`] = 'a';
      headers['x-forwarded-for'] = forwarded;
      request.headers = headers;
      return next(args);
    },
    { step: 'deserialize', name: 'paddedForwardedFor' },
  );
  return client;
}

describe('review ky1: a header past the thousandth is still read (X-Forwarded-For from a trusted proxy)', () => {
  let s: TestServer;
  let alice: Credentials;
  const clients: { destroy(): void }[] = [];
  const iamFrom = (forwarded: string, padding: number): IAMClient => {
    const c = paddedForwarding(new IAMClient({ endpoint: s.url, region: REGION, credentials: alice, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } }), forwarded, padding);
    clients.push(c);
    return c;
  };

  before(async () => {
    s = await startTestServer({ env: { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1/32' } });
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'not-from-blocked', PolicyDocument: POLICY }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    alice = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.stop();
  });

  it('the IAM API: the forwarded address is aws:SourceIp however many headers come before it', async () => {
    // Without padding the Deny applies, and from another range it does not: the header is read.
    assert.equal(await errorName(iamFrom('198.51.100.7', 0).send(new GetUserCommand({ UserName: 'alice' }))), 'AccessDenied');
    assert.equal(await errorName(iamFrom('203.0.113.7', 1100).send(new GetUserCommand({ UserName: 'alice' }))), 'no error');
    // Before: the header was dropped, the request was the proxy's (127.0.0.1), and the Deny did not apply.
    assert.equal(await errorName(iamFrom('198.51.100.7', 1100).send(new GetUserCommand({ UserName: 'alice' }))), 'AccessDenied');
  });

  it('the S3 gateway likewise', async () => {
    const padded = paddedForwarding(s3ClientAs(s, alice), '198.51.100.7', 1100);
    clients.push(padded);
    assert.equal(await errorName(padded.send(new ListBucketsCommand({}))), 'AccessDenied');
  });

  it('headers past the size limit are still refused 431', async () => {
    // 3,000 headers of ~10 bytes pass the 16 KiB the headers may take (Node's count of their bytes is loose, but
    // not that loose): keeping every header does not lift the size limit.
    const e = await iamFrom('203.0.113.7', 3000).send(new GetUserCommand({ UserName: 'alice' })).then(() => undefined, (err: unknown) => err as { $metadata?: { httpStatusCode?: number } });
    assert.equal(e?.$metadata?.httpStatusCode, 431);
  });
});
