import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSigV2, parseSigV2 } from './sigv2.ts';

// The worked examples of "Signing and Authenticating REST Requests" (S3 developer guide, SigV2).
const KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('SigV2', () => {
  it('header form: the guide’s GET and PUT examples verify; another secret or a changed request does not', () => {
    const get = { method: 'GET', url: '/johnsmith/photos/puppy.jpg', headers: { date: 'Tue, 27 Mar 2007 19:36:42 +0000', authorization: `AWS ${KEY}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=` } };
    assert.ok(isSigV2(get));
    const at = Date.parse('Tue, 27 Mar 2007 19:40:00 +0000');
    const p = parseSigV2(get, at);
    assert.ok(p.ok);
    assert.equal(p.accessKeyId, KEY);
    assert.ok(p.verify(SECRET));
    assert.ok(!p.verify('x'.repeat(40)));
    const moved = parseSigV2({ ...get, url: '/johnsmith/photos/kitten.jpg' }, at);
    assert.ok(moved.ok && !moved.verify(SECRET));
    // The guide's own form of it: `Host: johnsmith.…`, path `/photos/puppy.jpg`, the bucket first in the resource.
    const hosted = parseSigV2({ ...get, url: '/photos/puppy.jpg', virtualBucket: 'johnsmith' }, at);
    assert.ok(hosted.ok && hosted.verify(SECRET));
    const elsewhere = parseSigV2({ ...get, url: '/johnsmith/photos/puppy.jpg', virtualBucket: 'other' }, at);
    assert.ok(elsewhere.ok && !elsewhere.verify(SECRET));

    const put = { method: 'PUT', url: '/johnsmith/photos/puppy.jpg', headers: { date: 'Tue, 27 Mar 2007 21:15:45 +0000', 'content-type': 'image/jpeg', 'content-length': '94328', authorization: `AWS ${KEY}:MyyxeRY7whkBe+bq8fHCL/2kKUg=` } };
    const q = parseSigV2(put, Date.parse('Tue, 27 Mar 2007 21:16:00 +0000'));
    assert.ok(q.ok && q.verify(SECRET));
    const skewed = parseSigV2(put, Date.parse('Tue, 27 Mar 2007 22:16:00 +0000'));
    assert.ok(!skewed.ok && skewed.code === 'RequestTimeTooSkewed');
  });

  it('query form: the guide’s presigned example verifies until it expires', () => {
    const req = { method: 'GET', url: `/johnsmith/photos/puppy.jpg?AWSAccessKeyId=${KEY}&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D`, headers: {} };
    assert.ok(isSigV2(req));
    const p = parseSigV2(req, 1175139620_000 - 60_000);
    assert.ok(p.ok && p.verify(SECRET));
    const late = parseSigV2(req, 1175139620_000 + 1000);
    assert.ok(!late.ok && late.code === 'AccessDenied' && late.message === 'Request has expired');
  });

  it('sub-resources are signed, other query parameters are not; a session token in the query is read', () => {
    const req = { method: 'GET', url: `/b/k?uploadId=abc&max-parts=5&x-amz-security-token=tok&AWSAccessKeyId=${KEY}&Expires=2000000000&Signature=sig%3D`, headers: {} };
    const p = parseSigV2(req, 0);
    assert.ok(p.ok);
    assert.equal(p.sessionToken, 'tok');
    assert.ok(!isSigV2({ method: 'GET', url: '/b/k', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=…' } }));
  });
});
