/**
 * A condition that a request misses names the request's values, cut (review limits, L2): at most 10 values, each at
 * most 100 characters, then how many more. Every statement missed carries such a reason in the decision's
 * diagnostics, and each listed all of the values: a principal asking about itself, with a policy of 50 conditioned
 * statements, and a context key of 100,000 values (an 890 KB request) held the event loop 10 s and was answered 60 MB.
 * Against a real server through `/v1/authorize` (SigV4, the user's own key): 1,000 values answer a few KB of
 * diagnostics, each naming `… 990 more`; one value of 4,096 characters is shown cut. (Since L8 a context holds at
 * most 1,024 values of at most 4,096 characters, and since L12 a decision names 10 missed statements and counts the rest.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let carol: Credentials;
const CAROL = 'arn:aws:iam::000000000000:user/carol';

async function authorize(credentials: Credentials, body: unknown): Promise<{ status: number; bytes: number; json: { decision: string; diagnostics: string[] } }> {
  const u = new URL(server.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/v1/authorize', query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body: text });
  const r = await fetch(new URL('/v1/authorize', u), { method: 'POST', headers: signed.headers, body: text });
  const answer = await r.text();
  return { status: r.status, bytes: answer.length, json: JSON.parse(answer) as { decision: string; diagnostics: string[] } };
}

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  // 50 statements, each allowing the listing of one prefix: a request naming none of them misses all 50.
  const Statement = Array.from({ length: 50 }, (_, i) => ({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b', Condition: { StringEquals: { 's3:prefix': `p${i}` } } }));
  await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'prefixes', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: 'arn:aws:iam::000000000000:policy/prefixes' }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }));
  carol = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
});
after(async () => {
  await server?.stop();
});

describe('condition misses name the request values cut (review limits, L2)', () => {
  it('1,000 values of one key: each reason shows 10 and counts the rest', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => `v${i}`);
    const r = await authorize(carol, { principal: CAROL, action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': values } });
    assert.equal(r.status, 200);
    assert.equal(r.json.decision, 'ImplicitDeny');
    const misses = r.json.diagnostics.filter((d) => d.includes('does not satisfy StringEquals'));
    assert.equal(misses.length, 10);
    assert.ok(r.json.diagnostics.includes("iam: the conditions of 40 more statements did not hold (IAM's SimulatePrincipalPolicy lists every statement)"), r.json.diagnostics.join('\n'));
    assert.match(misses[0] ?? '', /`s3:prefix` = \[`v0`, `v1`, `v2`, `v3`, `v4`, `v5`, `v6`, `v7`, `v8`, `v9`, … 990 more\] does not satisfy StringEquals \["p\d+"\]/);
    assert.ok(r.bytes < 64 * 1024, `the answer is ${r.bytes} bytes`);
  });

  it('one value of 4,096 characters is shown cut to 100', async () => {
    const r = await authorize(carol, { principal: CAROL, action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'x'.repeat(4096) } });
    assert.equal(r.status, 200);
    const miss = r.json.diagnostics.find((d) => d.includes('does not satisfy StringEquals')) ?? '';
    assert.ok(miss.includes(`\`${'x'.repeat(100)}…\` does not satisfy`), miss.slice(0, 300));
    assert.ok(r.bytes < 64 * 1024, `the answer is ${r.bytes} bytes`);
  });

  it('a value that matches still allows, and a short miss names its values whole', async () => {
    const allowed = await authorize(carol, { principal: CAROL, action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': ['zz', 'p7'] } });
    assert.equal(allowed.json.decision, 'Allow');
    const missed = await authorize(carol, { principal: CAROL, action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': ['a', 'b'] } });
    assert.ok(missed.json.diagnostics.some((d) => d.includes('`s3:prefix` = [`a`, `b`] does not satisfy StringEquals ["p0"]')), missed.json.diagnostics.join('\n'));
  });
});
