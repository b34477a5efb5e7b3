/**
 * Review cb, finding 4 (as bx, 2 for resource policies). A role's trust policy naming a user or role of an account the
 * deployment does not hold was stored as written: `{"AWS": "arn:aws:iam::999999999999:role/ci"}` (a mistyped id, or a
 * tenant not yet created). AWS refuses it (`MalformedPolicyDocument: Invalid principal in policy`), as Gatehouse
 * already refused a user or role missing from an account it holds (review Z, 3). Accepted, it let whoever is later given
 * account 999999999999 create role `ci` there and assume this role. Now CreateRole, UpdateAssumeRolePolicy and
 * `gatehouse apply` (kind: Role) refuse it naming the account and where the value is; once the account and its role
 * exist, the same trust policy is accepted. The account's root is refused as well while the account does not exist
 * (review ey, 1; until then it was accepted). Real server (SQLite), the IAM SDK and the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CreateRoleCommand, GetRoleCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { accountAdmin, cliAgainst, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const LATER = '999999999999';
const CI = `arn:aws:iam::${LATER}:role/ci`;
const trust = (principal: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });

describe('trust policies: a user or role of an account that does not exist is an invalid principal', () => {
  let s: TestServer;
  let dir: string;

  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'cb4-'));
  });
  after(async () => {
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('CreateRole refuses it with MalformedPolicyDocument naming the account; so it does the account’s root (review ey, 1)', async () => {
    const f = await sdkFailure(s.iam().send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust(CI) })));
    // Before the fix: the role was created.
    assert.equal(f.code, 'MalformedPolicyDocument', JSON.stringify(f));
    assert.match(f.message, new RegExp(`Invalid principal in policy: .*no account ${LATER}.*Statement\\[0\\]\\.Principal\\.AWS`));
    // Until review ey, 1: the account's root was accepted.
    const root = await sdkFailure(s.iam().send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust(`arn:aws:iam::${LATER}:root`) })));
    assert.equal(root.code, 'MalformedPolicyDocument', JSON.stringify(root));
    assert.match(root.message, new RegExp(`Invalid principal in policy: .*account ${LATER} does not exist.*Statement\\[0\\]\\.Principal\\.AWS`));
    await s.iam().send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust(`arn:aws:iam::${s.adminFile.AccountId}:root`) }));
  });

  it('UpdateAssumeRolePolicy refuses it and keeps the trust policy it had', async () => {
    const f = await sdkFailure(s.iam().send(new UpdateAssumeRolePolicyCommand({ RoleName: 'deployer', PolicyDocument: trust(`arn:aws:iam::${LATER}:user/bob`) })));
    assert.equal(f.code, 'MalformedPolicyDocument', JSON.stringify(f));
  });

  it('apply refuses a Role trusting it, at the line of the value, and changes nothing', async () => {
    const file = join(dir, 'role.yaml');
    await writeFile(
      file,
      [
        'apiVersion: gatehouse.dev/v1',
        'kind: Role',
        'metadata:',
        '  name: builder',
        'spec:',
        '  trustPolicy:',
        "    Version: '2012-10-17'",
        '    Statement:',
        '      - Effect: Allow',
        '        Action: sts:AssumeRole',
        '        Principal:',
        `          AWS: ${CI}`,
        '',
      ].join('\n'),
    );
    const r = await cliAgainst(s, ['apply', '-f', file]);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.err, new RegExp(`role\\.yaml:12:.*no account ${LATER}`), r.err);
    const got = await sdkFailure(s.iam().send(new GetRoleCommand({ RoleName: 'builder' })));
    assert.equal(got.code, 'NoSuchEntity', 'the role was created');
  });

  it('once the account and its role exist, the trust policy is accepted', async () => {
    await s.iam(await accountAdmin(s, LATER, 'aws')).send(new CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: trust(`arn:aws:iam::${LATER}:root`) }));
    await s.iam().send(new UpdateAssumeRolePolicyCommand({ RoleName: 'deployer', PolicyDocument: trust(CI) }));
  });
});
