/**
 * Review gj, 1: STS answers JSON to a request that asks for it (`Accept: application/json`), as AWS STS does. An
 * identity verifier that forwards a presigned `GetCallerIdentity` (aws-iam-authenticator's `pkg/token` verifier, and the
 * verifiers built on its pattern) sends `Accept: application/json` and unmarshals
 * `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account","Arn","UserId"},"ResponseMetadata":{"RequestId"}}}`,
 * and reads a refusal as `{"Error":{"Code","Message","Type"},"RequestId"}` (the body it logs: "expected 200, got 403.
 * Body: {"Error":{"Code":"SignatureDoesNotMatch",…}}"). Gatehouse answered XML whatever the request asked, which such a
 * verifier cannot parse: every token it checked against this server was refused. A request that does not ask for JSON
 * (the SDKs send no `Accept`, Node's fetch `*\/*`) still gets XML. Real server, presigned with the SDK's SignatureV4.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(async () => s?.stop());

/** A presigned `GET /?Action=GetCallerIdentity…` of the server, `x-k8s-aws-id` signed, as aws-iam-authenticator makes it. */
async function presigned(credentials: Credentials): Promise<string> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-k8s-aws-id': 'gpu-a' } },
    { expiresIn: 60 },
  );
  return `${s.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
}

const asVerifier = { accept: 'application/json', 'x-k8s-aws-id': 'gpu-a' };

test('gj1: a presigned GetCallerIdentity asked with Accept: application/json answers the JSON a verifier unmarshals', async () => {
  const r = await fetch(await presigned(s.admin), { headers: asVerifier });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as { GetCallerIdentityResponse: { GetCallerIdentityResult: Record<string, string>; ResponseMetadata: { RequestId: string } } };
  const id = body.GetCallerIdentityResponse.GetCallerIdentityResult;
  assert.equal(id['Account'], '000000000000');
  assert.equal(id['Arn'], 'arn:aws:iam::000000000000:user/admin');
  assert.match(id['UserId'] ?? '', /^AIDA/);
  assert.equal(body.GetCallerIdentityResponse.ResponseMetadata.RequestId, r.headers.get('x-amzn-requestid'));
});

test('gj1: a refused one is a JSON error with Code, Message and Type', async () => {
  const url = new URL(await presigned(s.admin));
  url.searchParams.set('X-Amz-Signature', '0'.repeat(64));
  const r = await fetch(url, { headers: asVerifier });
  const text = await r.text();
  assert.equal(r.status, 403, text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as { Error: { Code: string; Message: string; Type: string }; RequestId: string };
  assert.equal(body.Error.Code, 'SignatureDoesNotMatch');
  assert.equal(body.Error.Type, 'Sender');
  assert.ok(body.Error.Message.length > 0);
  assert.equal(body.RequestId, r.headers.get('x-amzn-requestid'));
});

test('gj1: without Accept: application/json the answer is XML, as before', async () => {
  const r = await fetch(await presigned(s.admin), { headers: { 'x-k8s-aws-id': 'gpu-a' } });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  assert.match(r.headers.get('content-type') ?? '', /xml/);
  assert.match(text, /<GetCallerIdentityResult><UserId>AIDA\w+<\/UserId><Account>000000000000<\/Account>/);
});
