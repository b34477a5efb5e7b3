/**
 * Review ky, 3: a request whose URL or headers pass the 16 KiB the edge reads (`HttpEdgeLimits.maxHeaderSize`) was
 * answered Node's bare `431` with no body: the AWS SDKs said `UnknownError` with nothing else, and the gatehouse CLI
 * (a `/v1/` call with a long query) said the endpoint was not Gatehouse's API at all ("without an error of the Gatehouse
 * API", exit 10), though the server had refused the request for its size. Now the 431 says so in the error shape of
 * the route the request was for: the Query API's XML (`RequestHeaderSectionTooLarge`, as S3 names it) for the AWS
 * clients, the admin API's JSON under `/v1/`, naming the limit and what to shorten; the connection is still closed.
 *
 * Before the fix 3 of 3 tests failed.
 *
 * A real server on 127.0.0.1; the AWS SDK v3 STS client, the CLI's own client and a raw socket.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { rawAnswer } from './support/raw-answer.ts';

describe('review ky3: a request past the header limit is told so in its route\'s error shape', () => {
  let s: TestServer;
  let port: number;
  before(async () => {
    s = await startTestServer();
    port = Number(new URL(s.url).port);
  });
  after(async () => {
    await s?.stop();
  });

  it('the Query API: the AWS SDK reads RequestHeaderSectionTooLarge naming the limit', async () => {
    const sts = s.sts();
    sts.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-padding'] = 'a'.repeat(20_000);
        return next(args);
      },
      { step: 'build', name: 'padding' },
    );
    const e = await sts.send(new GetCallerIdentityCommand({})).then(() => undefined, (err: unknown) => err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } });
    assert.equal(e?.$metadata?.httpStatusCode, 431);
    assert.equal(e?.name, 'RequestHeaderSectionTooLarge');
    assert.match(e?.message ?? '', /16384 bytes/);
  });

  it('a raw request: 431 with the XML error, and the connection closed', async () => {
    const answer = await rawAnswer(port, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`, 3000);
    assert.match(answer, /^HTTP\/1\.1 431 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    assert.match(answer, /<Code>RequestHeaderSectionTooLarge<\/Code>/);
  });

  it('the admin API (/v1/): the CLI reads the JSON error naming the limit, not "not Gatehouse"', async () => {
    const r = await call(connectionTo(s.url, s.admin), 'GET', ['users'], { query: { marker: 'm'.repeat(20_000) } });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.httpStatus, 431);
    assert.equal(r.code, 'RequestHeaderSectionTooLarge', r.message);
    assert.match(r.message, /16384 bytes/);
  });
});
