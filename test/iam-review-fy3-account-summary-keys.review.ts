/**
 * Review fy, 3: GetAccountSummary left out six of the keys IAM's SummaryMap holds (API reference, GetAccountSummary,
 * "Valid Keys"): PolicyVersionsInUseQuota, SigningCertificatesPerUserQuota, ServerCertificatesQuota,
 * InstanceProfilesQuota, AccountPasswordPresent and GlobalEndpointTokenVersion. Tools read the map by key and set a
 * count beside its quota to see the headroom (`s['PolicyVersionsInUse'] / s['PolicyVersionsInUseQuota']`), which in
 * boto3 was a KeyError. Now every key of IAM's list is answered, the quotas of what Gatehouse keeps none of being IAM's
 * defaults. Real server; SDK v3 and boto3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { python3Script } from './support/aws-cli.ts';
import { boto3Missing } from './support/processes.ts';

/** IAM's `summaryKeyType`, as the API reference lists it. */
const IAM_SUMMARY_KEYS = [
  'Users', 'UsersQuota', 'Groups', 'GroupsQuota', 'ServerCertificates', 'ServerCertificatesQuota', 'UserPolicySizeQuota', 'GroupPolicySizeQuota',
  'GroupsPerUserQuota', 'SigningCertificatesPerUserQuota', 'AccessKeysPerUserQuota', 'MFADevices', 'MFADevicesInUse', 'AccountMFAEnabled',
  'AccountAccessKeysPresent', 'AccountPasswordPresent', 'AccountSigningCertificatesPresent', 'AttachedPoliciesPerGroupQuota', 'AttachedPoliciesPerRoleQuota',
  'AttachedPoliciesPerUserQuota', 'Policies', 'PoliciesQuota', 'PolicySizeQuota', 'PolicyVersionsInUse', 'PolicyVersionsInUseQuota', 'VersionsPerPolicyQuota',
  'GlobalEndpointTokenVersion', 'AssumeRolePolicySizeQuota', 'InstanceProfiles', 'InstanceProfilesQuota', 'Providers', 'RolePolicySizeQuota', 'Roles', 'RolesQuota',
];

let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
});
after(async () => {
  await server?.stop();
});

test('SummaryMap holds every key IAM answers, and only those', async () => {
  const s = (await iam.send(new I.GetAccountSummaryCommand({}))).SummaryMap ?? {};
  assert.deepEqual(Object.keys(s).sort(), [...IAM_SUMMARY_KEYS].sort());
  assert.equal(s['PolicyVersionsInUse'], 1);
  assert.equal(s['PolicyVersionsInUseQuota'], 10000);
  assert.equal(s['SigningCertificatesPerUserQuota'], 2);
  assert.equal(s['ServerCertificatesQuota'], 20);
  assert.equal(s['InstanceProfilesQuota'], 1000);
  assert.equal(s['AccountPasswordPresent'], 0);
  assert.equal(s['GlobalEndpointTokenVersion'], 1);
});

test('boto3: the headroom of policy versions is computed from the map', { skip: boto3Missing() }, async () => {
  const script = [
    'import boto3, sys',
    "c = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])",
    "s = c.get_account_summary()['SummaryMap']",
    "print(s['PolicyVersionsInUseQuota'] - s['PolicyVersionsInUse'], s['InstanceProfilesQuota'] - s['InstanceProfiles'])",
  ].join('\n');
  const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '9999 1000');
});
