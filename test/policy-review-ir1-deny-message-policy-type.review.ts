/**
 * Policy review ir, finding 1: an explicit Deny in a permissions boundary, or in a role's trust policy, was refused with
 * an AccessDenied message AWS never writes. AWS's "Troubleshooting access denied error messages" page gives the phrase
 * for each policy type, and SDK users (and their log alerts) grep for it:
 *   - `… with an explicit deny in a permissions boundary` (Gatehouse: `… in a boundary policy`),
 *   - `… with an explicit deny in the role trust policy` (Gatehouse: `… in a trust policy`),
 * beside `… in an identity-based policy`, `… in a resource-based policy` and `… in a session policy`, which were right,
 * and `because no permissions boundary allows the … action` for the implicit case, also right. Someone reading "boundary
 * policy" looks for a policy of that name; a search for "permissions boundary" in the logs missed every such refusal.
 * Now both read as AWS writes them, through the IAM Query API (a boundary's Deny) and STS AssumeRole (a trust policy's).
 *
 * Before the fix 2 of 3 tests failed. Real server (SQLite), AWS SDK v3 clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand, CreateRoleCommand, ListRolesCommand, ListUsersCommand, PutUserPermissionsBoundaryCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { iamUserWith, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const V = '2012-10-17';
const ACCOUNT = '000000000000';
const ALL = { Version: V, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

describe('policy review ir1: AccessDenied names the policy type as AWS does', () => {
  let s: TestServer;
  let carol: Credentials;
  let dave: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // The boundary allows ListUsers and GetUser, then denies ListUsers; it allows no ListRoles.
    const bound = await iam.send(new CreatePolicyCommand({
      PolicyName: 'ir1-bound',
      PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetUser'], Resource: '*' }, { Effect: 'Deny', Action: 'iam:ListUsers', Resource: '*' }] }),
    }));
    carol = await iamUserWith(iam, 'carol', ALL);
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'carol', PermissionsBoundary: bound.Policy?.Arn }));
    dave = await iamUserWith(iam, 'dave', ALL);
    await iam.send(new CreateRoleCommand({
      RoleName: 'ir1-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: V,
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
          { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/dave` }, Action: 'sts:AssumeRole' },
        ],
      }),
    }));
  });
  after(() => s?.stop());

  it('a Deny in the permissions boundary: "with an explicit deny in a permissions boundary"', async () => {
    const f = await sdkFailure(s.iam(carol).send(new ListUsersCommand({})));
    assert.equal(f.code, 'AccessDenied');
    assert.match(f.message, /^User: arn:aws:iam::000000000000:user\/carol is not authorized to perform: iam:ListUsers on resource: \S+ with an explicit deny in a permissions boundary$/);
  });

  it('no Allow in the permissions boundary: "because no permissions boundary allows the … action" (as before)', async () => {
    const f = await sdkFailure(s.iam(carol).send(new ListRolesCommand({})));
    assert.equal(f.code, 'AccessDenied');
    assert.match(f.message, / because no permissions boundary allows the iam:ListRoles action$/);
  });

  it('a Deny in the role trust policy: "with an explicit deny in the role trust policy"', async () => {
    const f = await sdkFailure(s.sts(dave).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/ir1-role`, RoleSessionName: 'ir1' })));
    assert.equal(f.code, 'AccessDenied');
    assert.match(f.message, /^User: arn:aws:iam::000000000000:user\/dave is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role\/ir1-role with an explicit deny in the role trust policy(\.|$)/);
  });
});
