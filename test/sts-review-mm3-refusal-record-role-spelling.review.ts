/**
 * Review mm, 3: a refused cross-account AssumeRole was recorded in the caller's own account naming the other account's
 * role as that account's directory spells it: its case and its path.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Review V, V6 recorded a refused AssumeRole under the role's ARN as the directory names it (any case, any path), so that
 * `audit query --role` finds every attempt on the role whatever the caller spelt; and review V, V5 put the record in
 * both accounts of a cross-account attempt. The copy in the caller's account, which its own admins read, so told them
 * what AssumeRole's answer hides (review cy, 3; mm, 1): asked for `arn:aws:iam::B:role/guarded`, the record named
 * `arn:aws:iam::B:role/ops/Guarded` (and kept the spelling asked as `requestedRoleArn`), while a role B does not hold
 * was recorded as asked. Any account's admin could so list another account's roles, with their paths, one AssumeRole
 * and one audit query each.
 *
 * Now the caller's account's copy names the role as asked; the role's own account's copy keeps the directory's
 * spelling (V6), and a refusal within one account is recorded as before. Real server, SDK v3, the audit log read as
 * each account's admin reads it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { createdAccount, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222222222222';
const E = '555555555555';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let bRoot: Credentials;
let eRoot: Credentials;
let eve: Credentials;
let adam: Credentials;

before(async () => {
  s = await startTestServer();
  bRoot = await createdAccount(s, B, 'b');
  await s.iam(bRoot).send(new I.CreateRoleCommand({ RoleName: 'Guarded', Path: '/ops/', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }) }));
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'Home', Path: '/ops/', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }) }));
  await s.iam().send(new I.CreateUserCommand({ UserName: 'adam' }));
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'adam', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  const ak = (await s.iam().send(new I.CreateAccessKeyCommand({ UserName: 'adam' }))).AccessKey;
  adam = { accessKeyId: ak?.AccessKeyId ?? '', secretAccessKey: ak?.SecretAccessKey ?? '' };
  eRoot = await createdAccount(s, E, 'e');
  const iam = s.iam(eRoot);
  await iam.send(new I.CreateUserCommand({ UserName: 'eve' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'eve', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'eve' }))).AccessKey;
  eve = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
});
after(async () => s?.stop());

/** The refused AssumeRole records of session `name` in `account`, as the admin of that account (`key`) reads them. */
async function refusals(key: Credentials, account: string, name: string): Promise<AuditRecord[]> {
  const app = s.running.app;
  const who = await app.authenticate(key.accessKeyId);
  assert.ok(who.ok);
  await app.audit.flush();
  const page = await app.audit.query(who.value.caller, { account, kind: 'session', decision: 'Deny' }, 0, 1000);
  assert.ok(page.ok, JSON.stringify(page));
  return page.value.records.filter((r) => (r.detail as { sessionName?: string } | undefined)?.sessionName === name);
}

const shown = (r: AuditRecord): string => JSON.stringify({ resource: r.resource, role: r.role, detail: r.detail });

test("mm3: the caller's account's record of a refused AssumeRole of another account's role names it as asked", async () => {
  const asked = `arn:aws:iam::${B}:role/guarded`;
  assert.equal((await sdkFailure(s.sts(eve).send(new S.AssumeRoleCommand({ RoleArn: asked, RoleSessionName: 'mm3-a' })))).code, 'AccessDenied');
  const mine = await refusals(eRoot, E, 'mm3-a');
  assert.equal(mine.length, 1);
  assert.equal(mine[0]?.resource, asked);
  assert.doesNotMatch(shown(mine[0] as AuditRecord), /Guarded|\/ops\//);
});

test('mm3: it reads as the record of a role the other account does not hold', async () => {
  await sdkFailure(s.sts(eve).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/guarded`, RoleSessionName: 'mm3-b' })));
  await sdkFailure(s.sts(eve).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/absent`, RoleSessionName: 'mm3-b' })));
  const mine = await refusals(eRoot, E, 'mm3-b');
  assert.equal(mine.length, 2);
  const [one, two] = mine.map((r) => shown(r).replace(/guarded|absent/g, '<name>'));
  assert.equal(one, two);
});

test("mm3: the role's own account still finds the attempt under the role as it spells it", async () => {
  await sdkFailure(s.sts(eve).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/guarded`, RoleSessionName: 'mm3-c' })));
  const theirs = await refusals(bRoot, B, 'mm3-c');
  assert.equal(theirs.length, 1);
  assert.equal(theirs[0]?.resource, `arn:aws:iam::${B}:role/ops/Guarded`);
  assert.equal((theirs[0]?.detail as { requestedRoleArn?: string }).requestedRoleArn, `arn:aws:iam::${B}:role/guarded`);
  // Within one account, the directory's spelling as before.
  await sdkFailure(s.sts(adam).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/home`, RoleSessionName: 'mm3-d' })));
  const home = await refusals(s.admin, A, 'mm3-d');
  assert.equal(home.length, 1);
  assert.equal(home[0]?.resource, `arn:aws:iam::${A}:role/ops/Home`);
});
