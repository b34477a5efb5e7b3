/**
 * The authorize API decides whether the caller may ask about another principal (`gatehouse:Authorize`) with the facts
 * of the caller's own request, `aws:SourceIp` and `aws:SecureTransport`, as every other admin decision (review K,
 * K3): an IP or TLS guard on the asker holds for `principal` and `principalProof` questions alike, on authorize,
 * simulate, authorize:batch, who-can and escalation-paths. The question itself is still decided with its own context only: the
 * asker's address never reaches it. Real server (SQLite) on 127.0.0.1 over plain HTTP, `/v1/` signed by SigV4.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const ALLOW_ALL = { Effect: 'Allow', Action: '*', Resource: '*' };
const denyAllIf = (Condition: object) => ({ Sid: 'Guard', Effect: 'Deny', Action: '*', Resource: '*', Condition });
/** Alice may read objects, except from 127.0.0.0/8 (the question's context says where alice's request comes from). */
const ALICE_POLICY = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } });
const READ = { action: 's3:GetObject', resource: 'arn:aws:s3:::data/x.txt' };

describe('authorize API: may the caller ask about others is decided with its own request facts', () => {
  let s: TestServer;
  const keys = new Map<string, Credentials>();
  let aliceProof: string;

  async function user(name: string, policy: string): Promise<void> {
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
    keys.set(name, { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' });
  }
  const as = (name: string, path: string, body: unknown) => gatehouseJson(s.url, keys.get(name) as Credentials, 'POST', path, body);
  const error = (r: { json: Record<string, unknown> }) => r.json['error'] as { code?: string; message?: string } | undefined;

  before(async () => {
    s = await startTestServer();
    await user('alice', ALICE_POLICY);
    // Every request of `ipu` from 127.0.0.0/8 is denied; `tls` is denied without TLS; `corp` only from 127.0.0.0/8
    // (NotIpAddress: a negated operator, true on an absent key, so it refused every question before); `open` has no guard.
    await user('ipu', doc(ALLOW_ALL, denyAllIf({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } })));
    await user('tls', doc(ALLOW_ALL, denyAllIf({ Bool: { 'aws:SecureTransport': 'false' } })));
    await user('corp', doc(ALLOW_ALL, denyAllIf({ NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } })));
    await user('open', doc(ALLOW_ALL));
    await user('asker', doc(ALLOW_ALL, { Effect: 'Deny', Action: 'gatehouse:Authorize', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } }));
    aliceProof = `${s.url}/?${await identityProof(s.url, keys.get('alice') as Credentials)}`;
  });
  after(() => s?.stop());

  /** A refusal of `gatehouse:Authorize` on alice, with the explicit deny of the asker's guard. */
  function refusedToAsk(r: { status: number; json: Record<string, unknown> }, who: string, what: string): void {
    assert.equal(r.status, 403, `${who} ${what}: ${JSON.stringify(r.json)}`);
    assert.equal(error(r)?.code, 'AccessDenied', `${who} ${what}`);
    assert.match(String(error(r)?.message), new RegExp(`user/${who} is not authorized to perform: gatehouse:Authorize on resource: ${ALICE} with an explicit deny`), `${who} ${what}`);
  }

  for (const who of ['ipu', 'tls']) {
    it(`${who}: refused to ask about alice on authorize, simulate, batch and with alice's proof`, async () => {
      refusedToAsk(await as(who, '/v1/authorize', { principal: ALICE, ...READ }), who, 'authorize');
      refusedToAsk(await as(who, '/v1/simulate', { principal: ALICE, ...READ }), who, 'simulate');
      refusedToAsk(await as(who, '/v1/authorize', { principalProof: aliceProof, ...READ }), who, 'authorize with a proof');
      const batch = await as(who, '/v1/authorize:batch', { requests: [{ principal: ALICE, ...READ }, { principalProof: aliceProof, ...READ }] });
      assert.equal(batch.status, 200, JSON.stringify(batch.json));
      const results = batch.json['results'] as { error?: { code?: string; message?: string } }[];
      for (const r of results) {
        assert.equal(r.error?.code, 'ACCESS_DENIED', JSON.stringify(r));
        assert.match(String(r.error?.message), /gatehouse:Authorize .* with an explicit deny/);
      }
    });
  }

  it('a guard on gatehouse:Authorize alone refuses who-can and escalation-paths about others (they ask through it)', async () => {
    // `asker` may list the directory from anywhere; only asking about others is refused from 127.0.0.0/8.
    const who = await as('asker', '/v1/who-can', READ);
    assert.equal(who.status, 403, JSON.stringify(who.json));
    assert.match(String(error(who)?.message), /user\/asker is not authorized to perform: gatehouse:Authorize on resource: \S+ with an explicit deny/);
    const paths = await as('asker', '/v1/escalation-paths', { principal: ALICE });
    assert.equal(paths.status, 403, JSON.stringify(paths.json));
    assert.match(String(error(paths)?.message), /gatehouse:Authorize .* with an explicit deny/);
    refusedToAsk(await as('asker', '/v1/authorize', { principal: ALICE, ...READ }), 'asker', 'authorize');
  });

  it('ipu asking about itself: the question is decided with its own context only (no guard of the asker applied from its address)', async () => {
    // Not a question about another principal: no gatehouse:Authorize decision, and the question's context decides.
    const bare = await as('ipu', '/v1/authorize', READ);
    assert.equal(bare.json['decision'], 'Allow', JSON.stringify(bare.json));
    const loop = await as('ipu', '/v1/authorize', { ...READ, context: { 'aws:SourceIp': '127.0.0.9' } });
    assert.equal(loop.json['decision'], 'ExplicitDeny', JSON.stringify(loop.json));
  });

  it('corp (allowed only from 127.0.0.0/8) may ask from 127.0.0.1; alice is decided with the question\'s address, never the asker\'s', async () => {
    for (const asker of ['corp', 'open']) {
      const bare = await as(asker, '/v1/authorize', { principal: ALICE, ...READ });
      assert.equal(bare.status, 200, `${asker}: ${JSON.stringify(bare.json)}`);
      assert.equal(bare.json['decision'], 'Allow', `${asker}: the asker's 127.0.0.1 did not reach alice's question: ${JSON.stringify(bare.json)}`);
      const far = await as(asker, '/v1/authorize', { principal: ALICE, ...READ, context: { 'aws:SourceIp': '198.51.100.7' } });
      assert.equal(far.json['decision'], 'Allow', `${asker}: ${JSON.stringify(far.json)}`);
      const near = await as(asker, '/v1/authorize', { principal: ALICE, ...READ, context: { 'aws:SourceIp': '127.0.0.5' } });
      assert.equal(near.json['decision'], 'ExplicitDeny', `${asker}: ${JSON.stringify(near.json)}`);
      const proof = await as(asker, '/v1/simulate', { principalProof: aliceProof, ...READ, context: { 'aws:SourceIp': '198.51.100.7' } });
      assert.deepEqual([proof.json['principal'], proof.json['decision']], [ALICE, 'Allow'], `${asker}: ${JSON.stringify(proof.json)}`);
      const batch = await as(asker, '/v1/authorize:batch', { requests: [{ principal: ALICE, ...READ }, { principal: ALICE, ...READ, context: { 'aws:SourceIp': '127.0.0.5' } }] });
      assert.deepEqual((batch.json['results'] as { decision?: string }[]).map((r) => r.decision), ['Allow', 'ExplicitDeny'], `${asker}: ${JSON.stringify(batch.json)}`);
    }
  });
});
