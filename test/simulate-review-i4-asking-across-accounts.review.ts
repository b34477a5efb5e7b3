/**
 * Review I, I4: whether a principal may ask about another account's principal is decided as a permission of its own
 * account (`gatehouse:Authorize` on the other principal's ARN, src/app/authorize.ts `mayAsk`), and the authorize API
 * lets it ask. The same question put to the authorize API (`gatehouse:Authorize` on that ARN) was decided as a
 * cross-account request, which no resource policy allows: ImplicitDeny for what enforcement allows. Real server
 * (SQLite) on 127.0.0.1, two accounts, SigV4-signed `/v1/` requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '111122223333';
const B = '333344445555';
const BOB = `arn:aws:iam::${B}:user/bob`;

describe('authorize: gatehouse:Authorize on another account\'s principal is answered as enforcement decides it (review I4)', () => {
  let s: TestServer;
  let aAdmin: Credentials;
  before(async () => {
    s = await startTestServer();
    const account = async (id: string): Promise<Credentials> => {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id, partition: 'aws', name: `acct-${id}` });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
    };
    aAdmin = await account(A);
    const bAdmin = await account(B);
    await s.iam(bAdmin).send(new I.CreateUserCommand({ UserName: 'bob' }));
  });
  after(() => s?.stop());

  it('A may ask about B\'s user for its own resources, and the authorize API says so', async () => {
    const asked = await gatehouseJson(s.url, aAdmin, 'POST', '/v1/authorize', { principal: BOB, action: 's3:GetObject', resource: `arn:aws:training::${A}:model/m` });
    assert.equal(asked.status, 200, JSON.stringify(asked.json));
    const self = await gatehouseJson(s.url, aAdmin, 'POST', '/v1/authorize', { action: 'gatehouse:Authorize', resource: BOB });
    assert.equal(self.status, 200, JSON.stringify(self.json));
    assert.equal(self.json['decision'], 'Allow', JSON.stringify(self.json));
  });
});
