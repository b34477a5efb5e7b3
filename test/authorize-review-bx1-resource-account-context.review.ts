/**
 * Review bx, 1. `aws:ResourceAccount` written in a question's `context` overrode the account Gatehouse itself takes as
 * the resource's owner (the ARN's account, a bucket's owner, the account whose policy governs it; docs/semantics.md:
 * "`aws:ResourceAccount` is derived"). The decision stayed cross-account (it needs the owner's resource policy), but
 * the principal's conditions read the asker's value: the data-perimeter guard AWS documents, `Deny … StringNotEquals
 * aws:ResourceAccount <our account>`, was lifted by `"context": {"aws:ResourceAccount": "<our account>"}`, and a write
 * into another account's bucket open to `*` was answered Allow. A resource server that forwards its clients' context
 * keys handed them the switch. `resourceAccount` is refused as a field of the API for that reason; the context key
 * was the same fact by another door.
 *
 * Now `aws:ResourceAccount` (any case, `acs:` too) in a question's context is ignored, as the keys describing the
 * principal are, and the answer's diagnostics say so; the condition reads the owner Gatehouse knows. On
 * `/v1/authorize`, each item of `/v1/authorize:batch`, and `/v1/simulate`. Real server (SQLite), SigV4-signed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '111111111111';
const B = '222222222222';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const OUTSIDE = 'arn:aws:s3:::bx1-outside';
const OWN_QUEUE = `arn:aws:sqs:us-east-1:${A}:jobs`;
const U = `arn:aws:iam::${A}:user/u`;

type Answer = { decision?: string; diagnostics?: string[] };

describe('authorize API: aws:ResourceAccount is the owner Gatehouse knows, never the asker’s', () => {
  let s: TestServer;
  let adminA: Credentials;
  let adminB: Credentials;
  const post = (who: Credentials, path: string, body: unknown) => gatehouseJson(s.url, who, 'POST', path, body);
  const account = async (id: string): Promise<Credentials> => {
    return accountAdmin(s, id, 'aws');
  };

  before(async () => {
    s = await startTestServer();
    adminA = await account(A);
    adminB = await account(B);
    // A's user may use S3 and SQS, inside A's own account only (the data perimeter of AWS's guides).
    await s.iam(adminA).send(new CreateUserCommand({ UserName: 'u' }));
    await s.iam(adminA).send(new PutUserPolicyCommand({
      UserName: 'u',
      PolicyName: 'perimeter',
      PolicyDocument: doc(
        { Effect: 'Allow', Action: ['s3:*', 'sqs:*'], Resource: '*' },
        { Sid: 'OnlyOurAccount', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceAccount': A } } },
      ),
    }));
    // B's bucket takes writes from anyone.
    const put = await gatehouseJson(s.url, adminB, 'PUT', `/v1/resource-policies/${encodeURIComponent(OUTSIDE)}`, { document: doc({ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `${OUTSIDE}/*` }) });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
  after(() => s?.stop());

  const spellings = [{ 'aws:ResourceAccount': A }, { 'AWS:resourceaccount': A }, { 'acs:ResourceAccount': A }];

  for (const context of spellings) {
    const key = Object.keys(context)[0] as string;
    it(`\`${key}\` in the context does not lift the perimeter on another account’s bucket`, async () => {
      const q = { principal: U, action: 's3:PutObject', resource: `${OUTSIDE}/k`, context };
      for (const path of ['/v1/authorize', '/v1/simulate']) {
        const r = await post(adminA, path, q);
        assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
        const a = r.json as Answer;
        assert.equal(a.decision, 'ExplicitDeny', `${path}: ${JSON.stringify(r.json)}`);
        assert.ok(a.diagnostics?.some((d) => d.includes(`\`${key}\` ignored`) && /owner/.test(d)), `${path}: ${JSON.stringify(r.json)}`);
      }
      const batch = await post(adminA, '/v1/authorize:batch', { requests: [q] });
      const [one] = batch.json['results'] as Answer[];
      assert.equal(one?.decision, 'ExplicitDeny', JSON.stringify(batch.json));
    });
  }

  it('without it, the same question is refused as before; the account’s own resource is allowed whatever the context says', async () => {
    const plain = await post(adminA, '/v1/authorize', { principal: U, action: 's3:PutObject', resource: `${OUTSIDE}/k` });
    assert.equal(plain.json['decision'], 'ExplicitDeny', JSON.stringify(plain.json));
    const own = await post(adminA, '/v1/authorize', { principal: U, action: 'sqs:SendMessage', resource: OWN_QUEUE, context: { 'aws:ResourceAccount': B } });
    assert.equal(own.json['decision'], 'Allow', JSON.stringify(own.json));
    assert.ok((own.json['diagnostics'] as string[]).some((d) => d.includes('`aws:ResourceAccount` ignored')), JSON.stringify(own.json));
  });
});
