/**
 * STS review E, the findings whose tests need one user (alice) and two roles, against one server (real SDK v3):
 *
 * E3 — no session is issued with a token too large to be presented (src/app/sts.ts `issueRegistered`,
 * src/core/sts/session.ts `MAX_CLAIMS_BYTES`). The packed-size budget counts characters, and a character outside ASCII
 * takes up to 4 bytes in the token: one AssumeRole with 30 transitive session tags of 128 CJK characters (96% of the
 * budget) was issued a 31,247-character token, and every request made with it was refused by the server's 16 KiB header
 * limit (HTTP 431, which the SDK reports as "Unknown"). Now such a session is refused with PackedPolicyTooLarge, nothing
 * recorded; ASCII tags that fill the budget are still issued, and usable. Real SDK, real server.
 *
 * E5, E6 — AssumeRole's session tags are validated as AWS validates them (src/adapters/http/sts-api.ts,
 * src/core/sts/session.ts). SDK v3 sends what it is given (it checks no required member): a session tag without its
 * `Value` was issued as a tag with an empty value; an empty `Policy` was refused with "must have length less than or
 * equal to 2048". Now: ValidationError, in AWS's words.
 * Real SDK, real server.
 *
 * E8 — AssumeRole and GetSessionToken with `SerialNumber`/`TokenCode` are refused (src/adapters/http/sts-api.ts).
 * Gatehouse authenticates no MFA device (docs/semantics.md, "Keys about MFA"), and both parameters were ignored: the
 * session was issued without MFA, and the caller, who believed it held an MFA session, was refused later by any policy
 * asking for MFA, for a reason it could not see. AWS refuses a code it cannot validate (AccessDenied,
 * "MultiFactorAuthentication failed, unable to validate MFA code"); so does Gatehouse now, saying to call without them.
 * Real SDK, real server.
 *
 * R1 — revoking one session by its ARN revokes it whatever the case of the session name in that ARN
 * (src/app/revocation.ts writes the name lower-cased; src/app/live.ts `isRevoked` reads both spellings). Before, a
 * revocation of `…/WORKER/PY1` answered 200, naming the role in its own case, and left session `py1` working: the
 * operator was told a session was cut off that was not. The authorize API already reads session names without case
 * (review K7). An entry written the old way (the name in its own case) still applies. Real SDK, real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { auditRecords, errorName, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ACCT = '000000000000';
/** A role alice may assume and tag sessions of (E3, E5, E6). */
const TAGGED = `arn:aws:iam::${ACCT}:role/tagged`;
/** A role alice may assume (E8, R1). */
const WORKER = `arn:aws:iam::${ACCT}:role/worker`;
const MFA = `arn:aws:iam::${ACCT}:mfa/alice`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ACTIONS = ['sts:AssumeRole', 'sts:TagSession'];

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ACTIONS, Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ACTIONS }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
});
after(async () => s?.stop());

const assumeWith = (tags: { Key: string; Value: string }[], name: string) =>
  s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: TAGGED, RoleSessionName: name, Tags: tags, TransitiveTagKeys: tags.map((t) => t.Key) }));
const assume = (input: Partial<S.AssumeRoleCommandInput>) => s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: TAGGED, RoleSessionName: 'e5', ...input }));

describe('E3: no token too large to be presented', () => {
  test('tags within the packed budget whose token could not be presented: PackedPolicyTooLarge, nothing recorded', async () => {
    const tags = Array.from({ length: 30 }, (_, i) => ({ Key: `${i}-`.padEnd(128, '語'), Value: '' }));
    const before = s.running.app.sts.scopes?.size;
    assert.equal(await errorName(assumeWith(tags, 'cjk')), 'PackedPolicyTooLargeException');
    await assert.rejects(assumeWith(tags, 'cjk'), /bytes of them \(UTF-8\), over the 10240 it can/);
    assert.equal(s.running.app.sts.scopes?.size, before, 'a refused session leaves no record');
  });

  test('a policy padded with line breaks beside 30 transitive tags: PackedPolicyTooLarge (its token was 16,407 characters)', async () => {
    const core = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}';
    const policy = core.replace('{"Version"', `{${'\n'.repeat(2048 - core.length)}"Version"`);
    assert.equal(policy.length, 2048);
    const tags = Array.from({ length: 30 }, (_, i) => ({ Key: `${i}-`.padEnd(128, 'k'), Value: '' }));
    const attempt = s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: TAGGED, RoleSessionName: 'padded', Policy: policy, Tags: tags, TransitiveTagKeys: tags.map((t) => t.Key) }));
    assert.equal(await errorName(attempt), 'PackedPolicyTooLargeException');
  });

  test('ASCII tags that fill the packed budget are issued, and the session is usable', async () => {
    // 31 transitive tags of 128-character keys: 31 × 130 of the 4,096 characters (99%), the largest ASCII token there is.
    const tags = Array.from({ length: 31 }, (_, i) => ({ Key: `${i}-`.padEnd(128, 'k'), Value: '' }));
    const r = await assumeWith(tags, 'ascii');
    assert.equal(r.PackedPolicySize, 99);
    const c = r.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    const who = await s.sts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(new S.GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${ACCT}:assumed-role/tagged/ascii`);
  });

  test('non-ASCII tags that fit are issued, and the session is usable', async () => {
    const tags = Array.from({ length: 8 }, (_, i) => ({ Key: `チーム${i}`, Value: '機械学習'.repeat(20) }));
    const r = await assumeWith(tags, 'kana');
    const c = r.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    const who = await s.sts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(new S.GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${ACCT}:assumed-role/tagged/kana`);
  });
});

