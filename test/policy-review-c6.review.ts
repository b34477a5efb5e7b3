/**
 * Policy review C6: a resource policy attached to an ARN with a wildcard (`arn:aws:s3:::data/*`) was stored and then
 * governed nothing: policies are looked up by the request's ARN and its `/`-prefixes (`arn:aws:s3:::data/x`,
 * `arn:aws:s3:::data`), never by pattern, so a Deny attached there was silently ignored (authorize API, real server).
 * `PUT /v1/resource-policies` now refuses such an ARN, naming it and saying to attach to the bucket or prefix and
 * select objects with the `Resource` element.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const doc = (...Statement: unknown[]): Record<string, unknown> => ({ Version: '2012-10-17', Statement });
const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

describe('policy review C6: a resource policy on a wildcard ARN is refused, not silently ignored', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'reader' }));
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'p', PolicyDocument: JSON.stringify(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })) }));
  });
  after(async () => {
    await s.stop();
  });

  it('PUT on arn:aws:s3:::data/* is a validation error naming the ARN; the same Deny on the bucket applies', async () => {
    const deny = doc({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' });
    for (const arn of ['arn:aws:s3:::data/*', 'arn:aws:s3:::data/secret?', 'acs:oss:*:*:data/*']) {
      const put = await call(conn(s, s.admin), 'PUT', ['resource-policies', arn], { body: { document: deny } });
      assert.equal(put.ok, false, `${arn}: ${JSON.stringify(put)}`);
      assert.match(JSON.stringify(put), /wildcard/);
      assert.ok(!put.ok && put.message.includes(`\`${arn}\``), `the error names the ARN: ${JSON.stringify(put)}`);
    }
    const ask = async () => {
      const r = await call<{ decision: string }>(conn(s, s.admin), 'POST', ['authorize'], { body: { principal: `arn:aws:iam::${ROOT}:user/reader`, action: 's3:GetObject', resource: 'arn:aws:s3:::data/k' } });
      assert.ok(r.ok, JSON.stringify(r));
      return r.value.decision;
    };
    assert.equal(await ask(), 'Allow');
    const onBucket = await call(conn(s, s.admin), 'PUT', ['resource-policies', 'arn:aws:s3:::data'], { body: { document: deny } });
    assert.ok(onBucket.ok, JSON.stringify(onBucket));
    assert.equal(await ask(), 'ExplicitDeny');
  });
});
