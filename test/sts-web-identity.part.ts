/**
 * Gatehouse as an OIDC issuer and AssumeRoleWithWebIdentity, through the real `@aws-sdk/client-sts` and
 * `@aws-sdk/client-iam` against a real server (`startServer` on 127.0.0.1, random port, temporary data
 * dir): discovery and JWKS fetched with `fetch`; the server's own issuer registered as a provider (by
 * discovery, so no outside network); a workload token exchanged for role credentials; `aud`/`sub`
 * conditions in the trust policy; and every refusal as the SDK names it. A second issuer, served by the test
 * on loopback with keys it holds, signs the tokens the server's issuer would not (expired, foreign key).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { oidcPort } from '../src/adapters/http/oidc.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let app: App;
let admin: I.IAMClient;
let hostPath: string;
let providerArn: string;
let anonymous: S.STSClient;

/** A second OIDC issuer on loopback: the test holds its private keys. */
let other: OidcIssuer;

/** A JWT signed by `key`, valid for 10 minutes, for an issuer other than `other` (the server's own, an inline one). */
async function signed(key: CryptoKey, kid: string, alg: string, claims: { iss: string; sub: string; aud: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg, kid, typ: 'JWT' }).setIssuer(claims.iss).setSubject(claims.sub).setAudience(claims.aud).setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  return { name: 'no error', message: '' };
}

async function workloadToken(subject: string, audience = 'sts.amazonaws.com'): Promise<string> {
  const t = await app.oidc.issueWorkloadToken({ subject, audience, ttlSeconds: 600, claims: { 'gatehouse.dev/job': 'job-1' } });
  assert.ok(t.ok, t.ok ? '' : t.errors[0]?.message);
  return t.value.token;
}

const exchange = (token: string, role = 'wi-trainer', session = 'pod-1') =>
  anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: session, WebIdentityToken: token }));

before(async () => {
  server = await startTestServer();
  app = server.running.app;
  admin = server.iam();
  hostPath = new URL(server.url).host;
  // No credentials at all: the SDK sends AssumeRoleWithWebIdentity unsigned (credential-protocols §5.2).
  anonymous = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('no credentials should be needed')) });
  other = await startOidcIssuer({ keys: { 'test-key-1': 'RS256' } });
});

after(async () => {
  anonymous?.destroy();
  await other?.close();
  await server?.stop();
});

