/**
 * STS review E2: the packed size of a chained session counts the transitive tags it inherits (src/app/sts.ts). Only the
 * request's own tags were counted, so each hop of a role chain could add a full budget of transitive tags: the third hop
 * of 10 transitive tags of 384 characters each (95% a hop) was issued a 21,295-character token, which no client could
 * present (the request's headers passed the server's 16 KiB: HTTP 431, the SDK's "Unknown"). Now the inherited tags count,
 * and a hop that would carry past the budget is refused with PackedPolicyTooLarge. Real SDK, real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const roleArn = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ACTIONS = ['sts:AssumeRole', 'sts:TagSession'];

let s: TestServer;
let alice: Credentials;

/** `n` tags of a 128-character key and a 256-character value (386 of the 4,096-character budget each), named by `hop`. */
const bigTags = (hop: string, n: number) => Array.from({ length: n }, (_, i) => ({ Key: `${hop}-${i}-`.padEnd(128, 'k'), Value: 'v'.repeat(256) }));

async function assume(as: Credentials, role: string, name: string, tags: { Key: string; Value: string }[]): Promise<{ credentials: Credentials; packed: number }> {
  const r = await s.sts(as).send(new S.AssumeRoleCommand({ RoleArn: roleArn(role), RoleSessionName: name, Tags: tags, TransitiveTagKeys: tags.map((t) => t.Key) }));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, packed: r.PackedPolicySize ?? -1 };
}

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ACTIONS, Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  // Two roles of the account that trust the account, and may assume (and tag) each other.
  for (const name of ['first', 'second']) {
    await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ACTIONS }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'chain', PolicyDocument: doc({ Effect: 'Allow', Action: ACTIONS, Resource: '*' }) }));
  }
});
after(async () => s?.stop());

test('inherited transitive tags count toward the packed size of the chained session', async () => {
  const hop1 = await assume(alice, 'first', 'hop1', bigTags('a', 6));
  assert.equal(hop1.packed, Math.ceil((6 * 386 * 100) / 4096), 'six tags of 386 characters');
  // One small tag of its own; the six inherited ones are in the session (and its token) all the same.
  const hop2 = await assume(hop1.credentials, 'second', 'hop2', [{ Key: 'x', Value: 'y' }]);
  assert.equal(hop2.packed, Math.ceil(((6 * 386 + 1 + 1 + 2) * 100) / 4096));
  const who = await s.sts(hop2.credentials).send(new S.GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${ACCT}:assumed-role/second/hop2`);
});

test('a hop that would carry more than the budget is PackedPolicyTooLarge; every session issued is usable', async () => {
  let current = alice;
  const roles = ['first', 'second', 'first', 'second'];
  let refused = '';
  for (const [i, role] of roles.entries()) {
    const tags = bigTags(`h${i}`, 6);
    const attempt = s.sts(current).send(new S.AssumeRoleCommand({ RoleArn: roleArn(role), RoleSessionName: `hop-${i}`, Tags: tags, TransitiveTagKeys: tags.map((t) => t.Key) }));
    const name = await errorName(attempt);
    if (name !== 'no error') {
      refused = name;
      assert.equal(i, 1, 'the second hop of 6 + 6 big transitive tags passes the budget');
      break;
    }
    const r = await attempt;
    const c = r.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    // Whatever is issued can be presented and opened.
    const who = await s.sts(current).send(new S.GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${ACCT}:assumed-role/${role}/hop-${i}`);
  }
  assert.equal(refused, 'PackedPolicyTooLargeException', 'the SDK names the modeled PackedPolicyTooLarge so');
});
