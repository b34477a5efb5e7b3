/**
 * Review oq, 1. An AWS STS request that asks for JSON (`Accept: application/json`) is answered in STS's JSON, its
 * refusals as `{"Error":{"Code","Message","Type"},"RequestId"}` (review gj, 1: identity verifiers that forward a
 * presigned GetCallerIdentity, aws-iam-authenticator's pattern, unmarshal only that; review lh, 3 made the edge's
 * refusals before the action so). The edge's own answers to a failure past the action — the store unreachable (503
 * ServiceUnavailable), a commit of unknown outcome (409 OutcomeUnknown), a value the database refuses (400
 * ValidationError) and a bug (500) — were still STS's `<ErrorResponse>` XML: such a client read no code, so it could not
 * tell an outage it may retry from a refusal, and lost the request id that finds the log line. Review ok, 2 made the same
 * answers Alibaba's shape for Alibaba STS; these now follow the request's JSON too (docs/errors.md).
 *
 * An edge over a store whose reads and writes fail on demand; AssumeRoleWithWebIdentity, whose provider lookup reads the
 * store, asked with `Accept: application/json` over a real connection on 127.0.0.1.
 *
 * Before the fix 4 of 5 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFailingEdge, unsignedJwt, type FailingEdge, type StoreFault } from './support/failing-edge.ts';

type Fault = StoreFault;

let fe: FailingEdge;
let url = '';
let logs: string[] = [];

before(async () => {
  fe = await startFailingEdge('oq1');
  url = fe.url;
  logs = fe.logs;
});

after(async () => {
  await fe?.close();
});

const WEB_IDENTITY = new URLSearchParams({
  Action: 'AssumeRoleWithWebIdentity',
  Version: '2011-06-15',
  RoleArn: 'arn:aws:iam::000000000000:role/oq1',
  RoleSessionName: 'pod',
  WebIdentityToken: unsignedJwt({ alg: 'RS256', kid: 'k1' }, { iss: 'https://issuer.oq1.example', aud: 'sts.amazonaws.com', sub: 'system:serviceaccount:ns:sa', exp: Math.floor(Date.now() / 1000) + 600 }),
});

async function askFailing(how: Fault, headers: Record<string, string>): Promise<{ status: number; contentType: string; requestId: string; text: string }> {
  fe.fail(how);
  try {
    const r = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: WEB_IDENTITY.toString() });
    return { status: r.status, contentType: r.headers.get('content-type') ?? '', requestId: r.headers.get('x-amzn-requestid') ?? '', text: await r.text() };
  } finally {
    fe.fail(undefined);
  }
}

/** STS's JSON error, asserted whole: its code, type, and the request id of the answer's header. */
function stsJsonError(a: { contentType: string; requestId: string; text: string }, code: string, type: 'Sender' | 'Receiver'): string {
  assert.match(a.contentType, /^application\/json/, a.text);
  const body = JSON.parse(a.text) as { Error?: { Code?: string; Message?: string; Type?: string }; RequestId?: string };
  assert.equal(body.Error?.Code, code, a.text);
  assert.equal(body.Error?.Type, type, a.text);
  assert.ok((body.Error?.Message ?? '').length > 0, a.text);
  assert.match(a.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(body.RequestId, a.requestId, a.text);
  return body.Error?.Message ?? '';
}

const asksJson = { accept: 'application/json' };

test('oq1: the store unreachable under a request asking for JSON: 503 ServiceUnavailable in STS JSON', async () => {
  const a = await askFailing('outage', asksJson);
  assert.equal(a.status, 503, a.text);
  assert.match(stsJsonError(a, 'ServiceUnavailable', 'Receiver'), /try again/);
});

test('oq1: a commit of unknown outcome under a request asking for JSON: 409 OutcomeUnknown in STS JSON', async () => {
  const a = await askFailing('unknown', asksJson);
  assert.equal(a.status, 409, a.text);
  assert.match(stsJsonError(a, 'OutcomeUnknown', 'Sender'), /may or may not have been made/);
});

test('oq1: a value the database refuses under a request asking for JSON: 400 ValidationError in STS JSON', async () => {
  const a = await askFailing('refused', asksJson);
  assert.equal(a.status, 400, a.text);
  assert.match(stsJsonError(a, 'ValidationError', 'Sender'), /database refused a value/);
});

test('oq1: a bug under a request asking for JSON: 500 in STS JSON, its RequestId finds the log line', async () => {
  logs.length = 0;
  const a = await askFailing('bug', asksJson);
  assert.equal(a.status, 500, a.text);
  const message = stsJsonError(a, 'InternalFailure', 'Receiver');
  assert.doesNotMatch(message, /oq1: a bug/, 'no internals in the answer');
  assert.ok(logs.some((l) => l.includes('oq1: a bug in a store read') && l.includes(a.requestId)), logs.join('\n'));
});

test('oq1: without Accept: application/json the same failure is STS’s XML, as before', async () => {
  const a = await askFailing('bug', {});
  assert.equal(a.status, 500, a.text);
  assert.match(a.contentType, /xml/);
  assert.match(a.text, /<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Receiver<\/Type><Code>InternalFailure<\/Code>/, a.text);
  assert.match(a.text, new RegExp(`<RequestId>${a.requestId}</RequestId>`));
});
