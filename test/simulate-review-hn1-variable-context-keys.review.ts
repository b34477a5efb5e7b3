/**
 * Review hn, 1: GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy answered the keys of `Condition`
 * blocks alone, not those a policy reads through a policy variable (`${aws:PrincipalTag/team}` in a `Resource`, a
 * `${aws:username}` in a String condition's value). IAM answers "all of the context keys referenced in the input
 * policies", for the caller to know "what key names and values you must supply when you call SimulateCustomPolicy":
 * a simulation of `arn:aws:s3:::home/${aws:PrincipalTag/team}/*` for a principal without that tag is an implicit deny
 * that no ContextEntry was ever asked for. Now the keys of variables count too, in the order written, each once whatever
 * its case — under `Version: 2012-10-17` only (elsewhere `${…}` is literal text), and not the escapes `${*}`, `${?}`,
 * `${$}`, nor a variable before an ARN's resource part (not substituted there).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

const doc = (Statement: object[], Version = '2012-10-17') => JSON.stringify({ Version, Statement });

describe('review hn1: the context keys of policy variables', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'teamer', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }]) }));
    await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'teamer', PolicyName: 'home', PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:PrincipalTag/team}/*' }]) }));
  });
  after(async () => {
    await s.stop();
  });

  it('custom: keys read by variables in Resource and in String condition values, with the condition keys, each once', async () => {
    const r = await s.iam().send(new I.GetContextKeysForCustomPolicyCommand({
      PolicyInputList: [
        doc([
          { Effect: 'Allow', Action: 's3:GetObject', Resource: ["arn:aws:s3:::home/${aws:PrincipalTag/team, 'all'}/*", 'arn:aws:s3:::x/${*}${?}${$}'] },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { StringLike: { 's3:prefix': ['${aws:username}/*', 'shared/${AWS:PRINCIPALTAG/TEAM}'] } } },
          { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:dynamodb:*:${aws:SourceAccount}:table/${aws:userid}' },
        ]),
      ],
    }));
    assert.deepEqual(r.ContextKeyNames, ['aws:PrincipalTag/team', 's3:prefix', 'aws:username', 'aws:userid']);
  });

  it('a policy of 2008-10-17 reads no variable: none of its `${…}` is a key', async () => {
    const r = await s.iam().send(new I.GetContextKeysForCustomPolicyCommand({ PolicyInputList: [doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:username}/*' }], '2008-10-17')] }));
    assert.deepEqual(r.ContextKeyNames ?? [], []);
  });

  it("principal: a role's inline policy reading a principal tag in its Resource", async () => {
    const r = await s.iam().send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::000000000000:role/teamer' }));
    assert.deepEqual(r.ContextKeyNames, ['aws:PrincipalTag/team']);
  });
});
