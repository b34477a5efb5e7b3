/**
 * Review rz, 1: an AssumeRole or AssumeRoleWithWebIdentity refusal still told whether the role exists, by the length of
 * its encoded message. Review cy, 3 made a missing role refused as one whose trust policy allows nothing, and padded the
 * sealed message to a multiple of 2,048 bytes so that its length would not tell them apart; but the message of a role
 * that exists held more than the caller's request: AssumeRole's `aws:TagKeys` carried the spellings the role's trust
 * policy uses of the request's tag keys (another account's policy text, decoded by the caller's account), and
 * AssumeRoleWithWebIdentity's context the role's tags and its trust policy's failed conditions. The caller controls the
 * rest of the message (session name, tags, User-Agent: all in the context), so it can bring a missing role's message to
 * the end of a step, and one byte more for a role that exists crossed into the next: a blob 2,732 characters longer.
 *
 * Contract: DESIGN.md (every decision explains itself, to whom may read it), docs/decisions.md (review cy3: a missing
 * role is refused as one that does not trust the caller; AWS answers both alike). Now the context shown is the
 * request's (its tag keys as sent, no role tags), and the padded size is reckoned from the request's part of the message
 * alone, with one step more for the decision's part (trimmed to fit), so that it depends on nothing the role holds.
 * Before the fix 3 of 3 tests failed. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const OTHER = '111111111111';
const STEP = 2048;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let issuer: OidcIssuer;
let alice: Credentials;
let other: Credentials;

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: OTHER, partition: 'aws' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const j = r.json as Record<string, string>;
  other = { accessKeyId: String(j['AccessKeyId'] ?? j['accessKeyId']), secretAccessKey: String(j['SecretAccessKey'] ?? j['secretAccessKey']) };
  // Another account's role, whose trust policy spells the tag keys otherwise than the request does.
  await s.iam(other).send(new I.CreateRoleCommand({ RoleName: 'Secret-Admin', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['TEAM', 'Project'] } } }) }));
  alice = await userWithKey(s, 'alice');
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
  // The other account's provider, and its tagged role that a token of another subject may not assume.
  const provider = (await s.iam(other).send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  await s.iam(other).send(new I.CreateRoleCommand({ RoleName: 'deploy', Tags: [{ Key: 'tier', Value: 'critical' }, { Key: 'owner', Value: 'platform-team' }], AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:ours/infra', [`${issuer.hostPath}:aud`]: 'sts.amazonaws.com' }, StringLike: { 'aws:ResourceTag/tier': 'crit*' } } }) }));
});
after(async () => {
  await issuer?.close();
  await s?.stop();
});

/** `client` sending exactly `User-Agent: ua`. */
function withUserAgent<C extends { middlewareStack: S.STSClient['middlewareStack'] }>(client: C, ua: string): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      for (const k of Object.keys(headers)) if (k.toLowerCase() === 'user-agent') delete headers[k];
      headers['user-agent'] = ua;
      return next(args);
    },
    { step: 'build', priority: 'low', name: 'rz1UserAgent' },
  );
  return client;
}

const BLOB = /Encoded authorization failure message: (\S+)$/;
type Ask = (roleArn: string, ua: string) => Promise<string>;

/** The bytes the sealed envelope holds before padding, read back by `decoder` (an admin of the account it was made for). */
async function bareBytes(decoder: Credentials, account: string, blob: string): Promise<number> {
  const d = await s.sts(decoder).send(new S.DecodeAuthorizationMessageCommand({ EncodedMessage: blob }));
  const message = JSON.parse(d.DecodedMessage ?? '{}') as unknown;
  return new TextEncoder().encode(JSON.stringify({ v: 1, account, at: Date.now(), message, pad: '' })).length;
}

/**
 * The blob lengths of the role that exists and the one that does not, with the request grown (by its User-Agent) until
 * the missing role's message ends a padding step, then one byte at a time a few more.
 */
async function lengthsAtStepEnd(ask: Ask, decoder: Credentials, account: string, exists: string, missing: string): Promise<Array<[number, number]>> {
  const base = await bareBytes(decoder, account, await ask(missing, 'probe/1'));
  const gap = Math.ceil(base / STEP) * STEP - base;
  const out: Array<[number, number]> = [];
  for (const extra of [gap, gap + 1, (gap + STEP / 2) % STEP]) {
    const ua = `probe/1${'x'.repeat(extra)}`;
    out.push([(await ask(exists, ua)).length, (await ask(missing, ua)).length]);
  }
  return out;
}

test('rz1: AssumeRole across accounts: a missing role’s refusal is as long as an existing one’s, whatever the request’s size', async () => {
  const tags = [{ Key: 'team', Value: 'y' }, { Key: 'project', Value: 'z' }];
  const ask: Ask = async (roleArn, ua) => {
    const f = await sdkFailure(withUserAgent(s.sts(alice), ua).send(new S.AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'probe', Tags: tags })));
    assert.equal(f.code, 'AccessDenied', f.message);
    return BLOB.exec(f.message)?.[1] ?? '';
  };
  for (const [exists, missing] of await lengthsAtStepEnd(ask, s.admin, ACCT, `arn:aws:iam::${OTHER}:role/Secret-Admin`, `arn:aws:iam::${OTHER}:role/Secret-Admix`)) {
    assert.equal(exists, missing);
  }
});

test('rz1: the caller’s account decodes the request’s tag keys as sent, not the other account’s trust policy spellings', async () => {
  const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/Secret-Admin`, RoleSessionName: 'probe', Tags: [{ Key: 'team', Value: 'y' }] })));
  const d = await s.sts().send(new S.DecodeAuthorizationMessageCommand({ EncodedMessage: BLOB.exec(f.message)?.[1] ?? '' }));
  const m = JSON.parse(d.DecodedMessage ?? '{}') as { context: { conditions: { items: Array<{ key: string; values: { items: Array<{ value: string }> } }> } } };
  const keys = m.context.conditions.items.find((c) => c.key === 'aws:TagKeys')?.values.items.map((v) => v.value);
  assert.deepEqual(keys, ['team']);
  assert.doesNotMatch(d.DecodedMessage ?? '', /TEAM/);
});

test('rz1: AssumeRoleWithWebIdentity: a missing role’s refusal is as long as a tagged, conditioned one’s, whatever the request’s size', async () => {
  const token = await issuer.mint({ sub: 'repo:someone/else' });
  const ask: Ask = async (roleArn, ua) => {
    const sts = withUserAgent(new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) }), ua);
    try {
      const f = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'probe', WebIdentityToken: token })));
      assert.equal(f.code, 'AccessDenied', f.message);
      return BLOB.exec(f.message)?.[1] ?? '';
    } finally {
      sts.destroy();
    }
  };
  for (const [exists, missing] of await lengthsAtStepEnd(ask, other, OTHER, `arn:aws:iam::${OTHER}:role/deploy`, `arn:aws:iam::${OTHER}:role/deplox`)) {
    assert.equal(exists, missing);
  }
});
