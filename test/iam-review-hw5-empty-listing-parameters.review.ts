/**
 * Review hw, 5: ListServerCertificates and ListVirtualMFADevices, which always answer an empty list (Gatehouse keeps
 * neither), took any parameter: `PathPrefix=certs` (no leading `/`) and `AssignmentStatus=assigned` (IAM's values are
 * `Assigned`, `Unassigned` and `Any`) answered 200 and an empty list, so a script with such a typo read "there are
 * none" where IAM refuses the request and the typo is found before the script runs against AWS. Now they are checked
 * as IAM checks them (the PathPrefix as ListUsers' is, the AssignmentStatus against its three values) and refused with
 * ValidationError naming the parameter; good values still answer the empty list. Real server, SDK v3.
 * Before the fix 1 of 2 tests failed.
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
});
after(async () => {
  await server?.stop();
});

test('a malformed PathPrefix or AssignmentStatus is ValidationError naming it', async () => {
  const prefix = await sdkFailure(iam.send(new I.ListServerCertificatesCommand({ PathPrefix: 'certs' })));
  assert.equal(prefix.code, 'ValidationError', prefix.message);
  assert.equal(prefix.status, 400);
  assert.match(prefix.message, /PathPrefix/);
  const status = await sdkFailure(iam.send(new I.ListVirtualMFADevicesCommand({ AssignmentStatus: 'assigned' as I.AssignmentStatusType })));
  assert.equal(status.code, 'ValidationError', status.message);
  assert.equal(status.status, 400);
  assert.match(status.message, /assignmentStatus/);
  assert.match(status.message, /Assigned, Unassigned, Any|Unassigned, Assigned, Any|Assigned/);
});

test('good values still answer the empty lists', async () => {
  assert.deepEqual((await iam.send(new I.ListServerCertificatesCommand({ PathPrefix: '/cloudfront/' }))).ServerCertificateMetadataList, []);
  for (const AssignmentStatus of ['Assigned', 'Unassigned', 'Any'] as const) {
    assert.deepEqual((await iam.send(new I.ListVirtualMFADevicesCommand({ AssignmentStatus }))).VirtualMFADevices, []);
  }
});
