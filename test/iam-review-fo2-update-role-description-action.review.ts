/**
 * Review fo, 2: UpdateRoleDescription was authorized as `iam:UpdateRole`. IAM authorizes it as an action of its own,
 * `iam:UpdateRoleDescription` ("Grants permission to update only the description of a role", Service Authorization
 * Reference), which policies grant or deny apart from UpdateRole: AWS's own service-linked role policies grant
 * `iam:UpdateRoleDescription` without `iam:UpdateRole`, and a delegated admin may be allowed to describe roles and
 * not to change how long their sessions last. So a caller granted exactly `iam:UpdateRoleDescription` was refused
 * ("not authorized to perform: iam:UpdateRole"), and a Deny on `iam:UpdateRoleDescription` did not stop it for a
 * caller with `iam:UpdateRole`. Now UpdateRoleDescription is decided as `iam:UpdateRoleDescription` (on the role's
 * ARN, with its tags as any role action); UpdateRole stays `iam:UpdateRole`. Real server, SDK v3 and the aws CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing } from './support/processes.ts';

const doc = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const TRUST = doc([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
const ROLE_ARN = 'arn:aws:iam::000000000000:role/app/web';
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'web', Path: '/app/', AssumeRolePolicyDocument: TRUST, Description: 'first' }));
});
after(async () => {
  await server?.stop();
});

/** A user whose only policy is `statements`, its key and its IAM client. */
async function userWith(name: string, statements: unknown[]): Promise<{ client: I.IAMClient; key: I.AccessKey }> {
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'only', PolicyDocument: doc(statements) }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey as I.AccessKey;
  return { client: server.iam({ accessKeyId: key.AccessKeyId as string, secretAccessKey: key.SecretAccessKey as string }), key };
}

const descriptionOf = async () => (await iam.send(new I.GetRoleCommand({ RoleName: 'web' }))).Role?.Description;

test('iam:UpdateRoleDescription alone allows UpdateRoleDescription, and not UpdateRole', async () => {
  const { client: describer, key } = await userWith('describer', [{ Effect: 'Allow', Action: 'iam:UpdateRoleDescription', Resource: ROLE_ARN }]);
  const r = await describer.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'web', Description: 'serves the site' }));
  assert.equal(r.Role?.Description, 'serves the site');
  assert.equal(await descriptionOf(), 'serves the site');
  const f = await sdkFailure(describer.send(new I.UpdateRoleCommand({ RoleName: 'web', MaxSessionDuration: 7200 })));
  assert.equal(f.code, 'AccessDenied');
  assert.match(f.message, /iam:UpdateRole on resource/);
  // The aws CLI's update-role-description, as the same user.
  if (awsCliMissing() === undefined) {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), PYENV_ROOT: process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv'), AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const cli = await awsCli(['--endpoint-url', server.url, 'iam', 'update-role-description', '--role-name', 'web', '--description', 'from the cli', '--query', 'Role.Description', '--output', 'text'], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), 'from the cli');
  }
});

test('a Deny on iam:UpdateRoleDescription holds against a caller allowed iam:UpdateRole', async () => {
  const { client: ops } = await userWith('ops', [
    { Effect: 'Allow', Action: ['iam:UpdateRole', 'iam:GetRole'], Resource: '*' },
    { Effect: 'Deny', Action: 'iam:UpdateRoleDescription', Resource: '*' },
  ]);
  const before = await descriptionOf();
  const f = await sdkFailure(ops.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'web', Description: 'rewritten' })));
  assert.equal(f.code, 'AccessDenied');
  assert.equal(f.status, 403);
  assert.match(f.message, /iam:UpdateRoleDescription on resource: arn:aws:iam::000000000000:role\/app\/web with an explicit deny/);
  assert.equal(await descriptionOf(), before);
  // UpdateRole is its own action, still allowed.
  await ops.send(new I.UpdateRoleCommand({ RoleName: 'web', MaxSessionDuration: 7200 }));
  assert.equal((await iam.send(new I.GetRoleCommand({ RoleName: 'web' }))).Role?.MaxSessionDuration, 7200);
});

test('decided with the role\'s tags, as other role actions', async () => {
  await iam.send(new I.TagRoleCommand({ RoleName: 'web', Tags: [{ Key: 'team', Value: 'ml' }] }));
  const { client: ml } = await userWith('ml-admin', [{ Effect: 'Allow', Action: 'iam:UpdateRoleDescription', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } }]);
  await ml.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'web', Description: 'by the ml team' }));
  assert.equal(await descriptionOf(), 'by the ml team');
  await iam.send(new I.TagRoleCommand({ RoleName: 'web', Tags: [{ Key: 'team', Value: 'infra' }] }));
  assert.equal((await sdkFailure(ml.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'web', Description: 'again' })))).code, 'AccessDenied');
});
