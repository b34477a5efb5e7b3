/**
 * Review ln, finding ln2: in an `acs` account the built-ins AdministratorAccess and ReadOnlyAccess go by RAM's
 * system-policy ARNs (`acs:ram::system:policy/AdministratorAccess`, review fn, 4): AttachUserPolicy, DetachUserPolicy,
 * the boundary calls, GetPolicy, GetPolicyVersion and ListPolicyVersions take them. ListEntitiesForPolicy did not: asked
 * who holds `acs:ram::system:policy/AdministratorAccess`, the ARN the administrator attached it by, it answered
 * NoSuchEntity ("does not exist or is not attachable"), which an audit script reads as "no such policy, nobody holds
 * it". RAM's ListEntitiesForPolicy answers the users, groups and roles a system policy is attached to
 * (RAM API reference, ListEntitiesForPolicy, `PolicyType=System`); IAM's answers them for the policy's ARN. Now the
 * RAM ARN names the built-in there too, with its attachments and its uses as a boundary, each filter applied as for
 * the stored ARN, and is decided on as the stored ARN (as the other calls decide it). Real server, SDK v3.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { accountAdmin, startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000031';
const RAM_ADMIN = 'acs:ram::system:policy/AdministratorAccess';
const STORED_ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const RAM_READ = 'acs:ram::system:policy/ReadOnlyAccess';

let s: TestServer;
let iam: I.IAMClient;

const names = (r: I.ListEntitiesForPolicyCommandOutput) => ({
  users: (r.PolicyUsers ?? []).map((u) => u.UserName),
  groups: (r.PolicyGroups ?? []).map((g) => g.GroupName),
  roles: (r.PolicyRoles ?? []).map((x) => x.RoleName),
});

describe('ln2: ListEntitiesForPolicy takes RAM\'s system-policy ARNs of the built-ins', () => {
  before(async () => {
    s = await startTestServer();
    iam = s.iam(await accountAdmin(s, ACS, 'acs'));
    await iam.send(new I.CreateUserCommand({ UserName: 'ops', Path: '/ops/' }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'admins' }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'ops', PolicyArn: RAM_ADMIN }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'admins', PolicyArn: RAM_ADMIN }));
    await iam.send(new I.CreateUserCommand({ UserName: 'reader' }));
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'reader', PermissionsBoundary: RAM_READ }));
  });
  after(async () => {
    await s?.stop();
  });

  it('answers who AdministratorAccess is attached to, as for its stored ARN, filters included', async () => {
    const byStored = names(await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: STORED_ADMIN })));
    assert.ok(byStored.users.includes('ops'), JSON.stringify(byStored));
    assert.deepEqual(byStored.groups, ['admins']);
    assert.deepEqual(names(await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: RAM_ADMIN }))), byStored);
    assert.deepEqual(names(await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: RAM_ADMIN, EntityFilter: 'Group' }))), { users: [], groups: ['admins'], roles: [] });
    assert.deepEqual(names(await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: RAM_ADMIN, PathPrefix: '/ops/' }))), { users: ['ops'], groups: [], roles: [] });
  });

  it('answers who uses ReadOnlyAccess as a permissions boundary', async () => {
    const r = await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: RAM_READ, PolicyUsageFilter: 'PermissionsBoundary' }));
    assert.deepEqual(names(r), { users: ['reader'], groups: [], roles: [] });
  });
});
