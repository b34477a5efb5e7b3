/**
 * Review fo, 4: UpdateRoleDescription refused an empty Description ("Value null at 'description' failed to satisfy
 * constraint: Member must not be null"). The parameter is required but may be empty (IAM's roleDescriptionType has no
 * minimum length), and that is how a description is removed: Terraform's aws_iam_role, when `description` is taken
 * out of the configuration, calls UpdateRoleDescription with `Description=""`, so `terraform apply` failed ("updating
 * IAM Role (…) description: ValidationError") and the old description stayed. Now an empty Description clears the
 * role's description (GetRole then answers none, as for a role created without one); a request without the
 * parameter is still ValidationError. Real server; SDK v3 and boto3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { python3Script } from './support/aws-cli.ts';
import { boto3Missing } from './support/processes.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const descriptionOf = async (RoleName: string) => (await iam.send(new I.GetRoleCommand({ RoleName }))).Role?.Description;

test('an empty Description clears the role\'s description (SDK v3, the call Terraform makes)', async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'tf-role', AssumeRolePolicyDocument: TRUST, Description: 'managed by terraform' }));
  const r = await iam.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'tf-role', Description: '' }));
  assert.equal(r.Role?.RoleName, 'tf-role');
  assert.equal(r.Role?.Description, undefined);
  assert.equal(await descriptionOf('tf-role'), undefined);
  // And one can be set again.
  await iam.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'tf-role', Description: 'back' }));
  assert.equal(await descriptionOf('tf-role'), 'back');
});

test('a request without Description is still refused, and a role that does not exist is NoSuchEntity', async () => {
  const missing = await sdkFailure(iam.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'tf-role' } as I.UpdateRoleDescriptionCommandInput)));
  assert.equal(missing.code, 'ValidationError');
  assert.match(missing.message, /'description'/);
  assert.equal(await descriptionOf('tf-role'), 'back');
  const none = await sdkFailure(iam.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'nobody', Description: '' })));
  assert.equal(none.code, 'NoSuchEntity');
});

test('boto3: update_role_description with an empty Description', { skip: boto3Missing() }, async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'py-role', AssumeRolePolicyDocument: TRUST, Description: 'old' }));
  const script = [
    'import boto3, sys',
    "c = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])",
    "c.update_role_description(RoleName='py-role', Description='')",
    "print(repr(c.get_role(RoleName='py-role')['Role'].get('Description')))",
  ].join('\n');
  const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'None');
});
