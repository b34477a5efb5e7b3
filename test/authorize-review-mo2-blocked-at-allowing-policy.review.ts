/**
 * Review mo, 2. `gatehouse authorize`/`simulate` said "blocked at: identity policy (no statement of it allows this request)" of a request an identity statement allows but an STS rule refuses, above a `matched` line showing that statement.
 *
 * A role session asking `sts:GetFederationToken` (or `sts:GetSessionToken`) is refused whatever its policies say: STS
 * takes those calls with a user's long-term key only (`deniedBy: identity`, the reason saying so). The text added that
 * no statement of the identity policy allowed the request, while its `matched` list showed the identity policy's
 * `Allow *` statement that did: the reader was sent to write a statement that changes nothing (review ic, 8 fixed the
 * same false claim for `deniedBy: resource` alone). Now, where a statement of the blocking policy type allows the
 * request, the line says so and points to the reasons; where none does, the words are as before.
 *
 * `gatehouse policy evaluate` said the same ("blocked at: identity policy (no statement allows)") over the statement.
 *
 * Before the fix 2 of 3 tests failed. Real server (SQLite), the CLI in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
let s: TestServer;
let account: string;

before(async () => {
  s = await startTestServer();
  account = s.adminFile.AccountId;
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }) }));
  await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
  await userWithPolicy(s, 'reader', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::mo2/*' }));
});
after(() => s?.stop());

test('a refusal by an STS rule is not said to be for want of an identity statement', async () => {
  const session = `arn:aws:sts::${account}:assumed-role/worker/s1`;
  for (const [cmd, action] of [['authorize --principal', 'sts:GetFederationToken'], ['simulate --as', 'sts:GetSessionToken']] as const) {
    const r = await cliAgainst(s, [...cmd.split(' '), session, '--action', action, '--resource', `arn:aws:sts::${account}:federated-user/x`]);
    assert.equal(r.status, 1, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'ImplicitDeny', r.out);
    assert.ok(lines.includes('    Allow iam identity `role/worker/all` statement 0'), r.out);
    assert.ok(!r.out.includes('no statement of it allows this request'), `${cmd} ${action}: ${r.out}`);
    const blocked = lines.find((l) => l.startsWith('  blocked at: '));
    assert.ok(blocked !== undefined && /identity policy/.test(blocked) && /reasons above/.test(blocked), r.out);
  }
});

test('a refusal for want of a statement keeps its words', async () => {
  const r = await cliAgainst(s, ['authorize', '--principal', `arn:aws:iam::${account}:user/reader`, '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::mo2/x']);
  assert.equal(r.status, 1, r.err);
  assert.ok(r.out.split('\n').includes('  blocked at: identity policy (no statement of it allows this request)'), r.out);
});

test('policy evaluate says the same of the same refusal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mo2-'));
  try {
    const file = join(dir, 'all.json');
    writeFileSync(file, doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
    const args = ['policy', 'evaluate', '--policy', file, '--principal', `arn:aws:sts::${account}:assumed-role/worker/s1`, '--action', 'sts:GetFederationToken', '--resource', '*', '--explain'];
    const r = await cliAgainst(s, args);
    assert.equal(r.status, 1, r.err);
    assert.match(r.out, /^ImplicitDeny: GetFederationToken cannot be called with session credentials/, r.out);
    assert.ok(!r.out.includes('no statement allows'), r.out);
    assert.match(r.out, /blocked at: identity policy \(a statement of it allows this request/, r.out);
    // For want of a statement, as before.
    const narrow = join(dir, 'read.json');
    writeFileSync(narrow, doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
    const none = await cliAgainst(s, ['policy', 'evaluate', '--policy', narrow, '--principal', `arn:aws:iam::${account}:user/reader`, '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::mo2/x', '--explain']);
    assert.equal(none.status, 1, none.err);
    assert.ok(none.out.includes('  blocked at: identity policy (no statement allows)'), none.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
