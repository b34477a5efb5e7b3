/**
 * Review qr, 3: in an `acs` account every change to the directory is recorded under RAM's service, as it is decided
 * (`ram:CreateUser`, `ram:PutRolePolicy`…), but the OpenID Connect provider calls were recorded under IAM's,
 * `iam:CreateOpenIDConnectProvider`, `iam:AddClientIDToOpenIDConnectProvider`…, while their authorization asked, and a
 * refusal's message named, `ram:CreateOpenIDConnectProvider`. So `gatehouse audit query --action
 * ram:CreateOpenIDConnectProvider` (the action the refusal names) found nothing in an Alibaba account, nor did a query
 * for the RAM changes of one: registering an identity provider, then a role trusting it, is how access is kept, and its
 * record was filed under the other dialect's name.
 *
 * Now a provider's change and refusal are recorded under the account's service (`ram:` in `acs` accounts, `iam:` in
 * `aws` ones, unchanged), and a query by the `ram:` name lists the records written before under `iam:` too (as review
 * pk, 2 did for renamed actions). A real server on 127.0.0.1, SDK v3, issuers on loopback, the audit log read back.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { accountAdmin, auditRecords, startTestServer, type TestServer } from './support/server.ts';
import { actionFilterNames } from '../src/core/audit/index.ts';

const ACS = '350000000903';
const AWS = '350000000904';

describe('qr3: an OIDC provider’s changes are recorded under the account’s service', () => {
  let s: TestServer;
  let issuers: OidcIssuer[] = [];
  let ram: I.IAMClient;
  let iam: I.IAMClient;
  let nobody: I.IAMClient;
  let acsProvider = '';

  before(async () => {
    s = await startTestServer();
    issuers = await Promise.all([startOidcIssuer(), startOidcIssuer(), startOidcIssuer()]);
    ram = s.iam(await acsAccount(s, ACS));
    iam = s.iam(await accountAdmin(s, AWS, 'aws'));
    nobody = s.iam(await ramUser(ram, 'nobody', { Effect: 'Allow', Action: 'ram:GetUser', Resource: '*' }));
    acsProvider = (await ram.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuers[0]?.url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn ?? assert.fail('no provider');
    await ram.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: acsProvider, ClientID: 'more' }));
    await assert.rejects(nobody.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuers[1]?.url, ClientIDList: ['x'] })), /ram:CreateOpenIDConnectProvider/);
    await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuers[2]?.url, ClientIDList: ['sts.amazonaws.com'] }));
  });
  after(async () => {
    for (const c of [ram, iam, nobody]) c?.destroy();
    await Promise.all(issuers.map((i) => i.close()));
    await s?.stop();
  });

  const ofAccount = async (action: string, account: string) => (await auditRecords(s, { kind: 'change', action })).filter((r) => r.account === account);

  it('in an acs account: the change and the refusal are listed by the ram: action, as a user’s are', async () => {
    const created = await ofAccount('ram:CreateOpenIDConnectProvider', ACS);
    assert.deepEqual(created.map((r) => [r.action, r.decision]).sort(), [['ram:CreateOpenIDConnectProvider', 'ACCESS_DENIED'], ['ram:CreateOpenIDConnectProvider', 'ok']]);
    const widened = await ofAccount('ram:AddClientIDToOpenIDConnectProvider', ACS);
    assert.deepEqual(widened.map((r) => [r.action, r.resource]), [['ram:AddClientIDToOpenIDConnectProvider', acsProvider]]);
    assert.equal((await ofAccount('ram:CreateUser', ACS)).length, 1, 'a user’s creation, for comparison');
  });

  it('in an aws account: still iam:', async () => {
    assert.deepEqual((await ofAccount('iam:CreateOpenIDConnectProvider', AWS)).map((r) => r.action), ['iam:CreateOpenIDConnectProvider']);
  });

  it('a query by the ram: name lists records written before under iam: as well', () => {
    for (const a of ['CreateOpenIDConnectProvider', 'DeleteOpenIDConnectProvider', 'AddClientIDToOpenIDConnectProvider', 'RemoveClientIDFromOpenIDConnectProvider', 'UpdateOpenIDConnectProviderThumbprint', 'TagOpenIDConnectProvider', 'UntagOpenIDConnectProvider']) {
      assert.deepEqual(actionFilterNames(`ram:${a}`), [`ram:${a}`, `iam:${a}`]);
      assert.deepEqual(actionFilterNames(`RAM:${a.toLowerCase()}`), [`RAM:${a.toLowerCase()}`, `iam:${a}`]);
    }
  });
});
