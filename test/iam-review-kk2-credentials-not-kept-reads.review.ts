/**
 * Review kk, 2: reading, changing or deleting one credential Gatehouse does not keep (`aws iam get-ssh-public-key`,
 * `delete-ssh-public-key`, `delete-signing-certificate`, `delete-service-specific-credential`, `deactivate-mfa-device`,
 * `delete-virtual-mfa-device`, `get-server-certificate`, `delete-server-certificate`, their updates and tags…)
 * answered "Could not find operation …", IAM's words for an action that does not exist: the user was told the
 * endpoint or the CLI was wrong, and cleanup scripts (and Terraform's destroy of such a resource made elsewhere) that
 * treat NoSuchEntity as "already gone" failed. AWS answers NoSuchEntity for an id or name that does not exist, after
 * the permission check. Now each is decided as IAM decides it (on the user for a user's credential, on the device's
 * or the certificate's ARN otherwise), then NoSuchEntity naming the id and saying Gatehouse keeps no such credential;
 * a user that does not exist is the user's NoSuchEntity; a caller not allowed is AccessDenied whether or not anything
 * exists. UploadServerCertificate says, as the other creates do (review ka, 4), that Gatehouse keeps no server
 * certificates. The lists still answer empty. Real server, SDK v3.
 *
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

const A = '000000000000';
let server: TestServer;
let iam: I.IAMClient;
let carol: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  // carol may do all of it on herself only.
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: `arn:aws:iam::${A}:user/carol` }] });
  carol = server.iam(await userWithPolicy(server, 'carol', policy));
});
after(async () => {
  await server?.stop();
});

const SSH = 'APKAEIBAERJR2EXAMPLE1';
const CERT = 'TA7SMP42TDN5Z26OBPJE7EXAMPLE';
const SSC = 'ACCA12345ABCDEXAMPLE1';
const MFA = `arn:aws:iam::${A}:mfa/alice-phone`;

/** The user-scoped calls, for user `u`. */
const userCalls = (u: string): [string, RegExp, (c: I.IAMClient) => Promise<unknown>][] => [
  ['GetSSHPublicKey', /SSH public keys/, (c) => c.send(new I.GetSSHPublicKeyCommand({ UserName: u, SSHPublicKeyId: SSH, Encoding: 'SSH' }))],
  ['DeleteSSHPublicKey', /SSH public keys/, (c) => c.send(new I.DeleteSSHPublicKeyCommand({ UserName: u, SSHPublicKeyId: SSH }))],
  ['UpdateSSHPublicKey', /SSH public keys/, (c) => c.send(new I.UpdateSSHPublicKeyCommand({ UserName: u, SSHPublicKeyId: SSH, Status: 'Inactive' }))],
  ['DeleteSigningCertificate', /signing certificates/, (c) => c.send(new I.DeleteSigningCertificateCommand({ UserName: u, CertificateId: CERT }))],
  ['UpdateSigningCertificate', /signing certificates/, (c) => c.send(new I.UpdateSigningCertificateCommand({ UserName: u, CertificateId: CERT, Status: 'Inactive' }))],
  ['DeleteServiceSpecificCredential', /service-specific credentials/, (c) => c.send(new I.DeleteServiceSpecificCredentialCommand({ UserName: u, ServiceSpecificCredentialId: SSC }))],
  ['UpdateServiceSpecificCredential', /service-specific credentials/, (c) => c.send(new I.UpdateServiceSpecificCredentialCommand({ UserName: u, ServiceSpecificCredentialId: SSC, Status: 'Inactive' }))],
  ['ResetServiceSpecificCredential', /service-specific credentials/, (c) => c.send(new I.ResetServiceSpecificCredentialCommand({ UserName: u, ServiceSpecificCredentialId: SSC }))],
  ['DeactivateMFADevice', /MFA devices/, (c) => c.send(new I.DeactivateMFADeviceCommand({ UserName: u, SerialNumber: MFA }))],
  ['ResyncMFADevice', /MFA devices/, (c) => c.send(new I.ResyncMFADeviceCommand({ UserName: u, SerialNumber: MFA, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }))],
  ['GetMFADevice', /MFA devices/, (c) => c.send(new I.GetMFADeviceCommand({ UserName: u, SerialNumber: MFA }))],
];