describe('Gatehouse as an OIDC issuer', () => {
  it('serves the discovery document and the JWKS, public keys only', async () => {
    const res = await fetch(`${server.url}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const config = (await res.json()) as Record<string, unknown>;
    assert.equal(config['issuer'], server.url);
    assert.equal(config['jwks_uri'], `${server.url}/.well-known/jwks.json`);
    assert.deepEqual(config['id_token_signing_alg_values_supported'], ['ES256']);
    assert.deepEqual(config['subject_types_supported'], ['public']);
    assert.deepEqual(config['response_types_supported'], ['id_token']);
    const jwks = (await (await fetch(String(config['jwks_uri']))).json()) as { keys: Record<string, unknown>[] };
    assert.equal(jwks.keys.length, 1);
    const k = jwks.keys[0] ?? {};
    assert.equal(k['kty'], 'EC');
    assert.equal(k['crv'], 'P-256');
    assert.equal(k['alg'], 'ES256');
    assert.equal(typeof k['kid'], 'string');
    assert.equal(k['d'], undefined, 'no private member in the JWKS');
  });

  it('keeps the signing key in the store sealed, the same after a restart', async () => {
    const before = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    // A second instance on the same store and master key publishes (and signs with) the same key.
    const second = createApp({ ...(await server.openApp()).deps, oidc: oidcPort });
    await second.start();
    assert.deepEqual(second.oidc.jwks().keys.map((k) => k['kid']), before.keys.map((k) => k.kid));
    const sealed = await app.deps.store.read((tx) => tx.kv.get('oidc-issuer/keys'));
    assert.ok(sealed?.startsWith('gh1.'), 'sealed under the master key');
    assert.ok(!sealed?.includes('"d"'));
  });

  it('issues workload tokens and refuses claims the issuer sets itself', async () => {
    const t = await app.oidc.issueWorkloadToken({ subject: 'job/1', audience: ['a', 'b'], claims: { team: 'ml' } });
    assert.ok(t.ok);
    const [header, payload] = t.value.token.split('.').slice(0, 2).map((x) => JSON.parse(Buffer.from(x, 'base64url').toString('utf8')) as Record<string, unknown>);
    assert.equal(header?.['alg'], 'ES256');
    assert.equal(payload?.['iss'], server.url);
    assert.deepEqual(payload?.['aud'], ['a', 'b']);
    assert.equal(payload?.['team'], 'ml');
    assert.equal(Number(payload?.['exp']) - Number(payload?.['iat']), 3600);
    const bad = await app.oidc.issueWorkloadToken({ subject: 'job/1', audience: 'a', claims: { iss: 'https://evil.example' } });
    assert.ok(!bad.ok);
    const ttl = await app.oidc.issueWorkloadToken({ subject: 'job/1', audience: 'a', ttlSeconds: 10 });
    assert.ok(!ttl.ok);
  });
});

describe('OIDC providers (IAM API)', () => {
  it('registers the server’s own issuer by discovery, and reads it back', async () => {
    const r = await admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: server.url, ClientIDList: ['sts.amazonaws.com'], Tags: [{ Key: 'team', Value: 'ml' }] }));
    providerArn = `arn:aws:iam::${ACCT}:oidc-provider/${hostPath}`;
    assert.equal(r.OpenIDConnectProviderArn, providerArn);
    await admin.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn, ClientID: 'trainer' }));
    const g = await admin.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
    assert.equal(g.Url, server.url, 'a loopback http:// URL keeps its scheme');
    assert.deepEqual(g.ClientIDList, ['sts.amazonaws.com', 'trainer']);
    assert.deepEqual(g.Tags, [{ Key: 'team', Value: 'ml' }]);
    assert.ok(g.CreateDate instanceof Date);
    const l = await admin.send(new I.ListOpenIDConnectProvidersCommand({}));
    assert.deepEqual(l.OpenIDConnectProviderList?.map((x) => x.Arn), [providerArn]);
    const again = await failure(admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: server.url, ClientIDList: ['x'] })));
    assert.equal(again.name, 'EntityAlreadyExistsException');
  });

  it('refuses what AWS refuses: plain http off loopback, an unreachable issuer, a missing provider', async () => {
    assert.equal((await failure(admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: 'http://idp.example.com', ClientIDList: ['x'] })))).name, 'InvalidInputException');
    // Nothing listens there: discovery fails, and the answer says how to register the keys instead.
    const down = await failure(admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: 'http://127.0.0.1:9', ClientIDList: ['x'] })));
    // IAM's OpenIdIdpCommunicationError (review it, 2; it was InvalidInput).
    assert.equal(down.name, 'OpenIdIdpCommunicationErrorException');
    assert.match(down.message, /JwksJson/);
    const missing = await failure(admin.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: `arn:aws:iam::${ACCT}:oidc-provider/nowhere.example` })));
    assert.equal(missing.name, 'NoSuchEntityException');
  });

  it('needs iam:CreateOpenIDConnectProvider', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'oidc-reader' }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'oidc-reader', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:GetOpenIDConnectProvider', 'iam:ListOpenIDConnectProviders'], Resource: '*' }) }));
    const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: 'oidc-reader' }));
    const reader = server.iam({ accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' });
    assert.equal((await reader.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList?.length, 1);
    const denied = await failure(reader.send(new I.CreateOpenIDConnectProviderCommand({ Url: other.url, ClientIDList: ['x'] })));
    assert.equal(denied.name, 'AccessDenied');
    assert.match(denied.message, /iam:CreateOpenIDConnectProvider on resource: arn:aws:iam::000000000000:oidc-provider\/127\.0\.0\.1:/);
  });
});

describe('AssumeRoleWithWebIdentity', () => {
  before(async () => {
    // The role trusts the server's own issuer, for one audience and one subject only.
    await admin.send(
      new I.CreateRoleCommand({
        RoleName: 'wi-trainer',
        AssumeRolePolicyDocument: doc({
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${hostPath}:aud`]: 'sts.amazonaws.com', [`${hostPath}:sub`]: 'system:serviceaccount:ml:trainer' } },
        }),
      }),
    );
    await admin.send(new I.PutRolePolicyCommand({ RoleName: 'wi-trainer', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }) }));
  });

  it('exchanges a workload token for role credentials that GetCallerIdentity knows', async () => {
    const r = await exchange(await workloadToken('system:serviceaccount:ml:trainer'));
    assert.equal(r.SubjectFromWebIdentityToken, 'system:serviceaccount:ml:trainer');
    assert.equal(r.Provider, providerArn);
    assert.equal(r.Audience, 'sts.amazonaws.com');
    assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCT}:assumed-role/wi-trainer/pod-1`);
    assert.match(r.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA\w+:pod-1$/);
    const c = r.Credentials;
    assert.ok(c?.AccessKeyId?.startsWith('ASIA') && c.SecretAccessKey && c.SessionToken && c.Expiration instanceof Date);
    const creds: Credentials = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    const who = await server.sts(creds).send(new S.GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${ACCT}:assumed-role/wi-trainer/pod-1`);
    assert.equal(who.Account, ACCT);
    // The session acts with the role's permissions.
    assert.ok((await server.iam(creds).send(new I.ListRolesCommand({}))).Roles?.some((x) => x.RoleName === 'wi-trainer'));
    assert.equal((await failure(server.iam(creds).send(new I.ListUsersCommand({})))).name, 'AccessDenied');
  });

  it('a session from a web identity is its federated subject to bindings: a principal:// member names it', async () => {
    const r = await exchange(await workloadToken('system:serviceaccount:ml:trainer'));
    const c = r.Credentials;
    const creds: Credentials = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    const model = `arn:aws:training::${ACCT}:model/fed-m`;
    const subject = (sub: string) => `principal://iam.gatehouse.dev/accounts/${ACCT}/oidc-providers/${hostPath}/subject/${sub}`;
    const bind = async (member: string) => {
      const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: model, bindings: [{ role: 'roles/ml.viewer', members: [member] }] });
      assert.equal(put.status, 200, JSON.stringify(put.json));
    };
    // The session asks about itself (SigV4 with its temporary credentials), as a resource server's caller would.
    const asked = async () => (await gatehouseJson(server.url, creds, 'POST', '/v1/authorize', { action: 'training:GetModel', resource: model })).json;
    await bind(subject('system:serviceaccount:ml:trainer'));
    const allowed = await asked();
    assert.equal(allowed['decision'], 'Allow', JSON.stringify(allowed));
    assert.ok(JSON.stringify(allowed).includes(subject('system:serviceaccount:ml:trainer')), JSON.stringify(allowed));
    // Another subject of the same provider is someone else; the same subject of a provider the account does not have
    // names no one, and is refused at write (review dp, 1).
    await bind(subject('system:serviceaccount:ml:other'));
    assert.equal((await asked())['decision'], 'ImplicitDeny');
    const elsewhere = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: model, bindings: [{ role: 'roles/ml.viewer', members: [`principal://iam.gatehouse.dev/accounts/${ACCT}/oidc-providers/idp.example.com/subject/system:serviceaccount:ml:trainer`] }] });
    assert.equal(elsewhere.status, 400, JSON.stringify(elsewhere.json));
    assert.match(JSON.stringify(elsewhere.json), /has no OIDC provider `idp\.example\.com`/);
    assert.equal((await asked())['decision'], 'ImplicitDeny');
    // Named by its ARN, a session does not say which subject assumed it: only its role's serviceAccount: member matches.
    await bind(subject('system:serviceaccount:ml:trainer'));
    const byArn = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: r.AssumedRoleUser?.Arn, action: 'training:GetModel', resource: model });
    assert.equal(byArn.json['decision'], 'ImplicitDeny', JSON.stringify(byArn.json));
  });

  it('refuses another subject with AccessDenied (the trust policy’s sub condition)', async () => {
    const f = await failure(exchange(await workloadToken('system:serviceaccount:ml:intruder')));
    assert.equal(f.name, 'AccessDenied');
    assert.match(f.message, /^Not authorized to perform sts:AssumeRoleWithWebIdentity\. Encoded authorization failure message: gh1\./);
  });

  it('refuses a token for an audience the provider does not list (InvalidIdentityToken)', async () => {
    const f = await failure(exchange(await workloadToken('system:serviceaccount:ml:trainer', 'some-other-service')));
    assert.equal(f.name, 'InvalidIdentityTokenException');
    assert.match(f.message, /audience/);
  });

  it('refuses a client id the provider lists but the trust policy does not (AccessDenied)', async () => {
    assert.equal((await failure(exchange(await workloadToken('system:serviceaccount:ml:trainer', 'trainer')))).name, 'AccessDenied');
  });

  it('refuses a token signed by another key under the server’s issuer', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const kid = ((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys[0]?.kid ?? '';
    for (const k of [kid, 'unknown-kid']) {
      const forged = await signed(privateKey, k, 'ES256', { iss: server.url, sub: 'system:serviceaccount:ml:trainer', aud: 'sts.amazonaws.com' });
      assert.equal((await failure(exchange(forged))).name, 'InvalidIdentityTokenException', `kid ${k}`);
    }
    assert.equal((await failure(exchange('not-a-jwt'))).name, 'InvalidIdentityTokenException');
  });

  it('trusts a second issuer registered by discovery, refuses its expired tokens (ExpiredTokenException)', async () => {
    const r = await admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: other.url, ClientIDList: ['sts.amazonaws.com'] }));
    await admin.send(
      new I.CreateRoleCommand({
        RoleName: 'wi-other',
        AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: r.OpenIDConnectProviderArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${other.hostPath}:sub`]: 'repo:ml/*' } } }),
      }),
    );
    const good = await other.mint({ sub: 'repo:ml/train', aud: 'sts.amazonaws.com' });
    assert.equal((await exchange(good, 'wi-other', 'ci')).AssumedRoleUser?.Arn, `arn:aws:sts::${ACCT}:assumed-role/wi-other/ci`);
    const expired = await other.mint({ sub: 'repo:ml/train', aud: 'sts.amazonaws.com' }, { iatIn: -3600, expIn: -600 });
    const f = await failure(exchange(expired, 'wi-other', 'ci'));
    assert.equal(f.name, 'ExpiredTokenException');
    // The other issuer's token does not open the role that trusts only the server's issuer.
    assert.equal((await failure(exchange(good, 'wi-trainer', 'ci'))).name, 'AccessDenied');
    // The issuer rotates to a key registered after the provider: a token naming it makes the server fetch again.
    await other.publish('test-key-2', 'ES256');
    const rotated = await other.mint({ sub: 'repo:ml/train', aud: 'sts.amazonaws.com' }, { signWith: 'test-key-2' });
    assert.equal((await exchange(rotated, 'wi-other', 'ci')).SubjectFromWebIdentityToken, 'repo:ml/train');
  });

  it('registers inline keys (JwksJson) for an issuer the server does not fetch', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const caller = await app.authenticate(server.admin.accessKeyId);
    assert.ok(caller.ok);
    const c: Caller = caller.value.caller;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'inline-1' }] });
    const withPrivate = JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'inline-1' }] });
    const refused = await app.oidc.createProvider(c, { url: 'https://idp.internal.example/tenant', clientIds: ['gh'], jwks: withPrivate });
    assert.ok(!refused.ok && /private key material/.test(refused.errors[0]?.message ?? ''));
    const p = await app.oidc.createProvider(c, { url: 'https://idp.internal.example/tenant', clientIds: ['gh'], jwks });
    assert.ok(p.ok);
    assert.equal(p.value.arn, `arn:aws:iam::${ACCT}:oidc-provider/idp.internal.example/tenant`);
    await admin.send(
      new I.CreateRoleCommand({
        RoleName: 'wi-inline',
        AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: p.value.arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'idp.internal.example/tenant:aud': 'gh' } } }),
      }),
    );
    const token = await signed(privateKey, 'inline-1', 'ES256', { iss: 'https://idp.internal.example/tenant', sub: 'svc', aud: 'gh' });
    assert.equal((await exchange(token, 'wi-inline', 'svc')).SubjectFromWebIdentityToken, 'svc');
  });

  it('refuses every token of a provider once it is deleted', async () => {
    const token = await workloadToken('system:serviceaccount:ml:trainer');
    await admin.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
    const f = await failure(exchange(token));
    assert.equal(f.name, 'InvalidIdentityTokenException');
    assert.match(f.message, /No OpenIDConnect provider found in your account/);
    assert.equal((await failure(admin.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn })))).name, 'NoSuchEntityException');
  });

  it('validates parameters before anything else', async () => {
    const f = await failure(anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi-trainer`, RoleSessionName: 'x', WebIdentityToken: 'abcd' })));
    assert.equal(f.name, 'ValidationError');
  });
});

