/**
 * A question's context may not carry a typed global key the engine cannot read (review N, N2): `aws:SourceIp` that is
 * not one address (`not-an-ip`, empty, `a, b`, a list), `aws:SecureTransport` that is not `true`/`false`, a date key
 * that is not a date. Before, such a value made a `Deny … NotIpAddress`/`Bool` guard stop applying and the answer was
 * Allow; now `/v1/authorize`, `/v1/authorize:batch`, `/v1/simulate` and IAM `SimulatePrincipalPolicy` refuse it with
 * `REQUEST_INVALID_CONTEXT` (`InvalidInput`) naming the key. Real server (SQLite) on 127.0.0.1, SigV4-signed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const READ = { action: 'svc:Read', resource: `arn:aws:svc:us-east-1:${ROOT}:thing/ip` };
/** Alice may do anything in svc, except from outside 10.0.0.0/8 and over plain HTTP (the question's context says which). */
const ALICE_POLICY = doc(
  { Effect: 'Allow', Action: 'svc:*', Resource: '*' },
  { Sid: 'OnlyCorp', Effect: 'Deny', Action: 'svc:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
  { Sid: 'OnlyTls', Effect: 'Deny', Action: 'svc:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
);

const BAD: readonly [context: Record<string, unknown>, key: string][] = [
  [{ 'aws:SourceIp': 'not-an-ip' }, 'aws:SourceIp'],
  [{ 'aws:SourceIp': '' }, 'aws:SourceIp'],
  [{ 'aws:SourceIp': '203.0.113.9, 10.1.1.1' }, 'aws:SourceIp'],
  [{ 'aws:SourceIp': ['203.0.113.9', '10.1.1.1'] }, 'aws:SourceIp'],
  [{ 'aws:SourceIp': '10.1.1.1', 'AWS:SOURCEIP': '203.0.113.9' }, 'aws:SourceIp'],
  [{ 'aws:SourceIp': '10.1.1.1', 'aws:SecureTransport': '0' }, 'aws:SecureTransport'],
  [{ 'aws:SourceIp': '10.1.1.1', 'acs:SecureTransport': 'yes' }, 'acs:SecureTransport'],
];

describe('authorize API: typed global context keys are checked at the edge', () => {
  let s: TestServer;
  let alice: Credentials;
  const as = (path: string, body: unknown) => gatehouseJson(s.url, alice, 'POST', path, body);
  const error = (json: Record<string, unknown>) => json['error'] as { code?: string; gatehouseCode?: string; message?: string; details?: { path?: string }[] } | undefined;

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: ALICE_POLICY }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  });
  after(() => s?.stop());

  it('readable values still decide: inside the network over TLS → Allow, outside or over HTTP → ExplicitDeny', async () => {
    const inside = await as('/v1/authorize', { ...READ, context: { 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': true } });
    assert.equal(inside.json['decision'], 'Allow', JSON.stringify(inside.json));
    const listed = await as('/v1/authorize', { ...READ, context: { 'aws:SourceIp': ['10.1.2.3'], 'aws:SecureTransport': 'true' } });
    assert.equal(listed.json['decision'], 'Allow', JSON.stringify(listed.json));
    const outside = await as('/v1/authorize', { ...READ, context: { 'aws:SourceIp': '203.0.113.9', 'aws:SecureTransport': 'true' } });
    assert.equal(outside.json['decision'], 'ExplicitDeny', JSON.stringify(outside.json));
    const plain = await as('/v1/authorize', { ...READ, context: { 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': 'false' } });
    assert.equal(plain.json['decision'], 'ExplicitDeny', JSON.stringify(plain.json));
  });

  for (const [context, key] of BAD) {
    it(`${JSON.stringify(context)} is refused on authorize, simulate and batch, naming \`${key}\``, async () => {
      for (const path of ['/v1/authorize', '/v1/simulate']) {
        const r = await as(path, { ...(path === '/v1/simulate' ? { principal: ALICE } : {}), ...READ, context });
        assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.json)}`);
        assert.equal(error(r.json)?.gatehouseCode, 'REQUEST_INVALID_CONTEXT', `${path}: ${JSON.stringify(r.json)}`);
        assert.equal(error(r.json)?.details?.[0]?.path, `context.${key}`, `${path}: ${JSON.stringify(r.json)}`);
        assert.ok(String(error(r.json)?.message).startsWith(`context key \`${key}\``), `${path}: ${JSON.stringify(r.json)}`);
      }
      const batch = await as('/v1/authorize:batch', { requests: [{ ...READ, context }, { ...READ, context: { 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': 'true' } }] });
      assert.equal(batch.status, 200, JSON.stringify(batch.json));
      const [bad, good] = batch.json['results'] as { decision?: string; error?: { code?: string } }[];
      assert.equal(bad?.error?.code, 'REQUEST_INVALID_CONTEXT', JSON.stringify(bad));
      assert.equal(good?.decision, 'Allow', JSON.stringify(good));
    });
  }

  it('IAM SimulatePrincipalPolicy refuses the same values with InvalidInput, and decides readable ones', async () => {
    const iam = s.iam();
    const simulate = (ContextEntries: { ContextKeyName: string; ContextKeyValues: string[]; ContextKeyType: 'ip' | 'ipList' | 'boolean' | 'date' }[]) =>
      iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ALICE, ActionNames: [READ.action], ResourceArns: [READ.resource], ContextEntries }));
    const ok = await simulate([{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['10.1.2.3'], ContextKeyType: 'ip' }, { ContextKeyName: 'aws:SecureTransport', ContextKeyValues: ['true'], ContextKeyType: 'boolean' }]);
    assert.equal(ok.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    for (const entries of [
      [{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['not-an-ip'], ContextKeyType: 'ip' }],
      [{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['203.0.113.9', '10.1.1.1'], ContextKeyType: 'ipList' }],
      [{ ContextKeyName: 'aws:SecureTransport', ContextKeyValues: ['0'], ContextKeyType: 'boolean' }],
      [{ ContextKeyName: 'aws:CurrentTime', ContextKeyValues: ['yesterday'], ContextKeyType: 'date' }],
    ] as const) {
      const asked = simulate(entries.map((e) => ({ ...e, ContextKeyValues: [...e.ContextKeyValues] })));
      const message = asked.then(() => 'no error', (e: unknown) => String((e as Error).message));
      assert.equal(await errorName(asked), 'InvalidInputException', JSON.stringify(entries));
      assert.match(await message, /ContextEntries\.member\.1: context key `aws:\w+`/);
    }
  });
});
