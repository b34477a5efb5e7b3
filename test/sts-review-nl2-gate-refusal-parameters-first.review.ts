/**
 * Review nl, 2: while the closed audit gate refuses sessions (the audit log cannot be written), AssumeRole,
 * GetFederationToken and AssumeRoleWithWebIdentity answered 503 before their parameters were checked, and recorded the
 * refusal with what was asked as it was sent: a RoleSessionName, a RoleArn or a federated user's Name of 100,000
 * characters went whole into the record, which the closed gate keeps queued in memory and journaled on disk until the
 * log takes writes again (STYLE.md habit 10: untrusted input, size limits first). Any key holder could
 * fill the instance's memory and data dir during an audit outage at up to 1 MiB a request. STS checks every parameter
 * against its constraints before the call's own refusals (STS API reference, the `ValidationError` of each
 * parameter; docs/decisions.md, review hd, 4), and a malformed request refused so is not recorded (src/app/sts.ts,
 * `recordRefusal`). Now the parameters are checked first under the closed gate too: a malformed call is
 * ValidationError, unrecorded, and a well-formed one is still refused 503 and recorded.
 *
 * A real server in process (SQLite), the real `@aws-sdk/client-iam` and `client-sts`; the audit log is made unwritable
 * with a trigger on its table, as review kh, 4 does.
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { SQLITE_FILE_NAME } from '../src/adapters/store-sqlite/store.ts';
import { auditRecords, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { aliceAndRole } from './support/sts-caller.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/nl2`;
const HUGE = 'x'.repeat(100_000);

let s: TestServer;
let alice: Credentials;
let db: DatabaseSync;

before(async () => {
  s = await startTestServer();
  alice = await aliceAndRole(s, 'nl2', 'account', ['sts:AssumeRole', 'sts:GetFederationToken']);
  const iam = s.iam();
  db = new DatabaseSync(join(s.dataDir, SQLITE_FILE_NAME));
  db.exec('PRAGMA busy_timeout = 5000');
  assert.equal(await s.running.app.audit.flush(), true, 'the setup is written before the log is made unwritable');
  db.exec("CREATE TRIGGER nl2_refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit writes refused by the test'); END");
  // A change whose record cannot be written closes the gate (refused 503 itself if the gate closed first).
  await iam.send(new I.CreateUserCommand({ UserName: 'nl2-user' })).catch(() => undefined);
  assert.equal(await s.running.app.audit.flush(), false, 'the audit log refuses writes');
});
after(async () => {
  db?.close();
  await s?.stop();
});

test('nl2: under the closed gate, AssumeRole with a RoleSessionName or RoleArn of 100,000 characters is a ValidationError', async () => {
  const name = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: HUGE })));
  assert.deepEqual([name.code, name.status], ['ValidationError', 400], name.message);
  const arn = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `${ROLE}${HUGE}`, RoleSessionName: 'nl2' })));
  assert.deepEqual([arn.code, arn.status], ['ValidationError', 400], arn.message);
});

test('nl2: under the closed gate, GetFederationToken with a Name of 100,000 characters is a ValidationError', async () => {
  const f = await sdkFailure(s.sts(alice).send(new S.GetFederationTokenCommand({ Name: HUGE })));
  assert.deepEqual([f.code, f.status], ['ValidationError', 400], f.message);
});

test('nl2: under the closed gate, AssumeRoleWithWebIdentity with a RoleSessionName of 100,000 characters is a ValidationError', async () => {
  const anonymous = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
  try {
    const f = await sdkFailure(anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: HUGE, WebIdentityToken: 'eyJhbGciOiJSUzI1NiJ9.e30.sig' })));
    assert.deepEqual([f.code, f.status], ['ValidationError', 400], f.message);
  } finally {
    anonymous.destroy();
  }
});

test('nl2: a well-formed AssumeRole is still refused 503 and recorded; no record holds what was sent oversized', async () => {
  const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'nl2-ok' })));
  assert.equal(f.status, 503, f.message);
  db.exec('DROP TRIGGER IF EXISTS nl2_refuse');
  const records = [...(await auditRecords(s, { action: 'sts:AssumeRole' })), ...(await auditRecords(s, { action: 'sts:GetFederationToken' })), ...(await auditRecords(s, { action: 'sts:AssumeRoleWithWebIdentity' }))];
  assert.ok(records.some((r) => r.decision === 'Deny' && r.detail['sessionName'] === 'nl2-ok'), 'the well-formed refusal is recorded');
  const largest = Math.max(...records.map((r) => JSON.stringify(r).length));
  assert.ok(largest < 10_000, `no record carries the oversized parameters (largest ${largest} characters)`);
});
