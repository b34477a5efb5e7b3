/**
 * Review cg, 2: ListPolicies ignored PolicyUsageFilter. "To list only the policies used to set permissions boundaries,
 * set the value to PermissionsBoundary" (IAM API reference, ListPolicies): `aws iam list-policies --scope Local
 * --policy-usage-filter PermissionsBoundary` answered every policy, and with --only-attached the policies attached as
 * permissions, never the boundaries; a value outside the enum (PermissionsPolicy, PermissionsBoundary) was accepted.
 * Now PermissionsBoundary lists the policies set as some user's or role's boundary (with OnlyAttached too),
 * PermissionsPolicy the permissions policies (all of them, or with OnlyAttached the attached ones, as without the
 * filter), and another value is ValidationError. SDK v3 and the aws CLI against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { homedir, tmpdir } from 'node:os';
import { awsCli } from './support/aws-cli.ts';
import { AWS_CLI, awsCliMissing } from './support/processes.ts';

/** The tools' environment (Debian's, in /usr/bin; PYENV_ROOT kept for a machine whose PATH finds pyenv's shims). */
const toolEnv = (home?: string): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home ?? tmpdir(), PYENV_ROOT: process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv') });
const AWS = awsCliMissing() === undefined ? AWS_CLI : undefined;

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
const ACCT = '000000000000';
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  for (const PolicyName of ['attached', 'boundary', 'unused']) await iam.send(new I.CreatePolicyCommand({ PolicyName, PolicyDocument: DOC }));
  await iam.send(new I.CreateUserCommand({ UserName: 'u', PermissionsBoundary: `arn:aws:iam::${ACCT}:policy/boundary` }));
  await iam.send(new I.AttachUserPolicyCommand({ UserName: 'u', PolicyArn: `arn:aws:iam::${ACCT}:policy/attached` }));
});
after(async () => {
  await server?.stop();
});

const names = async (input: I.ListPoliciesCommandInput) => (await iam.send(new I.ListPoliciesCommand({ Scope: 'Local', ...input }))).Policies?.map((p) => p.PolicyName);

test('PermissionsBoundary lists the policies used as a boundary, with OnlyAttached or without', async () => {
  assert.deepEqual(await names({ PolicyUsageFilter: 'PermissionsBoundary' }), ['boundary']);
  assert.deepEqual(await names({ PolicyUsageFilter: 'PermissionsBoundary', OnlyAttached: true }), ['boundary']);
});

test('PermissionsPolicy lists permissions policies: all, or the attached ones with OnlyAttached', async () => {
  assert.deepEqual(await names({ PolicyUsageFilter: 'PermissionsPolicy' }), ['attached', 'boundary', 'unused']);
  assert.deepEqual(await names({ PolicyUsageFilter: 'PermissionsPolicy', OnlyAttached: true }), ['attached']);
  assert.deepEqual(await names({ OnlyAttached: true }), ['attached']);
  assert.deepEqual(await names({}), ['attached', 'boundary', 'unused']);
});

test('another PolicyUsageFilter is ValidationError', async () => {
  const f = await sdkFailure(iam.send(new I.ListPoliciesCommand({ PolicyUsageFilter: 'Boundary' as I.PolicyUsageType })));
  assert.equal(f.code, 'ValidationError');
  assert.match(f.message, /policyUsageFilter/);
});

test('aws iam list-policies --policy-usage-filter PermissionsBoundary', { skip: AWS ? false : 'the aws CLI is not installed (awscli)' }, async () => {
  const home = await mkdtemp(join(tmpdir(), 'cg2-'));
  try {
    const env = { ...toolEnv(home), AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1' };
    const r = await awsCli(['--endpoint-url', server.url, 'iam', 'list-policies', '--scope', 'Local', '--policy-usage-filter', 'PermissionsBoundary', '--query', 'Policies[].PolicyName', '--output', 'json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['boundary']);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
