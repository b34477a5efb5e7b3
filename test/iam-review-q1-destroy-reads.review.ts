/**
 * Review Q, finding 1: Terraform's AWS provider could not destroy a role, nor a user with `force_destroy`. Before
 * DeleteRole it lists the role's instance profiles (ListInstanceProfilesForRole) to remove it from each; before
 * DeleteUser with force_destroy it lists the user's SSH keys, MFA devices, virtual MFA devices, signing certificates
 * and service-specific credentials and deletes the login profile. Every one of those answered InvalidAction (`Could not
 * find operation …`), so `terraform destroy` stopped with the role or user still there. Gatehouse keeps none of these
 * things: the reads now answer so (empty listings, NoSuchEntity for a login profile or instance profile), decided and
 * checked as IAM does (AccessDenied without the right, NoSuchEntity for a role or user that does not exist), and
 * CreateInstanceProfile says why it is refused. The calls below are the provider's own sequences (v5.100), SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
let server: TestServer;
let iam: I.IAMClient;
let nobody: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'nobody' }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey as I.AccessKey;
  nobody = server.iam({ accessKeyId: k.AccessKeyId as string, secretAccessKey: k.SecretAccessKey as string });
});
after(async () => {
  await server?.stop();
});

test("aws_iam_role destroy: the role's instance profiles are listed (none), its policies detached, then it is deleted", async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'tf-role', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'tf-role', PolicyName: 'inline', PolicyDocument: DOC }));
  const listed = await iam.send(new I.ListInstanceProfilesForRoleCommand({ RoleName: 'tf-role' }));
  assert.deepEqual(listed.InstanceProfiles, []);
  assert.equal(listed.IsTruncated, false);
  // force_detach_policies
  for (const PolicyName of (await iam.send(new I.ListRolePoliciesCommand({ RoleName: 'tf-role' }))).PolicyNames ?? []) {
    await iam.send(new I.DeleteRolePolicyCommand({ RoleName: 'tf-role', PolicyName }));
  }
  await iam.send(new I.DeleteRoleCommand({ RoleName: 'tf-role' }));
  assert.equal((await sdkFailure(iam.send(new I.GetRoleCommand({ RoleName: 'tf-role' })))).code, 'NoSuchEntity');
});

test('ListInstanceProfilesForRole is decided and checked as the role reads are', async () => {
  const missing = await sdkFailure(iam.send(new I.ListInstanceProfilesForRoleCommand({ RoleName: 'no-such-role' })));
  assert.equal(missing.code, 'NoSuchEntity');
  assert.equal(missing.status, 404);
  await iam.send(new I.CreateRoleCommand({ RoleName: 'kept', AssumeRolePolicyDocument: TRUST }));
  assert.equal((await sdkFailure(nobody.send(new I.ListInstanceProfilesForRoleCommand({ RoleName: 'kept' })))).code, 'AccessDenied');
  assert.equal((await sdkFailure(nobody.send(new I.ListInstanceProfilesCommand({})))).code, 'AccessDenied');
  assert.equal((await sdkFailure(iam.send(new I.ListInstanceProfilesForRoleCommand({ RoleName: 'kept', MaxItems: 0 })))).code, 'ValidationError');
  assert.deepEqual((await iam.send(new I.ListInstanceProfilesCommand({ PathPrefix: '/' }))).InstanceProfiles, []);
});

test('instance profiles: none exists, and creating one is refused saying why', async () => {
  const got = await sdkFailure(iam.send(new I.GetInstanceProfileCommand({ InstanceProfileName: 'tf-ip' })));
  assert.equal(got.code, 'NoSuchEntity');
  assert.match(got.message, /Instance Profile tf-ip cannot be found/);
  assert.equal((await sdkFailure(iam.send(new I.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'tf-ip', RoleName: 'kept' })))).code, 'NoSuchEntity');
  assert.equal((await sdkFailure(iam.send(new I.DeleteInstanceProfileCommand({ InstanceProfileName: 'tf-ip' })))).code, 'NoSuchEntity');
  assert.equal((await sdkFailure(nobody.send(new I.GetInstanceProfileCommand({ InstanceProfileName: 'tf-ip' })))).code, 'AccessDenied');
  const created = await sdkFailure(iam.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: 'tf-ip' })));
  assert.equal(created.code, 'InvalidAction');
  assert.match(created.message, /keeps no instance profiles/);
});

test('aws_iam_user force_destroy: keys, SSH keys, MFA devices, login profile, certificates and credentials are listed, then the user is deleted', async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'tf-user' }));
  await iam.send(new I.CreateAccessKeyCommand({ UserName: 'tf-user' }));
  for (const k of (await iam.send(new I.ListAccessKeysCommand({ UserName: 'tf-user' }))).AccessKeyMetadata ?? []) {
    await iam.send(new I.DeleteAccessKeyCommand({ UserName: 'tf-user', AccessKeyId: k.AccessKeyId }));
  }
  assert.deepEqual((await iam.send(new I.ListSSHPublicKeysCommand({ UserName: 'tf-user' }))).SSHPublicKeys, []);
  assert.deepEqual((await iam.send(new I.ListVirtualMFADevicesCommand({ AssignmentStatus: 'Any' }))).VirtualMFADevices, []);
  assert.deepEqual((await iam.send(new I.ListMFADevicesCommand({ UserName: 'tf-user' }))).MFADevices, []);
  const login = await sdkFailure(iam.send(new I.DeleteLoginProfileCommand({ UserName: 'tf-user' })));
  assert.equal(login.code, 'NoSuchEntity');
  assert.match(login.message, /Login Profile for User tf-user cannot be found/);
  assert.deepEqual((await iam.send(new I.ListSigningCertificatesCommand({ UserName: 'tf-user' }))).Certificates, []);
  assert.deepEqual((await iam.send(new I.ListServiceSpecificCredentialsCommand({ UserName: 'tf-user' }))).ServiceSpecificCredentials, []);
  await iam.send(new I.DeleteUserCommand({ UserName: 'tf-user' }));
});

test("the user reads are decided on the user, need it to exist, and default to the caller's own", async () => {
  for (const send of [
    (c: I.IAMClient, UserName?: string) => c.send(new I.ListSSHPublicKeysCommand({ UserName })),
    (c: I.IAMClient, UserName?: string) => c.send(new I.ListMFADevicesCommand({ UserName })),
    (c: I.IAMClient, UserName?: string) => c.send(new I.GetLoginProfileCommand({ UserName })),
  ]) {
    assert.equal((await sdkFailure(send(iam, 'no-such-user'))).code, 'NoSuchEntity');
    assert.equal((await sdkFailure(send(nobody, 'admin'))).code, 'AccessDenied');
  }
  assert.deepEqual((await iam.send(new I.ListSSHPublicKeysCommand({}))).SSHPublicKeys, []);
  assert.equal((await sdkFailure(nobody.send(new I.ListVirtualMFADevicesCommand({})))).code, 'AccessDenied');
});
