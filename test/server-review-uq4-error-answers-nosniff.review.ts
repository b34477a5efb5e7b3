/**
 * Review uq, 4: every answer of `--listen`, the console's origin, says `X-Content-Type-Options: nosniff` (review Q, Q2),
 * but the error answers written outside the edge's `send` did not: the 404 of a Query API call at another path, which
 * echoes that path (a browser reaches it with `GET /<path>?Action=…`), the 400 of an S3 request sent here, the 400 of a
 * refused Host, which echoes the Host, and the 431 of a head over the limit, both the edge's and the one written on the
 * socket for a head past twice the limit. They now say it; the echoed path is escaped as before.
 *
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { rawAnswer, splitAnswers } from './support/raw-answer.ts';

let server: TestServer;
let port: number;

before(async () => {
  server = await startTestServer();
  port = Number(new URL(server.url).port);
});

after(async () => {
  await server?.stop();
});

async function answer(text: string): Promise<{ status: number; head: string; body: string }> {
  const [a] = splitAnswers(await rawAnswer(port, text));
  assert.ok(a !== undefined, 'no answer');
  return a;
}

const nosniff = (a: { head: string }): void => assert.match(a.head, /^x-content-type-options: nosniff$/im, a.head);

describe('review uq4: the error answers of --listen written outside send say nosniff', () => {
  it("a Query API call at another path: 404, the path escaped", async () => {
    const a = await answer('GET /x/<b>?Action=GetCallerIdentity HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(a.status, 404);
    nosniff(a);
    assert.match(a.body, /No STS Query API at `\/x\/&lt;b&gt;`/);
  });

  it('an S3 request sent here: 400', async () => {
    const a = await answer('GET /bucket?X-Amz-Credential=AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(a.status, 400);
    nosniff(a);
  });

  it('a refused Host: 400, which echoes it', async () => {
    const a = await answer('GET /healthz HTTP/1.1\r\nHost: <b>\r\nConnection: close\r\n\r\n');
    assert.equal(a.status, 400);
    assert.match(a.body, /Host `<b>`/);
    nosniff(a);
  });

  it('a head over the limit: 431', async () => {
    const a = await answer(`GET /v1/whoami HTTP/1.1\r\nHost: a\r\nX-Pad: ${'a'.repeat(17_000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(a.status, 431);
    nosniff(a);
  });

  it('a head past twice the limit, cut by the parser: 431', async () => {
    const a = await answer(`GET /v1/whoami HTTP/1.1\r\nHost: a\r\nX-Pad: ${'a'.repeat(40_000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(a.status, 431);
    nosniff(a);
  });
});
