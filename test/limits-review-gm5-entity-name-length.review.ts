/**
 * Review gm, 5: the IAM actions on an existing user, group or role (TagUser, DeleteUser, CreateAccessKey,
 * AddUserToGroup, DeleteRole, …) took its name of any length, where IAM bounds UserName and RoleName to 64 characters
 * and GroupName to 128: a principal with no permission at all sent a 900 kB name (the Query API takes 1 MiB), it was
 * decided, refused AccessDenied naming the ARN made of it, and recorded with that ARN as the resource and again in the
 * message (and DeleteRole a third time as the record's role): 1.8-2.7 MB in the audit log per request, kept for ever.
 * Now a name longer than IAM's bound is a ValidationError, checked before anything decides, echoes or records it, as
 * creating such an entity is; a name within it is decided as before. Real server (SQLite), the AWS SDK's IAM client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddUserToGroupCommand, CreateAccessKeyCommand, DeleteRoleCommand, DeleteUserCommand, IAMClient, TagUserCommand } from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { rootAdminCaller } from './support/callers.ts';
import { sdkFailure, startTestServer, type TestServer, userWithKey } from './support/server.ts';

const ACCT = '000000000000';
const BIG = 'n'.repeat(900_000);

describe('review gm5: an over-long user, group or role name is refused first', () => {
  let s: TestServer;
  let iam: IAMClient;
  before(async () => {
    s = await startTestServer();
    iam = s.iam(await userWithKey(s, 'gm5-nobody'));
  });
  after(async () => s?.stop());

  const records = async (): Promise<readonly AuditRecord[]> => {
    await s.running.app.audit.flush();
    const page = await s.running.app.audit.query(rootAdminCaller, { principal: `arn:aws:iam::${ACCT}:user/gm5-nobody` }, 0, 1000);
    assert.ok(page.ok);
    return page.value.records;
  };

  const sends: [string, (name: string) => Promise<unknown>][] = [
    ['TagUser', (n) => iam.send(new TagUserCommand({ UserName: n, Tags: [{ Key: 'k', Value: 'v' }] }))],
    ['DeleteUser', (n) => iam.send(new DeleteUserCommand({ UserName: n }))],
    ['CreateAccessKey', (n) => iam.send(new CreateAccessKeyCommand({ UserName: n }))],
    ['AddUserToGroup', (n) => iam.send(new AddUserToGroupCommand({ UserName: 'gm5-nobody', GroupName: n }))],
    ['DeleteRole', (n) => iam.send(new DeleteRoleCommand({ RoleName: n }))],
  ];

  for (const [what, send] of sends) {
    it(`${what} with a 900 kB name: ValidationError, not decided, echoed or recorded`, async () => {
      const before = (await records()).length;
      const r = await sdkFailure(send(BIG));
      assert.equal(r.code, 'ValidationError', r.message.slice(0, 200));
      assert.ok(r.message.length < 1000, `the refusal holds ${r.message.length} characters`);
      assert.equal((await records()).length, before, 'nothing is recorded of a request refused as malformed');
    });
  }

  it("names just past IAM's bounds are refused; names within them are decided as before", async () => {
    assert.equal((await sdkFailure(iam.send(new DeleteUserCommand({ UserName: 'u'.repeat(65) })))).code, 'ValidationError');
    assert.equal((await sdkFailure(iam.send(new DeleteRoleCommand({ RoleName: 'r'.repeat(65) })))).code, 'ValidationError');
    assert.equal((await sdkFailure(iam.send(new AddUserToGroupCommand({ UserName: 'gm5-nobody', GroupName: 'g'.repeat(129) })))).code, 'ValidationError');
    const before = (await records()).length;
    assert.equal((await sdkFailure(iam.send(new DeleteUserCommand({ UserName: 'u'.repeat(64) })))).code, 'AccessDenied');
    assert.equal((await sdkFailure(iam.send(new AddUserToGroupCommand({ UserName: 'gm5-nobody', GroupName: 'g'.repeat(128) })))).code, 'AccessDenied');
    const after = await records();
    assert.equal(after.length, before + 2, 'the refusals within the bounds are recorded');
    assert.deepEqual(after.slice(-2).map((r) => r.action), ['iam:DeleteUser', 'iam:AddUserToGroup']);
  });
});
