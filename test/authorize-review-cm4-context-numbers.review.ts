/**
 * Review cm, 4. A context value sent as a JSON number was turned into text with JavaScript's `String`, whose form is
 * not the one conditions read:
 * - `{"s3:max-keys": 1e-7}` became `1e-7`, which IAM's numeric conditions do not read as a number (no exponent), so
 *   the answer said "`s3:max-keys` = `1e-7` is not a number" of a number, applied every numeric Deny (even
 *   `NumericGreaterThan 1000`) and no numeric Allow;
 * - `1e400` became `Infinity`, told "not a number" the same way;
 * - a whole number past 2^53 (`12345678901234567890`, an id sent as a number) lost its last digits in JSON and was
 *   decided as `12345678901234567000` without a word, so `StringEquals` on the id the sender meant did not match.
 *
 * Now a fraction is written in plain decimal digits (`0.0000001`), as a policy writes it, and a number JSON cannot
 * carry exactly (past ±2^53, or beyond a double's range) is refused, 400 at `context.<key>`, asking for it as a string.
 * Real server (SQLite), SigV4-signed; the bodies are written as text, so the numbers are sent as written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'alice' }));
  const Statement = [
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' },
    { Sid: 'TooMany', Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: { NumericGreaterThan: { 's3:max-keys': '1000' } } },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { NumericLessThan: { 'svc:risk': '0.001' } } },
    { Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { StringEquals: { 'svc:order': '12345678901234567890' } } },
  ];
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'n', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
});
after(() => s?.stop());

type Answer = { decision?: string; diagnostics?: string[]; error?: { gatehouseCode?: string; message?: string; details?: { path?: string }[] } };

/** `POST /v1/authorize` with `body` sent as written. */
async function ask(body: string): Promise<{ status: number; json: Answer }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/v1/authorize', query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const r = await fetch(new URL('/v1/authorize', u), { method: 'POST', headers: signed.headers, body });
  return { status: r.status, json: (await r.json()) as Answer };
}
const question = (action: string, context: string): string => `{"principal":"${ALICE}","action":"${action}","resource":"arn:aws:s3:::b/k","context":${context}}`;

test('a small fraction is a number to numeric conditions, as written in plain digits', async () => {
  const list = await ask(question('s3:ListBucket', '{"s3:max-keys": 1e-7}'));
  assert.equal(list.json.decision, 'Allow', JSON.stringify(list.json));
  const get = await ask(question('s3:GetObject', '{"svc:risk": [0.00000015]}'));
  assert.equal(get.json.decision, 'Allow', JSON.stringify(get.json));
  assert.ok(!(get.json.diagnostics ?? []).some((d) => /not a number/.test(d)), JSON.stringify(get.json));
  // Ordinary numbers as before.
  assert.equal((await ask(question('s3:ListBucket', '{"s3:max-keys": 5000}'))).json.decision, 'ExplicitDeny');
  assert.equal((await ask(question('s3:GetObject', '{"svc:risk": 0.5}'))).json.decision, 'ImplicitDeny');
});

test('a number JSON cannot carry exactly is refused, asking for a string', async () => {
  for (const [context, key] of [['{"svc:order": 12345678901234567890}', 'svc:order'], ['{"s3:max-keys": [1, 1e400]}', 's3:max-keys'], ['{"s3:max-keys": 1e21}', 's3:max-keys']] as const) {
    const r = await ask(question('s3:PutObject', context));
    assert.equal(r.status, 400, `${context}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error?.gatehouseCode, 'REQUEST_INVALID_CONTEXT');
    assert.equal(r.json.error?.details?.[0]?.path, `context.${key}`);
    assert.match(r.json.error?.message ?? '', /string/);
  }
  // As a string it is decided, digit for digit.
  const text = await ask(question('s3:PutObject', '{"svc:order": "12345678901234567890"}'));
  assert.equal(text.json.decision, 'Allow', JSON.stringify(text.json));
});
