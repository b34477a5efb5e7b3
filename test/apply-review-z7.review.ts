/**
 * Review Z, finding 7: a policy document given as a YAML/JSON object (apply's usual form) nested ~100,000 levels deep
 * was refused with "policy document must be a JSON object" (JSON.stringify's RangeError read as "not an object"),
 * false and without the limit. Now the object form is walked first and refused as the text form is: `document nested
 * too deeply`, naming the limit (64 levels) and where it is passed. A signed raw body to `POST /v1/apply` on a real
 * server on 127.0.0.1 (the client's JSON.stringify could not send such an object), and the parser in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { parsePolicy } from '../src/core/iam/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** `{"Version":…, "Statement":[{…, "Condition":{"StringEquals":{"k": [[[…]]]}}}]}` with `depth` nested arrays, as JSON text. */
const deepPolicyText = (depth: number): string =>
  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"k":${'['.repeat(depth)}${']'.repeat(depth)}}}}]}`;

describe('review Z7: a deeply nested object-form policy is refused as nested too deeply', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  /** A signed `POST /v1/apply` of one Policy document whose `document` is `deepPolicyText(depth)`: status and text. */
  async function applyDeep(depth: number): Promise<{ status: number; text: string }> {
    const body = `{"documents":[{"apiVersion":"gatehouse.dev/v1","kind":"Policy","metadata":{"name":"deep"},"spec":{"document":${deepPolicyText(depth)}}}]}`;
    const url = new URL(s.url);
    const signer = new SignatureV4({ service: 'gatehouse', region: 'us-east-1', credentials: s.admin, sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/v1/apply', query: {}, headers: { host: url.host, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body });
    const r = await fetch(`${url.origin}/v1/apply`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    return { status: r.status, text: await r.text() };
  }

  it('POST /v1/apply: past 64 levels as an object: "document nested too deeply", the limit and the path', async () => {
    // 70 levels: within the 128 a /v1/ body may nest (review fd, 1), so the policy parser says it.
    const r = await applyDeep(70);
    assert.equal(r.status, 400, r.text.slice(0, 500));
    assert.match(r.text, /document nested too deeply: more than 64 levels at Statement\[0\]\.Condition\.StringEquals\.k(\[0\])+/);
    assert.doesNotMatch(r.text, /must be a JSON object/);
    assert.match(r.text, /spec\.document\.Statement\[0\]/, 'the path within the document');
  });

  it('POST /v1/apply: 100,000 levels are refused by the edge, with its bound and the path (review fd, 1)', async () => {
    const r = await applyDeep(100_000);
    assert.equal(r.status, 400, r.text.slice(0, 500));
    assert.match(r.text, /`spec\.document\.Statement\[0\]\.Condition\.StringEquals\.k(\[0\])+` is nested past 128 levels of objects and arrays/);
    assert.doesNotMatch(r.text, /must be a JSON object/);
    const health = await fetch(`${new URL(s.url).origin}/healthz`);
    assert.equal(health.status, 200);
  });

  it('the parser: the object form says what the text form says; 60 levels are not refused for depth', () => {
    const deep = JSON.parse(deepPolicyText(70)) as unknown;
    const asObject = parsePolicy(deep, { kind: 'identity' });
    assert.ok(!asObject.ok);
    assert.equal(asObject.errors[0]?.code, 'POLICY_JSON_SYNTAX');
    assert.match(asObject.errors[0]?.message ?? '', /^document nested too deeply: more than 64 levels at Statement\[0\]\.Condition\.StringEquals\.k\[0\]/);
    const asText = parsePolicy(deepPolicyText(70), { kind: 'identity' });
    assert.ok(!asText.ok);
    assert.match(asText.errors[0]?.message ?? '', /document nested too deeply/);
    const shallow = parsePolicy(JSON.parse(deepPolicyText(55)) as unknown, { kind: 'identity' });
    // (Refused for what it is, arrays where strings belong, never for its depth.)
    assert.doesNotMatch(shallow.ok ? '' : (shallow.errors[0]?.message ?? ''), /nested too deeply/);
  });
});
