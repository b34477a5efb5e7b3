import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authFailureEvent, authFailureMessage, claimedCredential, createFloodGate, recordAuthFailure, type AuthFailureContext, type FloodLimits } from './auth-failures.ts';

const LIMITS: FloodLimits = { perIpRate: 5, perIpBurst: 20, globalRate: 100, globalBurst: 100, maxIps: 3 };

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('flood gate', () => {
  it('lets an address spend its burst, then counts what it leaves out and hands the count to the next record', () => {
    const c = clock();
    const gate = createFloodGate(LIMITS, c.now);
    const admitted = Array.from({ length: 50 }, () => gate.admit('10.0.0.1'));
    assert.equal(admitted.filter((a) => a.record).length, 20);
    assert.deepEqual(admitted[0], { record: true, suppressed: 0 });
    // 200 ms later one token (5/s) has come back: the record carries the 30 left out.
    c.advance(200);
    assert.deepEqual(gate.admit('10.0.0.1'), { record: true, suppressed: 30 });
    assert.deepEqual(gate.admit('10.0.0.1'), { record: false });
    c.advance(200);
    assert.deepEqual(gate.admit('10.0.0.1'), { record: true, suppressed: 1 });
  });

  it('refills at the per-address rate, never beyond the burst', () => {
    const c = clock();
    const gate = createFloodGate(LIMITS, c.now);
    for (let i = 0; i < 20; i++) gate.admit('a');
    c.advance(60_000);
    const again = Array.from({ length: 30 }, () => gate.admit('a'));
    assert.equal(again.filter((a) => a.record).length, 20);
  });

  it('a clock stepping back refills nothing', () => {
    const c = clock();
    const gate = createFloodGate(LIMITS, c.now);
    for (let i = 0; i < 20; i++) gate.admit('a');
    c.advance(-10_000);
    assert.deepEqual(gate.admit('a'), { record: false });
  });

  it('caps all addresses together', () => {
    const c = clock();
    const gate = createFloodGate({ ...LIMITS, maxIps: 1000, globalRate: 10, globalBurst: 30 }, c.now);
    let recorded = 0;
    for (let i = 0; i < 100; i++) if (gate.admit(`10.0.${i}.1`).record) recorded += 1;
    assert.equal(recorded, 30);
    c.advance(1000);
    for (let i = 100; i < 200; i++) if (gate.admit(`10.0.${i}.1`).record) recorded += 1;
    assert.equal(recorded, 40);
  });

  it('remembers at most maxIps addresses, forgetting the least recently seen', () => {
    const c = clock();
    const gate = createFloodGate(LIMITS, c.now);
    for (let i = 0; i < 25; i++) gate.admit('a');
    gate.admit('b');
    gate.admit('c');
    gate.admit('a'); // a is now the most recently seen
    gate.admit('d'); // evicts b
    assert.equal(gate.size, 3);
    // a kept its state (still out of tokens, its count growing).
    assert.deepEqual(gate.admit('a'), { record: false });
    for (let i = 0; i < 1000; i++) gate.admit(`x${i}`);
    assert.equal(gate.size, 3);
  });
});

