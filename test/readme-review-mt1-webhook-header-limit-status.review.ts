/**
 * Review `readme`, mt1: a Kubernetes webhook request past the 16 KiB header limit was answered IAM's XML, not a Status.
 *
 * README "Run it" says the request line and headers are limited to 16 KiB, "431 `RequestHeaderSectionTooLarge`, in the
 * route's error shape", and docs/errors.md says the webhooks (`/k8s/{cluster}/authenticate`, `/authorize`, `/admit`)
 * answer Kubernetes `Status` objects, "a `Status` as every webhook error" (review ky, 4: the AWS XML of the Query APIs
 * meant nothing to kube-apiserver, which logged it as an undecodable body). The 431 of review ky, 3 chose its shape by
 * path as `/v1/` (the admin API's JSON) or anything else (IAM's XML), so a webhook's was
 * `<ErrorResponse xmlns="https://iam.amazonaws.com/…">`. Now it is a `Status` (`code: 431`, the limit in `message`),
 * JSON as every other webhook answer (docs/errors.md lists it); `/v1/` and the Query API keep theirs.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * A real server on 127.0.0.1 and a raw socket, as kube-apiserver's webhook client reaches it over HTTP/1.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawAnswer } from './support/raw-answer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const bodyOf = (answer: string): string => answer.slice(answer.indexOf('\r\n\r\n') + 4);

describe('review mt1: a webhook request past the header limit is answered a Kubernetes Status', () => {
  let s: TestServer;
  let port: number;
  before(async () => {
    s = await startTestServer();
    port = Number(new URL(s.url).port);
  });
  after(async () => {
    await s?.stop();
  });

  for (const hook of ['authorize', 'authenticate', 'admit']) {
    it(`POST /k8s/gpu-a/${hook} with 20 KB of headers: 431, a Status naming the limit, the connection closed`, async () => {
      const review = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice', resourceAttributes: { verb: 'get', resource: 'pods' } } });
      const answer = await rawAnswer(port, `POST /k8s/gpu-a/${hook} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\nX-Padding: ${'p'.repeat(20_000)}\r\nContent-Length: ${review.length}\r\n\r\n${review}`, 20_000);
      assert.match(answer, /^HTTP\/1\.1 431 /);
      assert.match(answer, /\r\nconnection: close\r\n/i);
      assert.match(answer, /\r\ncontent-type: application\/json\r\n/i, answer.slice(0, 400));
      const status = JSON.parse(bodyOf(answer)) as { kind?: string; apiVersion?: string; status?: string; code?: number; message?: string };
      assert.equal(status.kind, 'Status');
      assert.equal(status.apiVersion, 'v1');
      assert.equal(status.status, 'Failure');
      assert.equal(status.code, 431);
      assert.match(status.message ?? '', /16384 bytes/);
    });
  }

  it('the Query API and the admin API keep their shapes (review ky, 3)', async () => {
    const query = await rawAnswer(port, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`, 20_000);
    assert.match(query, /^HTTP\/1\.1 431 /);
    assert.match(query, /<Code>RequestHeaderSectionTooLarge<\/Code>/);
    const admin = await rawAnswer(port, `GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 20_000);
    assert.match(admin, /^HTTP\/1\.1 431 /);
    assert.equal((JSON.parse(bodyOf(admin)) as { error?: { code?: string } }).error?.code, 'RequestHeaderSectionTooLarge');
  });
});
