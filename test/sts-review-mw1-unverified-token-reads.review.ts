/**
 * Review mw, 1: unsigned AssumeRoleWithWebIdentity read the role and every PolicyArns entry before the token's signature was checked, so anonymous requests drove database reads.
 *
 * Before the fix 3 of 4 tests failed (the fourth, added with the follow-up, also failed after the first commit).
 *
 * The call is unsigned: anyone may send it, with a token anyone can write (any `iss`, any signature). Gatehouse read, in
 * one transaction before it looked at the token's signature: the role's account, the provider, the role (for a role that
 * does not exist, a refresh of the directory from the change log: `cachedRole` takes a miss for a change not yet seen)
 * and each of up to 10 PolicyArns entries. So each made-up token cost 10 policy reads and a refresh, even for an issuer
 * nobody registered: a flood of them from one address kept the database (on PostgreSQL, a pool connection
 * and a round trip a read) busy for nothing. AWS STS answers such a token InvalidIdentityToken whatever the role and the
 * PolicyArns; only the provider's keys are needed to tell that.
 *
 * Now only the provider (its record, its account's dialect) is read before the token has verified; the role once it has,
 * and the PolicyArns once the role's trust policy has allowed the token's subject (follow-up: a token anyone can get,
 * a CI service's for a repository of their own, verifies, and still cost a read per entry). The answers are the same: a forged token is InvalidIdentityToken, a good one naming a
 * policy that does not exist ValidationError, naming a role that does not exist AccessDenied. Real server, SDK v3,
 * SQLite statements counted in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatementSync } from 'node:sqlite';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { generateKeyPair } from 'jose';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

const ACCOUNT = '000000000000';
const MISSING_ROLE = `arn:aws:iam::${ACCOUNT}:role/nobody-made-this`;
const POLICY_ARNS = Array.from({ length: 10 }, (_, i) => ({ arn: `arn:aws:iam::${ACCOUNT}:policy/made-up-${i}` }));
const FLOOD = 30;

let s: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  const iam = s.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  // The role trusts one subject of the issuer, as a CI role trusts one repository.
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: provider }, Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:ml/train' } } }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: { accessKeyId: 'AKIAANYONEATALL00000', secretAccessKey: 'x' } });
});
after(async () => {
  sts?.destroy();
  await issuer?.close();
  await s?.stop();
});

/** The SQLite statements run while `run` runs, by their text (whitespace folded). */
async function statements(run: () => Promise<void>): Promise<ReadonlyMap<string, number>> {
  const counts = new Map<string, number>();
  const all = StatementSync.prototype.all;
  StatementSync.prototype.all = function (this: StatementSync, ...params: unknown[]) {
    const sql = this.sourceSQL.replace(/\s+/g, ' ');
    counts.set(sql, (counts.get(sql) ?? 0) + 1);
    return (all as (...a: unknown[]) => ReturnType<StatementSync['all']>).apply(this, params);
  };
  try {
    await run();
  } finally {
    StatementSync.prototype.all = all;
  }
  return counts;
}

const reads = (counts: ReadonlyMap<string, number>, table: RegExp): number => [...counts].filter(([sql]) => table.test(sql)).reduce((n, [, c]) => n + c, 0);

async function flood(token: string): Promise<ReadonlyMap<string, number>> {
  return statements(async () => {
    for (let i = 0; i < FLOOD; i++) {
      const f = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: MISSING_ROLE, RoleSessionName: 'flood', WebIdentityToken: token, PolicyArns: POLICY_ARNS })));
      assert.equal(f.code, 'InvalidIdentityToken', f.message);
    }
  });
}

test('mw1: a token signed by a key its issuer does not publish reads no policy', async () => {
  const stranger = await generateKeyPair('ES256');
  const counts = await flood(await issuer.mint({}, { signWith: stranger.privateKey, kid: 'k1' }));
  assert.equal(reads(counts, /\bFROM policies\b/), 0, JSON.stringify([...counts]));
  // The provider's record and its account's dialect, once each a request.
  assert.ok(reads(counts, /\bFROM accounts\b/) <= FLOOD, JSON.stringify([...counts]));
});

test('mw1: a token naming an issuer nobody registered reads the provider alone', async () => {
  const stranger = await generateKeyPair('ES256');
  const counts = await flood(await issuer.mint({ iss: 'https://issuer.invalid' }, { signWith: stranger.privateKey }));
  assert.equal(reads(counts, /\bFROM policies\b/), 0, JSON.stringify([...counts]));
  assert.equal(reads(counts, /\bFROM accounts\b/), 0, JSON.stringify([...counts]));
});

test('mw1: a good token is answered as before: a made-up PolicyArns entry ValidationError, a missing role AccessDenied', async () => {
  const token = await issuer.mint({});
  const bad = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/ci`, RoleSessionName: 'good', WebIdentityToken: token, PolicyArns: POLICY_ARNS.slice(0, 1) })));
  assert.equal(bad.code, 'ValidationError', bad.message);
  assert.match(bad.message, /made-up-0/);
  const missing = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: MISSING_ROLE, RoleSessionName: 'good', WebIdentityToken: token })));
  assert.equal(missing.code, 'AccessDenied', missing.message);
  const issued = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/ci`, RoleSessionName: 'good', WebIdentityToken: token }));
  assert.match(issued.Credentials?.AccessKeyId ?? '', /^ASIA/);
});

test("mw1: a verified token whose subject the role does not trust reads no PolicyArns entry", async () => {
  const counts = await statements(async () => {
    const f = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/ci`, RoleSessionName: 'other', WebIdentityToken: await issuer.mint({ sub: 'repo:someone/else' }), PolicyArns: POLICY_ARNS })));
    assert.equal(f.code, 'AccessDenied', f.message);
  });
  assert.equal(reads(counts, /\bFROM policies\b/), 0, JSON.stringify([...counts]));
});
