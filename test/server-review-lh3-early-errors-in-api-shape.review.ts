/**
 * Review lh, 3: the refusals the Query API edge makes before it has read the action (a body over 1 MiB: 413; a
 * Content-Encoding: 415; more than 4,096 parameters; bytes that are not UTF-8: 400) were always IAM's XML. An Alibaba
 * STS client (Version 2015-04-01 in the query string, or `x-acs-version` on a V3 request) reads Alibaba's
 * `{RequestId, Code, Message}` JSON, and an identity verifier forwarding a presigned STS GetCallerIdentity with
 * `Accept: application/json` (aws-iam-authenticator) reads STS's JSON error: neither could read the reason. Now what the
 * query string and headers say of the API (read before the body) chooses the shape, as the answers after the action do.
 * Against a real edge on 127.0.0.1, with fetch.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { edgeWorld, type EdgeWorld } from './support/edge-world.ts';

let world: EdgeWorld | undefined;
let base = '';
before(async () => {
  world = await edgeWorld('server-lh3');
  base = `http://127.0.0.1:${world.port}`;
});
after(() => world?.close());

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('review lh3: errors before the action is known answer in the API\'s own shape', () => {
  it('an Alibaba STS request (query Version 2015-04-01, Format=JSON) with a body that is not UTF-8 gets Alibaba\'s JSON', async () => {
    const res = await fetch(`${base}/?Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON`, { method: 'POST', headers: form, body: Buffer.from([0x52, 0x6f, 0x6c, 0x65, 0x3d, 0xe9]) });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body['Code'], 'InvalidParameter');
    assert.match(String(body['Message']), /not valid UTF-8/);
    assert.equal(typeof body['RequestId'], 'string');
  });

  it('an Alibaba V3 request (x-acs-action and x-acs-version) over 1 MiB gets 413 in Alibaba\'s JSON', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: { ...form, 'x-acs-action': 'AssumeRoleWithOIDC', 'x-acs-version': '2015-04-01' }, body: 'a'.repeat((1 << 20) + 1) });
    assert.equal(res.status, 413);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(typeof body['Code'], 'string');
    assert.match(String(body['Message']), /exceeds 1048576 bytes/);
  });

  it('a presigned STS GetCallerIdentity asking for JSON, with a parameter that is not UTF-8, gets STS\'s JSON error', async () => {
    const res = await fetch(`${base}/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Date=%E9`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { Error?: { Code?: string; Message?: string } };
    assert.equal(body.Error?.Code, 'ValidationError');
    assert.match(body.Error?.Message ?? '', /X-Amz-Date/);
  });

  it('an IAM request is still answered in IAM\'s XML (unchanged)', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', headers: form, body: Buffer.from('Action=ListUsers&Version=2010-05-08&X=\xe9', 'latin1') });
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.match(text, /<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
    assert.match(text, /<Code>ValidationError<\/Code>/);
  });
});