describe('the audit log of identity providers', () => {
  it('records every change to a provider (who, what, before and after, key ids but no keys) and every refused exchange', async () => {
    const audit = server.running.app.audit;
    await audit.flush();
    const root = await server.running.app.authenticate(server.admin.accessKeyId);
    assert.ok(root.ok);
    const records = async (action: string) => {
      await audit.flush();
      const r = await audit.query(root.value.caller, { action });
      assert.ok(r.ok);
      return r.value.records;
    };
    // Created, changed, deleted (in the suites above): each with the request and what it wrote or removed.
    const created = await records('iam:CreateOpenIDConnectProvider');
    const first = created.find((x) => x.decision === 'ok');
    assert.ok(first, JSON.stringify(created));
    assert.equal(first.principal, `arn:aws:iam::${ACCT}:user/admin`);
    const after = (first.detail as { after: { url: string; clientIds: string[]; keyIds: unknown[] } }).after;
    assert.equal(after.url, server.url);
    assert.deepEqual(after.clientIds, ['sts.amazonaws.com']);
    assert.ok(after.keyIds.length > 0);
    assert.equal(JSON.stringify(first.detail).includes('"kty"'), false, 'keys are recorded by id');
    assert.ok(created.some((x) => x.decision === 'ACCESS_DENIED' && x.principal.endsWith(':user/oidc-reader')), 'a refused creation is recorded');
    const added = (await records('iam:AddClientIDToOpenIDConnectProvider'))[0];
    assert.deepEqual([(added?.detail as { before: { clientIds: string[] } }).before.clientIds, (added?.detail as { after: { clientIds: string[] } }).after.clientIds], [['sts.amazonaws.com'], ['sts.amazonaws.com', 'trainer']]);
    const deleted = (await records('iam:DeleteOpenIDConnectProvider')).filter((x) => x.decision === 'ok');
    assert.equal(deleted.length, 1);
    assert.equal((deleted[0]?.detail as { after: unknown }).after, null);
    assert.equal((deleted[0]?.detail as { before: { url: string } }).before.url, server.url);
    // Refused exchanges: the provider's ARN (the token verified), the role, the session name and why; never the token.
    const refused = (await records('sts:AssumeRoleWithWebIdentity')).filter((x) => x.decision === 'Deny');
    assert.ok(refused.some((x) => x.principal === providerArn && x.role === `arn:aws:iam::${ACCT}:role/wi-trainer` && /Not authorized to perform sts:AssumeRoleWithWebIdentity/.test(JSON.stringify(x.detail))), JSON.stringify(refused.map((x) => [x.principal, x.detail])));
    assert.ok(refused.some((x) => /expired|Token expired/i.test(JSON.stringify(x.detail))), 'an expired token is recorded');
    assert.ok(refused.every((x) => !JSON.stringify(x).includes('eyJ')), 'no token in the log');
  });
});
