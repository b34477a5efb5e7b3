/**
 * Review mj, 1: a request the `--listen` edge cut for its time (its headers past `headersTimeoutMs`, the whole request
 * past `requestTimeoutMs`: 20 s and 60 s) was answered a bare `408 Request Timeout` with no body, in every API: the AWS
 * SDKs read it as `UnknownError` with nothing to say (and, the name unknown, did not retry it, though `RequestTimeout`
 * is among the error codes they retry as transient: @smithy/service-error-classification TRANSIENT_ERROR_CODES), and
 * the gatehouse CLI, on an apply whose 32 MiB came slowly, was told nothing of what happened. The 431 beside it speaks
 * each route's shape (review ky, 3). Now the 408 does: code `RequestTimeout` naming the limit, in the admin API's JSON
 * under `/v1/`, in the Query API's XML (STS's namespace, JSON when asked) at `/`; headers never finished name no route,
 * and get the Query API's XML. Against a real edge on 127.0.0.1 with 0.5 s for headers and 1 s for a request, raw
 * HTTP/1.1 clients that stop sending.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { edgeWorld, type EdgeWorld } from './support/edge-world.ts';
import { rawAnswer } from './support/raw-answer.ts';

let world: EdgeWorld | undefined;
before(async () => {
  world = await edgeWorld('mj1', { limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } });
});
after(() => world?.close());

/** Sends `text` and nothing more; resolves with all that is answered once the server closes (20 s at most). */
const stalled = (text: string): Promise<string> => rawAnswer(world?.port ?? 0, text, 20_000);

const bodyOf = (answer: string): string => answer.slice(answer.indexOf('\r\n\r\n') + 4);

describe('review mj1: a request cut for its time is told so in its route\'s error shape', () => {
  it('under /v1/ (a slow body): 408 with the admin API\'s JSON error, code RequestTimeout, naming the limit', async () => {
    const answer = await stalled('POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"userName":');
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /\r\ncontent-type: application\/json\r\n/i);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    const e = (JSON.parse(bodyOf(answer)) as { error: { code: string; message: string } }).error;
    assert.equal(e.code, 'RequestTimeout');
    assert.match(e.message, /within 1 s/);
  });

  it('the Query API (a slow body): 408 with an <ErrorResponse>, code RequestTimeout; STS asked for JSON answers JSON', async () => {
    const iam = await stalled('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=ListUsers&');
    assert.match(iam, /^HTTP\/1\.1 408 /);
    assert.match(bodyOf(iam), /<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>RequestTimeout<\/Code>/);
    const sts = await stalled('POST /?Action=GetCallerIdentity&Version=2011-06-15 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nX');
    assert.match(sts, /^HTTP\/1\.1 408 /);
    assert.equal((JSON.parse(bodyOf(sts)) as { Error: { Code: string } }).Error.Code, 'RequestTimeout');
  });

  it('headers never finished: 408 with the Query API\'s XML, code RequestTimeout', async () => {
    const answer = await stalled('GET /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(bodyOf(answer), /<Code>RequestTimeout<\/Code>/);
    assert.match(bodyOf(answer), /within 0\.5 s/);
  });
});
