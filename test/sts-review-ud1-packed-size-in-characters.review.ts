/**
 * Review ud, 1: the packed size is Gatehouse's own measure, "against a 4,096-character budget" (docs/decisions.md,
 * "Packed policy size is our own measure"), and STS counts every string's length in Unicode characters (the STS API
 * reference's `Tag`, `Policy`, `PolicyArns`; reviews oe, 1 and ow, 2 made the parameters' own lengths so). The packed
 * size alone still counted UTF-16 units: a character above U+FFFF (`𠀀`, a letter of CJK Extension B, which the tag
 * pattern's `\p{L}` takes) counted two. Sixteen session tags with 128-character keys of such letters (2,080 characters,
 * 51% of the budget; 8.3 KB sealed, under the token's 10 KiB) were refused PackedPolicyTooLarge ("101% of the limit") by
 * AssumeRole and GetFederationToken, where the same tags in ASCII letters are issued at 51%: a session's size depended on
 * which letters its tags were written in. Now the packed size counts characters: both spellings are issued and
 * reported alike, and a budget exceeded in characters is still refused. Real server, SDK v3.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/tagged`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/** `n` tags whose keys are 128 characters: of one letter above U+FFFF each (`wide`), or of ASCII letters. */
const tags = (n: number, wide: boolean): S.Tag[] =>
  Array.from({ length: n }, (_, i) => ({ Key: wide ? String.fromCodePoint(0x20000 + i).repeat(128) : `k${i}`.padEnd(128, 'x'), Value: '' }));

let server: TestServer;
let alice: Credentials;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  alice = await userWithKey(server, 'alice');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:GetFederationToken'], Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
});
after(async () => server?.stop());

test('ud1: AssumeRole sizes session tags in characters, whatever letters they are written in', async () => {
  const sts = server.sts(alice);
  const ascii = await sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ascii', Tags: tags(16, false) }));
  assert.equal(ascii.PackedPolicySize, 51);
  const wide = await sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'wide', Tags: tags(16, true) }));
  assert.equal(wide.PackedPolicySize, 51, 'the same 2,080 characters, the same packed size');
});

test('ud1: GetFederationToken sizes session tags in characters too', async () => {
  const sts = server.sts(alice);
  const wide = await sts.send(new S.GetFederationTokenCommand({ Name: 'wide', Tags: tags(16, true), Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
  const ascii = await sts.send(new S.GetFederationTokenCommand({ Name: 'ascii', Tags: tags(16, false), Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
  assert.ok(wide.Credentials?.SessionToken);
  assert.equal(wide.PackedPolicySize, ascii.PackedPolicySize);
});

test('ud1: past the budget in characters, still PackedPolicyTooLarge', async () => {
  // 32 ASCII keys of 128 characters: 4,160 characters, 102%.
  const refused = await sdkFailure(server.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'over', Tags: tags(32, false) })));
  assert.deepEqual([refused.code, refused.status], ['PackedPolicyTooLarge', 400]);
  assert.match(refused.message, /102% of the limit/);
});
