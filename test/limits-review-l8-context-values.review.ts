/**
 * An authorize or simulate context holds at most 1,024 values, all keys together, each of at most 4,096 characters
 * (review limits, L8). Keys were capped at 256, but not their values: every condition on a key walks its values, so
 * 420,000 values (4 MiB) against 50 conditioned statements held the event loop 1 s for one question about oneself.
 *
 * Against a real `gatehouse server` (test/support/server.ts): `/v1/authorize` and `/v1/authorize:batch` (SigV4, a
 * user asking about itself) and SimulateCustomPolicy (AWS SDK v3) refuse one value past either bound with 400 and a
 * message naming it, and answer at the bounds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let erin: Credentials;
const ERIN = 'arn:aws:iam::000000000000:user/erin';

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const u = new URL(server.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: erin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body: text });
  const r = await fetch(new URL(path, u), { method: 'POST', headers: signed.headers, body: text });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

const values = (n: number, prefix = 'v'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const ask = (context: Record<string, unknown>) => ({ principal: ERIN, action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context });
const messageOf = (json: Record<string, unknown>): string => JSON.stringify(json);

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  const Statement = Array.from({ length: 5 }, (_, i) => ({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b', Condition: { StringEquals: { 's3:prefix': `p${i}` } } }));
  await iam.send(new CreateUserCommand({ UserName: 'erin' }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'prefixes', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'erin', PolicyArn: 'arn:aws:iam::000000000000:policy/prefixes' }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'erin' }));
  erin = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
});
after(async () => {
  await server?.stop();
});

describe('context values are bounded (review limits, L8)', () => {
  it('authorize answers 1,024 values and refuses 1,025, counted over every key', async () => {
    const at = await post('/v1/authorize', ask({ 's3:prefix': [...values(1023), 'p3'] }));
    assert.equal(at.status, 200, messageOf(at.json));
    assert.equal(at.json['decision'], 'Allow');
    const past = await post('/v1/authorize', ask({ 's3:prefix': values(1025) }));
    assert.equal(past.status, 400, messageOf(past.json));
    assert.ok(messageOf(past.json).includes('the context holds at most 1024 values in all: send only the values the policies read'), messageOf(past.json));
    const spread = await post('/v1/authorize', ask({ 's3:prefix': values(600), 'aws:TagKeys': values(100, 't'), 'app:x': values(325, 'x') }));
    assert.equal(spread.status, 400, messageOf(spread.json));
    assert.ok(messageOf(spread.json).includes('the context holds at most 1024 values in all'), messageOf(spread.json));
  });

  it('authorize answers a value of 4,096 characters and refuses one of 4,097', async () => {
    const at = await post('/v1/authorize', ask({ 's3:prefix': 'x'.repeat(4096) }));
    assert.equal(at.status, 200, messageOf(at.json));
    assert.equal(at.json['decision'], 'ImplicitDeny');
    const past = await post('/v1/authorize', ask({ 's3:prefix': ['p1', 'x'.repeat(4097)] }));
    assert.equal(past.status, 400, messageOf(past.json));
    assert.ok(messageOf(past.json).includes('a value of `s3:prefix` is 4097 characters; the limit is 4096: shorten it'), messageOf(past.json));
  });

  it('a batch bounds each question', async () => {
    const ok = await post('/v1/authorize:batch', { requests: [ask({ 's3:prefix': values(1000) }), ask({ 's3:prefix': values(1000) })] });
    assert.equal(ok.status, 200, messageOf(ok.json));
    const past = await post('/v1/authorize:batch', { requests: [ask({ 's3:prefix': 'p0' }), ask({ 's3:prefix': values(2000) })] });
    assert.ok(messageOf(past.json).includes('the context holds at most 1024 values in all'), messageOf(past.json));
  });

  it('SimulateCustomPolicy bounds its ContextEntries alike', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { StringEquals: { 's3:prefix': 'p1' } } }] });
    const simulate = (ContextEntries: { ContextKeyName: string; ContextKeyValues: string[]; ContextKeyType: 'stringList' }[]) =>
      server.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [policy], ActionNames: ['s3:ListBucket'], ContextEntries }));
    const at = await simulate([{ ContextKeyName: 's3:prefix', ContextKeyValues: [...values(1023), 'p1'], ContextKeyType: 'stringList' }]);
    assert.equal(at.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    const many = await sdkFailure(simulate([
      { ContextKeyName: 's3:prefix', ContextKeyValues: values(1000), ContextKeyType: 'stringList' },
      { ContextKeyName: 'app:other', ContextKeyValues: values(25), ContextKeyType: 'stringList' },
    ]));
    assert.deepEqual(many, { code: 'InvalidInput', message: 'ContextEntries.member.2.ContextKeyValues: the context holds at most 1024 values in all: send only the values the policies read', status: 400 });
    const long = await sdkFailure(simulate([{ ContextKeyName: 's3:prefix', ContextKeyValues: ['p1', 'y'.repeat(4097)], ContextKeyType: 'stringList' }]));
    assert.deepEqual(long, { code: 'InvalidInput', message: 'ContextEntries.member.1.ContextKeyValues: a value of `s3:prefix` is 4097 characters; the limit is 4096: shorten it', status: 400 });
  });
});