describe('E5, E6: required members', () => {
  test('a session tag without its Value is a ValidationError, not a tag with an empty value', async () => {
    const f = await sdkFailure(assume({ Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'env' } as S.Tag] }));
    assert.equal(f.code, 'ValidationError');
    assert.equal(f.message, "1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null");
    const noKey = await sdkFailure(assume({ Tags: [{ Value: 'ml' } as S.Tag] }));
    assert.equal(noKey.message, "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null");
    // An empty value, sent, is a value.
    const r = await assume({ Tags: [{ Key: 'team', Value: '' }] });
    assert.ok(r.Credentials?.SessionToken);
  });

  test('an empty Policy names the bound it misses', async () => {
    const f = await sdkFailure(assume({ Policy: '' }));
    assert.equal(f.code, 'ValidationError');
    assert.equal(f.message, "1 validation error detected: Value '' at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1");
  });
});

describe('E8: MFA parameters', () => {
  test('GetSessionToken with an MFA code: AccessDenied, nothing issued; without one, issued', async () => {
    const f = await sdkFailure(s.sts(alice).send(new S.GetSessionTokenCommand({ SerialNumber: MFA, TokenCode: '123456' })));
    assert.equal(f.code, 'AccessDenied');
    assert.match(f.message, /^MultiFactorAuthentication failed, unable to validate MFA code: this server authenticates no MFA device, so `SerialNumber` and `TokenCode` cannot be checked; call again without SerialNumber and TokenCode/);
    const r = await s.sts(alice).send(new S.GetSessionTokenCommand({ DurationSeconds: 900 }));
    assert.ok(r.Credentials?.SessionToken);
  });

  test('AssumeRole with an MFA serial number or code: AccessDenied; without, issued', async () => {
    for (const mfa of [{ SerialNumber: MFA, TokenCode: '123456' }, { SerialNumber: MFA }, { TokenCode: '123456' }]) {
      const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'mfa', ...mfa })));
      assert.equal(f.code, 'AccessDenied', JSON.stringify(mfa));
      assert.match(f.message, /unable to validate MFA code/);
    }
    const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'plain' }));
    assert.ok(r.Credentials?.SessionToken);
    // Each refusal is recorded about the role asked, so that audit query --role finds it (review V, P3).
    const q = await auditRecords(s, { role: WORKER, action: 'sts:AssumeRole' });
    const refused = q.filter((x) => x.decision !== 'Allow' && String(x.detail['error'] ?? x.detail['reasons'] ?? '').includes('unable to validate MFA code'));
    assert.equal(refused.length, 3, JSON.stringify(q.map((x) => [x.decision, x.detail])));
  });
});

describe('R1: revoking a session by ARN, whatever the case of its name', () => {
  async function session(name: string): Promise<Credentials> {
    const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: name }));
    const c = r.Credentials;
    return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  }

  /** The name of the SDK's error for GetCallerIdentity with `c`, or `ok`. */
  async function identity(c: Credentials): Promise<string> {
    try {
      await s.sts(c).send(new S.GetCallerIdentityCommand({}));
      return 'ok';
    } catch (e) {
      return (e as { name?: string }).name ?? String(e);
    }
  }

  test('a session revoked by an ARN spelling its role and session name in another case is refused; the role’s other sessions are not', async () => {
    const py1 = await session('py1');
    const other = await session('other');
    assert.equal(await identity(py1), 'ok');
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { sessionArn: `arn:aws:sts::${ACCT}:assumed-role/WORKER/PY1` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await identity(py1), 'ExpiredToken');
    assert.equal(await identity(other), 'ok');
    // A session of that name issued after the revocation works: it revokes what was issued before it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(await identity(await session('Py1')), 'ok');
  });

  test('a revocation entry written in the session name’s own case (before this change) still applies', async () => {
    const mixed = await session('Mixed');
    assert.equal(await identity(mixed), 'ok');
    const app = s.running.app;
    // What the previous code wrote for `…/worker/Mixed`: the name in its own case.
    await app.deps.store.write(async (tx) => tx.kv.put(`revoke/session/arn:aws:sts::${ACCT}:assumed-role/worker/Mixed`, String(Date.now() + 1000)));
    await app.refresh();
    assert.equal(await identity(mixed), 'ExpiredToken');
  });
});
