/**
 * Review of oidc, finding 3: a refused AssumeRoleWithWebIdentity is recorded under a principal the caller cannot
 * choose. Before, the principal was the token's `iss`, read without verification, so an unsigned token with
 * `iss: arn:aws:iam::…:user/admin` wrote Deny records attributed to the admin. A real server (startTestServer,
 * 127.0.0.1), the real `@aws-sdk/client-sts`, an issuer on loopback, and the audit log read through its API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { auditRecords, REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ADMIN = `arn:aws:iam::${ACCT}:user/admin`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const b64u = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;
let url = '';
let providerArn = '';

const token = (sub: string): Promise<string> => issuer.mint({ sub });

async function exchange(t: string, session: string): Promise<string> {
  try {
    await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: session, WebIdentityToken: t }));
    return 'issued';
  } catch (e) {
    return (e as Error).name;
  }
}

before(async () => {
  issuer = await startOidcIssuer({ keys: { k1: 'RS256' } });
  url = issuer.url;
  server = await startTestServer();
  const iam = server.iam();
  providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  await iam.send(
    new I.CreateRoleCommand({
      RoleName: 'wi',
      AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:ml/train' } } }),
    }),
  );
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

describe('oidc review 3: the principal of a refused web identity call is not chosen by the caller', () => {
  it('an unverified token is recorded as anonymous with the claimed issuer in the detail; a verified one under the provider ARN', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64u({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64u({ iss: ADMIN, sub: 'x', aud: 'sts.amazonaws.com', exp: now + 600 })}.c2ln`;
    assert.equal(await exchange(unsigned, 'forged-admin'), 'InvalidIdentityTokenException');
    // The registered issuer's URL, but not signed by its key.
    const good = await token('repo:ml/train');
    const [h, b] = good.split('.');
    assert.equal(await exchange(`${h}.${b}.${'A'.repeat(342)}`, 'bad-signature'), 'InvalidIdentityTokenException');
    // Verified, refused by the trust policy's sub condition.
    assert.equal(await exchange(await token('repo:other/x'), 'other-subject'), 'AccessDenied');
    assert.equal(await exchange(good, 'allowed'), 'issued');

    const app = server.running.app;
    const root = await app.authenticate(server.admin.accessKeyId);
    assert.ok(root.ok);
    await app.audit.flush();
    const q = await app.audit.query(root.value.caller, { action: 'sts:AssumeRoleWithWebIdentity' });
    assert.ok(q.ok);
    const bySession = (name: string) => q.value.records.filter((r) => r.decision === 'Deny' && r.detail['roleSessionName'] === name);
    const shown = (name: string) => bySession(name).map((r) => [r.principal, r.detail['claimedIssuer'], r.detail['issuerVerified'], r.detail['subject']]);
    assert.deepEqual(shown('forged-admin'), [['anonymous', ADMIN, false, undefined]]);
    assert.deepEqual(shown('bad-signature'), [['anonymous', url, false, undefined]]);
    assert.deepEqual(shown('other-subject'), [[providerArn, undefined, undefined, 'repo:other/x']]);
    assert.ok(!q.value.records.some((r) => r.principal === ADMIN), 'nothing recorded under the ARN the token claimed');
    const byAdmin = await app.audit.query(root.value.caller, { principal: ADMIN, action: 'sts:AssumeRoleWithWebIdentity' });
    assert.ok(byAdmin.ok);
    assert.equal(byAdmin.value.records.length, 0);
  });
});

describe('review V, P2: refusals after the token verified are recorded, with the role as the directory names it', () => {
  it('a duration over the role maximum, a session policy over the packed size, and the role spelt in capitals: one Deny each', async () => {
    const send = async (params: Partial<S.AssumeRoleWithWebIdentityCommandInput>) => {
      try {
        await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, WebIdentityToken: await token('repo:ml/train'), RoleSessionName: 'p2', ...params }));
        return 'issued';
      } catch (e) {
        return (e as Error).name;
      }
    };
    assert.equal(await send({ RoleSessionName: 'too-long', DurationSeconds: 43_200 }), 'ValidationError');
    // Within STS's 2,048 characters of plaintext for the policy and the policy ARNs together (review nl, 1: over them,
    // the call is a ValidationError before the token is read, and no refusal after it), so refused past the token.
    const big = doc(...Array.from({ length: 8 }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-${i}-${'x'.repeat(100)}/*` })));
    const arns = Array.from({ length: 10 }, (_, i) => ({ arn: `arn:aws:iam::${ACCT}:policy/p${i}` }));
    assert.ok(big.length + arns.reduce((n, a) => n + a.arn.length, 0) <= 2048, `${big.length}`);
    const packed = await send({ RoleSessionName: 'packed', Policy: big, PolicyArns: arns });
    assert.notEqual(packed, 'issued');
    assert.equal(await send({ RoleSessionName: 'capitals', RoleArn: `arn:aws:iam::${ACCT}:role/WI`, DurationSeconds: 43_200 }), 'ValidationError');

    const q = await auditRecords(server, { role: `arn:aws:iam::${ACCT}:role/wi`, action: 'sts:AssumeRoleWithWebIdentity' });
    const denied = (name: string) => q.filter((r) => r.decision === 'Deny' && r.detail['roleSessionName'] === name);
    assert.equal(denied('too-long').length, 1, JSON.stringify(q.map((r) => r.detail)));
    assert.equal(denied('too-long')[0]?.principal, providerArn);
    assert.equal(denied('packed').length, 1);
    const capitals = denied('capitals');
    assert.equal(capitals.length, 1, 'found by the role as the directory names it');
    assert.equal(capitals[0]?.detail['requestedRoleArn'], `arn:aws:iam::${ACCT}:role/WI`);
  });
});
