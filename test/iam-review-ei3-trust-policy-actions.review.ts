/**
 * Review ei, 3: a role trust policy granting an action of another service (`s3:GetObject`, `iam:PassRole`, a common
 * mistake: the role's permissions written into its trust policy) was stored. IAM refuses it, CreateRole and
 * UpdateAssumeRolePolicy answering MalformedPolicyDocument "AssumeRole policy may only specify STS AssumeRole actions."
 * (as reported by Terraform's users and reproduced by LocalStack and versitygw), so a document Gatehouse took was one
 * AWS would not, and the permission its author meant to grant was silently granted to no one. Now a trust policy
 * written through the IAM API or `gatehouse apply` may grant only `*` and actions that can match an AssumeRole action
 * (`sts:AssumeRole`, `…WithWebIdentity`, `…WithSAML`, `sts:TagSession`, `sts:SetSourceIdentity`, `sts:SetContext`;
 * wildcards such as `sts:*` kept), refused with the statement's path and what to do instead. A trust policy stored
 * before the rule still parses, so its role stays assumable (a document that no longer parses denies what it governs).
 * 5 of the 5 tests failed before the fix (the third refuses `sts:GetCallerIdentity` beside what it takes).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { parsePolicy } from '../src/core/iam/index.ts';
import { cliAgainst, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const trust = (Action: string | string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action }] });
const AWS_WORDS = 'AssumeRole policy may only specify STS AssumeRole actions';

let s: TestServer;
let iam: I.IAMClient;
const file = join(tmpdir(), `ei3-${process.pid}.yaml`);

before(async () => {
  s = await startTestServer();
  iam = s.iam();
});
after(async () => {
  await rm(file, { force: true });
  await s?.stop();
});

test('ei3: CreateRole with an S3 action in its trust policy is MalformedPolicyDocument naming the action, and no role is made', async () => {
  const f = await sdkFailure(iam.send(new I.CreateRoleCommand({ RoleName: 'ei3-s3', AssumeRolePolicyDocument: trust('s3:GetObject') })));
  assert.equal(f.code, 'MalformedPolicyDocument', f.message);
  assert.equal(f.status, 400);
  assert.ok(f.message.includes('`s3:GetObject`') && f.message.includes(AWS_WORDS), f.message);
  assert.match(f.message, /at Statement\[0\]\.Action/, f.message);
  assert.equal(await sdkFailure(iam.send(new I.GetRoleCommand({ RoleName: 'ei3-s3' }))).then((x) => x.code), 'NoSuchEntity');
});

test('ei3: UpdateAssumeRolePolicy adding iam:PassRole is refused at its index, and the trust policy is unchanged', async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ei3-update', AssumeRolePolicyDocument: trust('sts:AssumeRole') }));
  const f = await sdkFailure(iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'ei3-update', PolicyDocument: trust(['sts:AssumeRole', 'iam:PassRole']) })));
  assert.equal(f.code, 'MalformedPolicyDocument', f.message);
  assert.match(f.message, /`iam:PassRole`.*at Statement\[0\]\.Action\[1\]/, f.message);
  const role = await iam.send(new I.GetRoleCommand({ RoleName: 'ei3-update' }));
  assert.deepEqual(JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')).Statement[0].Action, 'sts:AssumeRole');
});

test('ei3: the STS AssumeRole actions, in any case and with wildcards, and `*` are still taken', async () => {
  const taken = ['sts:AssumeRole', 'sts:assumerole', ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'], ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity', 'sts:SetContext'], 'sts:*', 'sts:Assume*', '*'];
  for (const [i, action] of taken.entries()) {
    const r = await iam.send(new I.CreateRoleCommand({ RoleName: `ei3-ok-${i}`, AssumeRolePolicyDocument: trust(action) }));
    assert.equal(r.Role?.RoleName, `ei3-ok-${i}`, JSON.stringify(action));
  }
  // An STS action that is none of them (`sts:GetCallerIdentity` needs no permission at all) is refused too.
  const f = await sdkFailure(iam.send(new I.CreateRoleCommand({ RoleName: 'ei3-gci', AssumeRolePolicyDocument: trust('sts:GetCallerIdentity') })));
  assert.equal(f.code, 'MalformedPolicyDocument', f.message);
});

test('ei3: gatehouse apply refuses the role, naming the file path of the action, and changes nothing', async () => {
  const role = (name: string, action: string) =>
    `apiVersion: gatehouse.dev/v1\nkind: Role\nmetadata: {name: ${name}}\nspec:\n  trustPolicy:\n    Version: "2012-10-17"\n    Statement:\n      - Effect: Allow\n        Principal: {AWS: "arn:aws:iam::${ACCT}:root"}\n        Action: ["sts:AssumeRole", "${action}"]\n`;
  await writeFile(file, `${role('ei3-applied-ok', 'sts:TagSession')}---\n${role('ei3-applied-bad', 's3:PutObject')}`);
  const r = await cliAgainst(s, ['apply', '-f', file]);
  assert.notEqual(r.status, 0, r.out + r.err);
  assert.match(r.err, /spec\.trustPolicy\.Statement\[0\]\.Action\[1\]/, r.err);
  assert.ok(r.err.includes('`s3:PutObject`'), r.err);
  for (const name of ['ei3-applied-ok', 'ei3-applied-bad']) assert.equal((await sdkFailure(iam.send(new I.GetRoleCommand({ RoleName: name })))).code, 'NoSuchEntity', name);
});

test('ei3: a trust policy stored before the rule still parses when read, so its role is not locked out', () => {
  const stored = trust(['sts:AssumeRole', 's3:GetObject']);
  assert.equal(parsePolicy(stored, { kind: 'trust' }).ok, true);
  const written = parsePolicy(stored, { kind: 'trust', written: true });
  assert.equal(written.ok, false);
  assert.equal(written.ok ? '' : written.errors[0]?.path, 'Statement[0].Action[1]');
});
