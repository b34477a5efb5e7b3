/**
 * Policy review C9: OSS bucket names are global, so `acs:oss:*:*:b/x`, `acs:oss:cn-hangzhou:*:b/x` and
 * `acs:oss:*:<account>:b/x` name one object (the resource-policy store already reads them as one). The matcher did
 * not: a RAM user's Deny on `acs:oss:*:<account>:mybucket/*` (the form Alibaba's own examples use) did not apply to a
 * request that spells the account `*`, as a resource server that does not know the owner does (authorize API, real
 * server, an `acs` account). A Deny's `Resource` naming one bucket now ignores an OSS ARN's region and account (one
 * over several buckets, `acs:oss:*:<account>:*`, keeps its account); an Allow's `Resource` and a Deny's `NotResource`
 * keep them as written (fails closed), and an Allow's `NotResource` naming one bucket is read as a Deny's `Resource` is
 * since review ov4 (docs/semantics.md), so the bucket it leaves out stays out in every spelling.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '123456789012';
const v1 = (...Statement: unknown[]): string => JSON.stringify({ Version: '1', Statement });

describe('policy review C9: an OSS Deny naming the account applies to any spelling of the object', () => {
  let s: TestServer;
  let acsAdmin: Credentials;
  const ask = (user: string, resource: string): Promise<string> => authorizeDecision(s, { principal: `acs:ram::${ACS}:user/${user}`, action: 'oss:GetObject', resource }, acsAdmin);
  before(async () => {
    s = await startTestServer();
    acsAdmin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(acsAdmin);
    await iam.send(new CreateUserCommand({ UserName: 'denied' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'denied', PolicyName: 'p', PolicyDocument: v1({ Effect: 'Allow', Action: 'oss:*', Resource: '*' }, { Effect: 'Deny', Action: 'oss:GetObject', Resource: `acs:oss:*:${ACS}:mybucket/*` }) }));
    // A Deny over the account's buckets (`*`): read with any account it would deny every account's buckets.
    await iam.send(new CreateUserCommand({ UserName: 'own-buckets-denied' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'own-buckets-denied', PolicyName: 'p', PolicyDocument: v1({ Effect: 'Allow', Action: 'oss:*', Resource: '*' }, { Effect: 'Deny', Action: 'oss:GetObject', Resource: `acs:oss:*:${ACS}:*` }) }));
    await iam.send(new CreateUserCommand({ UserName: 'scoped' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'scoped', PolicyName: 'p', PolicyDocument: v1({ Effect: 'Allow', Action: 'oss:GetObject', Resource: `acs:oss:*:${ACS}:mybucket/*` }) }));
  });
  after(async () => {
    await s.stop();
  });

  it('the Deny applies whether the request names the account, `*`, or a region', async () => {
    for (const resource of [`acs:oss:cn-hangzhou:${ACS}:mybucket/x`, 'acs:oss:*:*:mybucket/x', 'acs:oss:cn-hangzhou:*:mybucket/x']) {
      assert.equal(await ask('denied', resource), 'ExplicitDeny', resource);
    }
    assert.equal(await ask('denied', 'acs:oss:*:*:otherbucket/x'), 'Allow');
  });

  it('a Deny over several buckets (a wildcard bucket) keeps its account', async () => {
    assert.equal(await ask('own-buckets-denied', `acs:oss:cn-hangzhou:${ACS}:anybucket/x`), 'ExplicitDeny');
    // Another account's bucket is not denied by it (and, cross-account with no bucket policy there, not allowed either).
    assert.equal(await ask('own-buckets-denied', 'acs:oss:cn-hangzhou:999999999999:theirs/x'), 'ImplicitDeny');
  });

  it('an Allow naming the account still matches only as written', async () => {
    assert.equal(await ask('scoped', `acs:oss:cn-hangzhou:${ACS}:mybucket/x`), 'Allow');
    assert.equal(await ask('scoped', 'acs:oss:*:*:mybucket/x'), 'ImplicitDeny');
  });
});
