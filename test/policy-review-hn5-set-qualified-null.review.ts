/**
 * Review hn, 5: `ForAllValues:Null` and `ForAnyValue:Null` were taken, and the engine dropped their qualifier: they
 * decided as plain `Null`. A set qualifier says how a key's values are compared with the policy's (reference §A.1.7:
 * `ForAllValues` is true for an absent key), `Null` compares no value (it tests presence, and takes no `IfExists`
 * either), so the document meant something the engine did not do: `Allow … ForAllValues:Null {"aws:TagKeys": "false"}`
 * written for "every tag key, if any, is present" refused every request without tags, where `ForAllValues` holds. The
 * grammar leaves no reading to choose, so a policy written now (IAM API, apply) refuses it at the operator, naming the
 * plain form; a stored one still reads as it did.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { parsePolicy } from '../src/core/iam/index.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const doc = (operator: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { [operator]: { 'aws:TagKeys': 'false' } } }] });

describe('review hn5: a set qualifier on Null', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'nully' }));
  });
  after(async () => {
    await s.stop();
  });

  for (const op of ['ForAllValues:Null', 'ForAnyValue:Null']) {
    it(`PutUserPolicy refuses ${op} at the operator`, async () => {
      const e = await sdkFailure(s.iam().send(new I.PutUserPolicyCommand({ UserName: 'nully', PolicyName: 'p', PolicyDocument: doc(op) })));
      assert.equal(e.code, 'MalformedPolicyDocument');
      assert.match(e.message, new RegExp(`${op}.*Null.*(Statement\\[0\\]\\.Condition\\.${op.replace(':', ':')})`));
      const p = parsePolicy(doc(op), { kind: 'identity', written: true });
      assert.ok(!p.ok);
      assert.equal(p.errors[0]?.code, 'POLICY_INVALID_CONDITION_OPERATOR');
      assert.equal(p.errors[0]?.path, `Statement[0].Condition.${op}`);
    });
  }

  it('plain Null is taken, and a stored document with a qualified Null still reads', async () => {
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'nully', PolicyName: 'p', PolicyDocument: doc('Null') }));
    assert.ok(parsePolicy(doc('ForAllValues:Null'), { kind: 'identity' }).ok);
  });
});