describe('the record of a refused authentication', () => {
  const base = { action: 'sts:GetCallerIdentity', code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match', sourceIp: '127.0.0.1' };

  it('names the owner, the attempt, the code, the key id and the address', () => {
    const e = authFailureEvent({ ...base, accessKeyId: 'AKIAEXAMPLE', sessionToken: 'secret-token' }, { principal: 'arn:aws:iam::111122223333:user/bob', account: '111122223333' }, 0);
    assert.deepEqual(e, {
      kind: 'decision',
      account: '111122223333',
      principal: 'arn:aws:iam::111122223333:user/bob',
      action: 'sts:GetCallerIdentity',
      resource: '*',
      decision: 'Deny',
      sourceIp: '127.0.0.1',
      detail: { authentication: 'SignatureDoesNotMatch', message: 'the signature does not match', accessKeyId: 'AKIAEXAMPLE' },
    });
    assert.ok(!JSON.stringify(e).includes('secret-token'));
  });

  it('unknown owner: anonymous in the root account; suppressed carried; garbage key ids and long messages bounded', () => {
    const e = authFailureEvent({ ...base, accessKeyId: 'not a key id\nforged', message: 'm'.repeat(5000), resource: 'arn:aws:s3:::b/k' }, undefined, 7);
    assert.equal(e.principal, 'anonymous');
    assert.equal(e.account, '000000000000');
    assert.equal(e.resource, 'arn:aws:s3:::b/k');
    assert.equal(e.detail.suppressed, 7);
    assert.equal('accessKeyId' in e.detail, false);
    assert.equal(e.detail.message, 'the signature does not match');
  });

  it('records a fixed message, never the answer\'s: the parser quotes the request (a whole signature fits)', () => {
    const sig = 'ab'.repeat(32);
    const table: [string, string, string][] = [
      ['IncompleteSignature', `Authorization header parameter '${sig}' is not of the form 'key=value'.`, 'an Authorization header parameter is not of the form key=value'],
      ['IncompleteSignature', `Credential must have the form '<access key id>/<yyyymmdd>/<region>/<service>/aws4_request', got '${sig}'.`, 'the credential scope is malformed'],
      ['SignatureDoesNotMatch', 'Signature expired: 20260101T100000Z is now earlier than 20260101T114500Z (20260101T120000Z - 15 min.)', 'the request time is more than 15 minutes in the past'],
      ['InvalidClientTokenId', 'The security token included in the request is invalid.', 'unknown or inactive access key id, or an invalid session token'],
      ['ExpiredToken', 'The security token included in the request is expired', 'expired or revoked session token'],
      ['AccessDenied', 'Request has expired: a presigned request to this API is valid for at most 900 seconds after X-Amz-Date, whatever X-Amz-Expires says', 'the presigned request has expired'],
      ['AccessDenied', 'Presigned (query-string) authentication is not accepted by this API: sign the request with an Authorization header.', 'presigned URLs are not accepted by this API'],
      ['AuthorizationHeaderMalformed', `something new quoting ${sig}`, 'the Authorization header is malformed'],
      ['SomethingElse', sig, 'authentication refused'],
      // A quoted value that looks like the start of another message does not choose the reason: only the start is read.
      ['IncompleteSignature', `Invalid date 'Signature expired: ${sig}'`, 'the request date is malformed'],
    ];
    for (const [code, message, want] of table) assert.equal(authFailureMessage(code, message), want, message);
    const e = authFailureEvent({ ...base, code: `Bad\ncode${sig}`, message: sig, action: 'a'.repeat(5000), resource: 'r'.repeat(5000) }, undefined, 0);
    assert.equal(e.detail.authentication, 'Unknown');
    assert.ok(!JSON.stringify(e).includes(sig));
    assert.ok(e.action.length <= 129 && e.resource.length <= 129);
  });

  it('records through the sink, counts what the gate leaves out, and resolves the owner of those too (their summary names it, review kp1)', () => {
    const records: unknown[] = [];
    let counted = 0;
    let lookups = 0;
    const ctx: AuthFailureContext = {
      deps: {
        audit: { record: (e) => void records.push(e), decision: () => {}, gate: () => undefined },
        now: () => 0,
        metrics: { decision() {}, sessionIssued() {}, auditWritten() {}, auditWriteFailed() {}, auditDropped() {}, auditSampledOut() {}, auditGateRefused() {}, authFailuresSuppressed: () => void (counted += 1) },
        sessions: { open: () => ({ ok: false, reason: 'bad' }) } as unknown as AuthFailureContext['deps']['sessions'],
      },
      live: {
        accessKey: () => void (lookups += 1) as undefined,
        principals: new Map(),
        keys: [],
      },
    };
    for (let i = 0; i < 30; i++) recordAuthFailure(ctx, { ...base, accessKeyId: 'AKIAUNKNOWN' }, LIMITS);
    assert.equal(records.length, 20);
    assert.equal(counted, 10);
    assert.equal(lookups, 30);
    recordAuthFailure(ctx, { ...base, code: 'ServiceUnavailable' }, LIMITS);
    assert.equal(records.length + counted, 30, 'an outage is not an authentication failure');
  });
});

describe('claimedCredential', () => {
  it('reads the key id of a SigV4 header, a SigV2 header and a presigned query, and the token, nothing else', () => {
    assert.deepEqual(claimedCredential('AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc', 'tok', ''), { accessKeyId: 'AKIAEXAMPLE', sessionToken: 'tok' });
    assert.deepEqual(claimedCredential('AWS AKIAEXAMPLE:c2lnbmF0dXJl', undefined, ''), { accessKeyId: 'AKIAEXAMPLE' });
    assert.deepEqual(claimedCredential(undefined, undefined, 'X-Amz-Credential=ASIAEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=a%2Bb&X-Amz-Signature=ff'), { accessKeyId: 'ASIAEXAMPLE', sessionToken: 'a+b' });
    assert.deepEqual(claimedCredential('Bearer xyz', undefined, ''), {});
    assert.deepEqual(claimedCredential(undefined, undefined, 'X-Amz-Credential=%ZZ'), {});
  });
});
