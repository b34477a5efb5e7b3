/**
 * Review ka, 4: creating a credential Gatehouse does not keep (`aws iam create-login-profile`, `change-password`,
 * `update-account-password-policy`, `create-virtual-mfa-device`, `enable-mfa-device`, `upload-ssh-public-key`,
 * `upload-signing-certificate`, `create-service-specific-credential`) answered "Could not find operation
 * CreateLoginProfile for version 2010-05-08", IAM's words for an action that does not exist: the user was told the
 * endpoint or the CLI was wrong, not that Gatehouse keeps no such credential, nor what to use instead (Terraform's
 * aws_iam_user_login_profile failed the same way). Their reads already answer none (review Q), and CreateInstanceProfile
 * says why it is refused (review Q, Q1). Now each says which credential Gatehouse does not keep and what to use; it is
 * still InvalidAction (400), nothing is created, and a password sent is neither echoed nor logged. Real server, SDK v3.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
});
after(async () => {
  await server?.stop();
});

const PASSWORD = 'Corr3ct-Horse-Battery-Staple!';

test('creating a credential Gatehouse does not keep says so and names what to use', async () => {
  const calls: [string, RegExp, () => Promise<unknown>][] = [
    ['CreateLoginProfile', /console passwords/, () => iam.send(new I.CreateLoginProfileCommand({ UserName: 'alice', Password: PASSWORD }))],
    ['ChangePassword', /console passwords/, () => iam.send(new I.ChangePasswordCommand({ OldPassword: PASSWORD, NewPassword: `${PASSWORD}2` }))],
    ['UpdateAccountPasswordPolicy', /console passwords/, () => iam.send(new I.UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14 }))],
    ['CreateVirtualMFADevice', /MFA devices/, () => iam.send(new I.CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-phone' }))],
    ['EnableMFADevice', /MFA devices/, () => iam.send(new I.EnableMFADeviceCommand({ UserName: 'alice', SerialNumber: 'arn:aws:iam::000000000000:mfa/alice-phone', AuthenticationCode1: '123456', AuthenticationCode2: '654321' }))],
    ['UploadSSHPublicKey', /SSH public keys/, () => iam.send(new I.UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample alice' }))],
    ['UploadSigningCertificate', /signing certificates/, () => iam.send(new I.UploadSigningCertificateCommand({ UserName: 'alice', CertificateBody: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' }))],
    ['CreateServiceSpecificCredential', /service-specific credentials/, () => iam.send(new I.CreateServiceSpecificCredentialCommand({ UserName: 'alice', ServiceName: 'codecommit.amazonaws.com' }))],
  ];
  for (const [action, kind, call] of calls) {
    const r = await sdkFailure(call());
    assert.equal(r.code, 'InvalidAction', `${action}: ${r.message}`);
    assert.equal(r.status, 400);
    assert.doesNotMatch(r.message, /Could not find operation/, action);
    assert.match(r.message, /^Gatehouse keeps no /, action);
    assert.match(r.message, kind, action);
    assert.match(r.message, /access key|AssumeRole/, `${action} names what to use instead`);
    assert.ok(!r.message.includes(PASSWORD), `${action} echoes no password`);
  }
  assert.ok(!server.logs.some((l) => l.includes(PASSWORD)), 'no password in the server log');
  assert.deepEqual((await iam.send(new I.ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices, []);
  assert.deepEqual((await iam.send(new I.ListSSHPublicKeysCommand({ UserName: 'alice' }))).SSHPublicKeys ?? [], []);
  assert.equal((await sdkFailure(iam.send(new I.GetLoginProfileCommand({ UserName: 'alice' })))).code, 'NoSuchEntity', 'no login profile was made');
});
