/**
 * Review hn, 7: the authorize API refuses a list for a single-valued global key (review N, N2), but only for the keys of
 * its table: `aws:ResourceOrgID`, `aws:SourceOrgID`, `aws:CalledViaFirst`, `aws:CalledViaLast`, `aws:VpceAccount`,
 * `aws:VpceOrgID`, `aws:SourceVpcArn`, `aws:Ec2InstanceSourceVpc` (single-valued strings in AWS's global condition keys)
 * and `aws:Ec2InstanceSourcePrivateIPv4` (one IP address) were taken with any number of values. A negated operator on a
 * list holds only if no value matches, so the data perimeter `Deny … StringNotEqualsIfExists aws:ResourceOrgID o-ours`
 * did not apply to a question whose context said `["o-ours", "o-theirs"]`: ImplicitDeny became Allow. Now such a
 * context is refused with REQUEST_INVALID_CONTEXT at the key, and an IP key takes only an address, as the others.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/perim';
const doc = (Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review hn7: single-valued organization and network keys take one value', () => {
  let s: TestServer;
  const ask = (context: Record<string, unknown>) => call<{ decision: string }>(connectionTo(s.url, s.admin), 'POST', ['authorize'], { body: { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context } });
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'perim' }));
    await s.iam().send(new I.PutUserPolicyCommand({
      UserName: 'perim',
      PolicyName: 'perimeter',
      PolicyDocument: doc([
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:ResourceOrgID': 'o-ours' } } },
      ]),
    }));
  });
  after(async () => {
    await s.stop();
  });

  it('a list for aws:ResourceOrgID is refused at the key, not decided', async () => {
    const r = await ask({ 'aws:ResourceOrgID': ['o-ours', 'o-theirs'] });
    assert.ok(!r.ok, JSON.stringify(r));
    assert.equal(r.errors[0]?.code, 'REQUEST_INVALID_CONTEXT');
    assert.equal(r.errors[0]?.path, 'context.aws:ResourceOrgID');
    assert.match(r.errors[0]?.message ?? '', /single-valued/);
    assert.equal(await authorizeDecision(s, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'aws:ResourceOrgID': 'o-theirs' } }), 'ExplicitDeny');
    assert.equal(await authorizeDecision(s, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'aws:ResourceOrgID': 'o-ours' } }), 'Allow');
  });

  it('the other single-valued keys, in either dialect and any case; an IP key takes an address', async () => {
    for (const key of ['aws:SourceOrgID', 'AWS:CALLEDVIAFIRST', 'aws:CalledViaLast', 'aws:VpceAccount', 'aws:VpceOrgID', 'aws:SourceVpcArn', 'aws:Ec2InstanceSourceVpc', 'acs:ResourceOrgID']) {
      const r = await ask({ [key]: ['a', 'b'] });
      assert.ok(!r.ok && r.errors[0]?.code === 'REQUEST_INVALID_CONTEXT', `${key}: ${JSON.stringify(r)}`);
    }
    const ip = await ask({ 'aws:Ec2InstanceSourcePrivateIPv4': 'not-an-ip' });
    assert.ok(!ip.ok && ip.errors[0]?.code === 'REQUEST_INVALID_CONTEXT', JSON.stringify(ip));
    assert.ok((await ask({ 'aws:Ec2InstanceSourcePrivateIPv4': '10.0.0.5', 'aws:CalledViaFirst': 'athena.amazonaws.com' })).ok);
    // Multivalued keys keep their lists.
    assert.ok((await ask({ 'aws:CalledVia': ['athena.amazonaws.com', 'dynamodb.amazonaws.com'], 'aws:ResourceOrgPaths': ['o-a/r-1/', 'o-a/r-2/'] })).ok);
  });
});
