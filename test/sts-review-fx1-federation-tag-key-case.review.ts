/**
 * Review fx, 1: GetFederationToken decided `aws:TagKeys` on the request's spelling alone. Tag keys are case-insensitive
 * (`aws:PrincipalTag/CostCenter` reads a session tag `costcenter`), so Gatehouse gives `aws:TagKeys` in the spellings the
 * caller's policies compare it with as well (review X, X1), and AssumeRole does: a Deny
 * `ForAnyValue:StringEquals aws:TagKeys [CostCenter]` on sts:TagSession refuses `costcenter` there. GetFederationToken
 * (added later, review fb, 1) did not: the same user, refused `CostCenter`, got a federated session tagged `costcenter`,
 * which every `aws:PrincipalTag/CostCenter` condition then read. Now it is refused as AssumeRole refuses it, in AWS's
 * words; a tag the Deny does not name is still issued. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  alice = await userWithKey(s, 'alice');
  await s.iam().send(new I.PutUserPolicyCommand({
    UserName: 'alice',
    PolicyName: 'federate',
    PolicyDocument: doc(
      { Effect: 'Allow', Action: ['sts:GetFederationToken', 'sts:TagSession'], Resource: '*' },
      { Effect: 'Deny', Action: 'sts:TagSession', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['CostCenter'] } } },
    ),
  }));
});
after(async () => s?.stop());

const federate = (Key: string) => s.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'fed', Tags: [{ Key, Value: '42' }] }));

test('fx1: a Deny on aws:TagKeys holds against the tag key in another case, as for AssumeRole', async () => {
  for (const key of ['CostCenter', 'costcenter', 'COSTCENTER']) {
    const refused = await sdkFailure(federate(key));
    assert.deepEqual([refused.code, refused.status], ['AccessDenied', 403], key);
    assert.match(refused.message, new RegExp(`^User: arn:aws:iam::${ACCT}:user/alice is not authorized to perform: sts:TagSession on resource: arn:aws:sts::${ACCT}:federated-user/fed with an explicit deny`), key);
  }
});

test('fx1: a tag the Deny does not name is issued', async () => {
  const r = await federate('team');
  assert.equal(r.FederatedUser?.Arn, `arn:aws:sts::${ACCT}:federated-user/fed`);
  assert.ok(r.Credentials?.SessionToken);
});
