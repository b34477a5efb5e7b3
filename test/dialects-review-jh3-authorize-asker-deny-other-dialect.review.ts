/**
 * Review jh, 3: asking the authorize API about another principal needs `gatehouse:Authorize` on that principal's ARN
 * (DESIGN.md "Authorize API"), decided with the engine alone and so literally: eve, allowed `*` in the `aws` root
 * account and denied `gatehouse:Authorize` on `acs:ram::000000000000:user/bob` (RAM's spelling of bob's ARN), asked
 * about `arn:aws:iam::000000000000:user/bob` and was answered (200, with bob's decision), learning what bob may do.
 * The asker's permission is now decided as every administrative decision is (`decideAdmin`): a Deny statement naming
 * the action and the principal in the other dialect refuses, an exemption by `NotResource` in the account's spelling
 * still exempts. Real server, SigV4-signed `/v1/authorize`. Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';

describe('jh3: a Deny of gatehouse:Authorize on a principal spelt in the other dialect applies', () => {
  let s: TestServer;
  let eve: Credentials;
  let pat: Credentials;
  const v1 = (method: string, path: string, body?: unknown, who?: Credentials) => gatehouseJson(s.url, who ?? s.admin, method, path, body);
  const keyOf = async (iam: I.IAMClient, user: string): Promise<Credentials> => {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };
  const ask = (about: string, who: Credentials) => v1('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/${about}`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }, who);

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['eve', 'pat', 'bob', 'carol']) await iam.send(new I.CreateUserCommand({ UserName: u }));
    const policy = (UserName: string, Statement: unknown[]) => iam.send(new I.PutUserPolicyCommand({ UserName, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
    await policy('eve', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'gatehouse:Authorize', Resource: `acs:ram::${ROOT}:user/bob` },
    ]);
    // pat: asking about anyone but carol denied, in the account's own spelling.
    await policy('pat', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'gatehouse:Authorize', NotResource: `arn:aws:iam::${ROOT}:user/carol` },
    ]);
    eve = await keyOf(iam, 'eve');
    pat = await keyOf(iam, 'pat');
  });
  after(async () => {
    await s?.stop();
  });

  it('eve is refused asking about bob, and answered about carol', async () => {
    const bob = await ask('bob', eve);
    assert.equal(bob.status, 403, JSON.stringify(bob.json));
    assert.match(JSON.stringify(bob.json), /explicit/);
    const carol = await ask('carol', eve);
    assert.equal(carol.status, 200, JSON.stringify(carol.json));
  });

  it('an exemption by NotResource in the account dialect still exempts', async () => {
    const carol = await ask('carol', pat);
    assert.equal(carol.status, 200, JSON.stringify(carol.json));
    const bob = await ask('bob', pat);
    assert.equal(bob.status, 403, JSON.stringify(bob.json));
  });
});
