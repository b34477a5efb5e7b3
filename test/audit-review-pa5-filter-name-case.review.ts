/**
 * Review pa, 5: `audit query --principal`/`--role` (GET /v1/audit `principal=`, `role=`) found nothing for a user or
 * role named in another case than it was created in. IAM names users and roles without regard to case (one cannot
 * hold `Alice` and `alice`; `aws iam get-user --user-name ALICE` answers alice), and the rest of Gatehouse reads them
 * so: the authorize API decides and records a question about `user/BOB` as user `bob` (review V, P8), a refused
 * AssumeRole of `role/LOCKED` is recorded under the role's own spelling (review V, V6). Records carry that one spelling;
 * the filter compared the text as typed, so an auditor who wrote `user/Alice` or `role/reader` for `role/Reader` was
 * answered "no records match": as if the user had done nothing, or no one had used the role.
 *
 * The contract: README §7 and src/adapters/http/audit-api.ts (the filters find the records of a principal, of a role's
 * sessions and of the changes to it), IAM's "Names of users, groups, roles, policies … are not distinguished by case"
 * (IAM User Guide, reference_iam-quotas, "IAM name requirements"), and the reviews above. Now a `principal` or `role`
 * filter naming a user or role of the directory in another case (same account, same path: a path is part of the
 * name) reads as the directory spells it, and a role session's ARN the same for its role's part (the session's own
 * name is the caller's choice, kept as given). A user or role the directory does not hold (deleted, say) is matched as
 * written. Real server on 127.0.0.1, SDK v3 IAM and STS clients, the admin API as the CLI calls it.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';

interface Rec {
  readonly principal: string;
  readonly action: string;
  readonly role?: string;
}

describe('review pa5: principal and role filters read IAM names without case', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'Alice-pa5' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'Alice-pa5', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'iam:CreateGroup'], Resource: '*' }] }) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'Alice-pa5' }))).AccessKey;
    const alice: Credentials = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'Reader-pa5', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    const aliceIam = s.iam(alice);
    await aliceIam.send(new I.CreateGroupCommand({ GroupName: 'made-by-alice-pa5' }));
    const sts = new STSClient({ endpoint: s.url, region: REGION, credentials: alice, maxAttempts: 1 });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Reader-pa5`, RoleSessionName: 'Night-Shift' }))).Credentials;
    sts.destroy();
    // The session, which may change nothing, tries to: its refusal is a record of the session's own.
    const asSession = s.iam({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
    await assert.rejects(asSession.send(new I.CreateGroupCommand({ GroupName: 'made-by-session-pa5' })), { name: 'AccessDenied' });
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s?.stop();
  });

  async function records(query: string): Promise<Rec[]> {
    const q = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?${query}&limit=1000`);
    assert.equal(q.status, 200, JSON.stringify(q.json));
    return (q.json as { records: Rec[] }).records;
  }

  it('a user named in another case: its records', async () => {
    const recs = await records(`principal=${encodeURIComponent(`arn:aws:iam::${ACCT}:user/ALICE-PA5`)}`);
    assert.deepEqual(recs.map((r) => [r.principal, r.action]), [
      [`arn:aws:iam::${ACCT}:user/Alice-pa5`, 'iam:CreateGroup'],
      [`arn:aws:iam::${ACCT}:user/Alice-pa5`, 'sts:AssumeRole'],
    ]);
  });

  it('a role named in another case: its sessions and the changes to it', async () => {
    const recs = await records(`role=${encodeURIComponent(`arn:aws:iam::${ACCT}:role/reader-PA5`)}`);
    assert.deepEqual(recs.map((r) => [r.action, r.role]), [
      ['iam:CreateRole', `arn:aws:iam::${ACCT}:role/Reader-pa5`],
      ['sts:AssumeRole', `arn:aws:iam::${ACCT}:role/Reader-pa5`],
      ['iam:CreateGroup', `arn:aws:iam::${ACCT}:role/Reader-pa5`],
    ]);
  });

  it('a user of another path is not that user, nor is a session name read without case', async () => {
    assert.deepEqual(await records(`principal=${encodeURIComponent(`arn:aws:iam::${ACCT}:user/team/alice-pa5`)}`), []);
    assert.deepEqual(await records(`principal=${encodeURIComponent(`arn:aws:sts::${ACCT}:assumed-role/Reader-pa5/night-shift`)}&kind=session`), []);
  });

  it("a role session's ARN with its role in another case: the session's records", async () => {
    const recs = await records(`principal=${encodeURIComponent(`arn:aws:sts::${ACCT}:assumed-role/READER-pa5/Night-Shift`)}`);
    assert.deepEqual(recs.map((r) => [r.principal, r.action]), [[`arn:aws:sts::${ACCT}:assumed-role/Reader-pa5/Night-Shift`, 'iam:CreateGroup']]);
  });
});
