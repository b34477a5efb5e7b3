/**
 * Review en, 2: the RoleSessionName rule followed the form of the `RoleArn` asked, not the account the role is in. Both
 * dialects' ARNs name a role (DESIGN, "Names and formats": "Both dialects are accepted everywhere"), and a session of a
 * role of an `acs` account is written `acs:ram::<uid>:role/<role>/<session>` whichever was used; RAM takes 2 to 64
 * letters, digits, `.`, `@`, `-` and `_` (reference policy-semantics §A.2, "STS AssumeRole"; review ao, 2), AWS STS
 * `[\w+=,.@-]` (§A.1.9). So `arn:aws:iam::<acs account>:role/r` issued `acs:ram::…:role/r/a+b,c=d`, a session name RAM
 * refuses, through AssumeRole and AssumeRoleWithWebIdentity alike; and `acs:ram::<aws account>:role/r` refused `a+b`,
 * which AWS takes, telling RAM's characters for an AWS role. Now the role's account decides (the spelling only when no
 * such account exists).
 *
 * AWS SDK v3 (client-sts) against a real server on 127.0.0.1; an OIDC issuer on loopback. Before the fix all 3 tests
 * failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

const ACS = '350000000012';
const ROOT = '000000000000';
const RAM_CHARS = /Member must satisfy regular expression pattern: \[A-Za-z0-9\.@_-\]\*/;

describe('en2: the session-name rule is the role account\'s, whichever ARN form names the role', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let acsAdmin: Credentials;

  before(async () => {
    s = await startTestServer();
    issuer = await startOidcIssuer();
    acsAdmin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(acsAdmin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ram-role', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }) }));
    const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ram-wi', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: [provider] } }] }) }));
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'aws-role', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: `arn:aws:iam::${ROOT}:root` } }] }) }));
  });

  after(async () => {
    await s?.stop();
    await issuer?.close();
  });

  it('AssumeRole on an acs role named by its arn:aws form refuses a name RAM does not take', async () => {
    const sts = s.sts(acsAdmin);
    const e = await sdkFailure(sts.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACS}:role/ram-role`, RoleSessionName: 'a+b,c=d' })));
    assert.equal(e.code, 'ValidationError', e.message);
    assert.match(e.message, /'a\+b,c=d' at 'roleSessionName'/);
    assert.match(e.message, RAM_CHARS);
    // A name RAM takes is issued, as the account's dialect writes it.
    const ok = await sts.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACS}:role/ram-role`, RoleSessionName: 'job-1' }));
    assert.equal(ok.AssumedRoleUser?.Arn, `acs:ram::${ACS}:role/ram-role/job-1`);
  });

  it('AssumeRole on an aws role named by its acs:ram form takes a name AWS takes', async () => {
    const r = await s.sts().send(new S.AssumeRoleCommand({ RoleArn: `acs:ram::${ROOT}:role/aws-role`, RoleSessionName: 'a+b' }));
    assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${ROOT}:assumed-role/aws-role/a+b`);
  });

  it('AssumeRoleWithWebIdentity on an acs role named by its arn:aws form refuses a name RAM does not take', async () => {
    const sts = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
    try {
      const e = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACS}:role/ram-wi`, RoleSessionName: 'ci=main', WebIdentityToken: await issuer.mint({}) })));
      assert.equal(e.code, 'ValidationError', e.message);
      assert.match(e.message, RAM_CHARS);
      const ok = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACS}:role/ram-wi`, RoleSessionName: 'ci-main', WebIdentityToken: await issuer.mint({}) }));
      assert.equal(ok.AssumedRoleUser?.Arn, `acs:ram::${ACS}:role/ram-wi/ci-main`);
    } finally {
      sts.destroy();
    }
  });
});