const accountCalls: [string, RegExp, RegExp, (c: I.IAMClient) => Promise<unknown>][] = [
  ['DeleteVirtualMFADevice', /MFA devices/, /alice-phone/, (c) => c.send(new I.DeleteVirtualMFADeviceCommand({ SerialNumber: MFA }))],
  ['ListMFADeviceTags', /MFA devices/, /alice-phone/, (c) => c.send(new I.ListMFADeviceTagsCommand({ SerialNumber: MFA }))],
  ['TagMFADevice', /MFA devices/, /alice-phone/, (c) => c.send(new I.TagMFADeviceCommand({ SerialNumber: MFA, Tags: [{ Key: 'k', Value: 'v' }] }))],
  ['UntagMFADevice', /MFA devices/, /alice-phone/, (c) => c.send(new I.UntagMFADeviceCommand({ SerialNumber: MFA, TagKeys: ['k'] }))],
  ['GetServerCertificate', /server certificates/, /web-cert/, (c) => c.send(new I.GetServerCertificateCommand({ ServerCertificateName: 'web-cert' }))],
  ['DeleteServerCertificate', /server certificates/, /web-cert/, (c) => c.send(new I.DeleteServerCertificateCommand({ ServerCertificateName: 'web-cert' }))],
  ['UpdateServerCertificate', /server certificates/, /web-cert/, (c) => c.send(new I.UpdateServerCertificateCommand({ ServerCertificateName: 'web-cert', NewServerCertificateName: 'web-cert-2' }))],
  ['ListServerCertificateTags', /server certificates/, /web-cert/, (c) => c.send(new I.ListServerCertificateTagsCommand({ ServerCertificateName: 'web-cert' }))],
  ['TagServerCertificate', /server certificates/, /web-cert/, (c) => c.send(new I.TagServerCertificateCommand({ ServerCertificateName: 'web-cert', Tags: [{ Key: 'k', Value: 'v' }] }))],
  ['UntagServerCertificate', /server certificates/, /web-cert/, (c) => c.send(new I.UntagServerCertificateCommand({ ServerCertificateName: 'web-cert', TagKeys: ['k'] }))],
];

test('kk2: a user credential Gatehouse does not keep is NoSuchEntity naming its id, for a user that exists', async () => {
  for (const [action, kind, call] of userCalls('alice')) {
    const r = await sdkFailure(call(iam));
    assert.equal(r.code, 'NoSuchEntity', `${action}: ${r.message}`);
    assert.equal(r.status, 404, action);
    assert.doesNotMatch(r.message, /Could not find operation/, action);
    assert.match(r.message, /SSH|MFA|TA7SMP|ACCA1/, `${action} names the id: ${r.message}`);
    assert.match(r.message, kind, `${action} says Gatehouse keeps none: ${r.message}`);
  }
  // A user that does not exist is the user's NoSuchEntity.
  for (const [action, , call] of userCalls('nobody')) {
    const r = await sdkFailure(call(iam));
    assert.equal(r.code, 'NoSuchEntity', `${action}: ${r.message}`);
    assert.match(r.message, /nobody/, `${action}: ${r.message}`);
  }
});

test('kk2: the permission check comes first: on the user for its credentials, alike whether the user exists', async () => {
  for (const [action, , call] of userCalls('carol')) {
    const r = await sdkFailure(call(carol));
    assert.equal(r.code, 'NoSuchEntity', `${action} on herself: ${r.message}`);
  }
  for (const u of ['alice', 'nobody']) {
    for (const [action, , call] of userCalls(u)) {
      const r = await sdkFailure(call(carol));
      assert.equal(r.code, 'AccessDenied', `${action} on ${u}: ${r.message}`);
      assert.match(r.message, new RegExp(`iam:${action}`), `${action} on ${u}: ${r.message}`);
    }
  }
});

test('kk2: a virtual MFA device or a server certificate is decided on its ARN, then NoSuchEntity naming it', async () => {
  for (const [action, kind, named, call] of accountCalls) {
    const r = await sdkFailure(call(iam));
    assert.equal(r.code, 'NoSuchEntity', `${action}: ${r.message}`);
    assert.match(r.message, named, `${action}: ${r.message}`);
    assert.match(r.message, kind, `${action}: ${r.message}`);
    const denied = await sdkFailure(call(carol));
    assert.equal(denied.code, 'AccessDenied', `${action} by carol: ${denied.message}`);
    assert.match(denied.message, /arn:aws:iam::000000000000:(mfa\/alice-phone|server-certificate\/web-cert)/, `${action} by carol: ${denied.message}`);
  }
});

test('kk2: UploadServerCertificate says Gatehouse keeps no server certificates; the lists answer empty', async () => {
  const up = await sdkFailure(iam.send(new I.UploadServerCertificateCommand({ ServerCertificateName: 'web-cert', CertificateBody: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', PrivateKey: '-----BEGIN PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END PRIVATE KEY-----' })));
  assert.equal(up.code, 'InvalidAction', up.message);
  assert.match(up.message, /^Gatehouse keeps no server certificates/);
  assert.ok(!up.message.includes('SECRETKEYMATERIAL'));
  assert.ok(!server.logs.some((l) => l.includes('SECRETKEYMATERIAL')), 'no private key in the server log');
  assert.deepEqual((await iam.send(new I.ListServerCertificatesCommand({}))).ServerCertificateMetadataList, []);
  assert.deepEqual((await iam.send(new I.ListSSHPublicKeysCommand({ UserName: 'alice' }))).SSHPublicKeys ?? [], []);
  assert.deepEqual((await iam.send(new I.ListSigningCertificatesCommand({ UserName: 'alice' }))).Certificates, []);
  assert.deepEqual((await iam.send(new I.ListServiceSpecificCredentialsCommand({ UserName: 'alice' }))).ServiceSpecificCredentials ?? [], []);
  assert.deepEqual((await iam.send(new I.ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices, []);
  assert.deepEqual((await iam.send(new I.ListVirtualMFADevicesCommand({}))).VirtualMFADevices, []);
});
