/**
 * Review cm, 6. A question that names a key twice was decided with the last of them, without a word:
 * - `{"principal": <alice>, …, "principal": <admin>}` was decided for the second, where a proxy or a log reading the
 *   first (as many JSON readers do) saw a question about alice: RFC 8259 §4 leaves the meaning of such an object to
 *   each reader, which is why an authorization request must not carry one;
 * - in `context`, `{"s3:prefix": "secret/a", "s3:prefix": "public"}` lost `secret/a`, so a
 *   `ForAnyValue:StringLike` Deny on `secret/*` did not apply; yet `"S3:prefix"` beside `"s3:prefix"` is read as two
 *   values of one key.
 *
 * Now the question routes (`POST /v1/authorize`, `authorize:batch`, `simulate`, `who-can`, `escalation-paths`) refuse
 * a body whose object repeats a key, 400 at its JSON path (`requests[1].context.s3:prefix`), the key compared as JSON
 * reads it (`"\u0061"` is `a`). Keys that differ in case stay two keys (a context key read as several values).
 * Real server (SQLite), SigV4-signed; the bodies are written as text, as a duplicate cannot be built from an object.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice';
const ADMIN = 'arn:aws:iam::000000000000:user/admin';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'alice' }));
  const Statement = [
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' },
    { Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: { 'ForAnyValue:StringLike': { 's3:prefix': 'secret/*' } } },
  ];
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
});
after(() => s?.stop());

type Answer = { decision?: string; results?: unknown[]; error?: { gatehouseCode?: string; message?: string; details?: { path?: string }[] } };

async function post(path: string, body: string): Promise<{ status: number; json: Answer }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const r = await fetch(new URL(path, u), { method: 'POST', headers: signed.headers, body });
  return { status: r.status, json: (await r.json()) as Answer };
}

const refusedAt = (r: { status: number; json: Answer }, path: string): void => {
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.equal(r.json.error?.gatehouseCode, 'VALIDATION_ERROR');
  assert.equal(r.json.error?.details?.[0]?.path, path, JSON.stringify(r.json));
  assert.match(r.json.error?.message ?? '', /twice/);
};

test('a repeated principal is refused, not decided for the last one', async () => {
  refusedAt(await post('/v1/authorize', `{"principal":"${ALICE}","action":"s3:ListBucket","resource":"arn:aws:s3:::b","principal":"${ADMIN}"}`), 'principal');
  // Spelt with an escape, it is the same key.
  refusedAt(await post('/v1/simulate', `{"principal":"${ALICE}","action":"s3:ListBucket","resource":"arn:aws:s3:::b","\\u0070rincipal":"${ADMIN}"}`), 'principal');
});

test('a repeated context key is refused at its path, in a batch too; keys in other cases stay several values', async () => {
  const context = '{"s3:prefix":"secret/a","s3:prefix":"public"}';
  refusedAt(await post('/v1/authorize', `{"principal":"${ALICE}","action":"s3:ListBucket","resource":"arn:aws:s3:::b","context":${context}}`), 'context.s3:prefix');
  refusedAt(await post('/v1/authorize:batch', `{"requests":[{"action":"s3:ListBucket","resource":"arn:aws:s3:::b"},{"principal":"${ALICE}","action":"s3:ListBucket","resource":"arn:aws:s3:::b","context":${context}}]}`), 'requests[1].context.s3:prefix');
  const cases = await post('/v1/authorize', `{"principal":"${ALICE}","action":"s3:ListBucket","resource":"arn:aws:s3:::b","context":{"s3:prefix":"public","S3:prefix":"secret/a"}}`);
  assert.equal(cases.json.decision, 'ExplicitDeny', JSON.stringify(cases.json));
  // The same key in two objects is no repeat.
  const two = await post('/v1/authorize:batch', `{"requests":[{"action":"s3:ListBucket","resource":"arn:aws:s3:::b","context":{"k:x":"a"}},{"action":"s3:ListBucket","resource":"arn:aws:s3:::b","context":{"k:x":"b"}}]}`);
  assert.equal(two.status, 200, JSON.stringify(two.json));
  assert.equal(two.json.results?.length, 2);
});
