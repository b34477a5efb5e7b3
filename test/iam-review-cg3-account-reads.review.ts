/**
 * Review cg, 3: the account-level reads that auditing and inventory tools call first (Prowler, ScoutSuite, Steampipe,
 * Terraform's `aws_iam_account_alias`, a shell prompt's `aws iam list-account-aliases`) answered InvalidAction ("Could
 * not find operation …"), which those tools take for a broken endpoint and stop on. Gatehouse keeps no account alias,
 * password policy or SAML provider, so they answer as IAM does for an account without one: ListAccountAliases an
 * empty AccountAliases (paged as other listings), ListSAMLProviders an empty SAMLProviderList, GetAccountPasswordPolicy
 * NoSuchEntity (404, "The Password Policy with domain name <account> cannot be found."). Each is authorized as its
 * IAM action on `*`, a refusal AccessDenied. SDK v3 and boto3 against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { python3Script } from './support/aws-cli.ts';
import { boto3Missing, PYTHON as DEBIAN_PYTHON } from './support/processes.ts';

/** The tools' environment (Debian's, in /usr/bin; PYENV_ROOT kept for a machine whose PATH finds pyenv's shims). */
const toolEnv = (home?: string): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home ?? tmpdir(), PYENV_ROOT: process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv') });
const PYTHON = boto3Missing() === undefined ? DEBIAN_PYTHON : undefined;

let server: TestServer;
let iam: I.IAMClient;
let nobody: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'nobody' }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey!;
  nobody = server.iam({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
});
after(async () => {
  await server?.stop();
});

test('ListAccountAliases answers none', async () => {
  const r = await iam.send(new I.ListAccountAliasesCommand({}));
  assert.deepEqual(r.AccountAliases, []);
  assert.equal(r.IsTruncated, false);
  assert.equal((await sdkFailure(iam.send(new I.ListAccountAliasesCommand({ MaxItems: 1001 })))).code, 'ValidationError');
});

test('ListSAMLProviders answers none', async () => {
  assert.deepEqual((await iam.send(new I.ListSAMLProvidersCommand({}))).SAMLProviderList, []);
});

test('GetAccountPasswordPolicy is NoSuchEntity, as for an account without one', async () => {
  const f = await sdkFailure(iam.send(new I.GetAccountPasswordPolicyCommand({})));
  assert.equal(f.code, 'NoSuchEntity');
  assert.equal(f.status, 404);
  assert.equal(f.message, 'The Password Policy with domain name 000000000000 cannot be found.');
});

test('each is refused to a caller no policy allows it', async () => {
  for (const call of [nobody.send(new I.ListAccountAliasesCommand({})), nobody.send(new I.ListSAMLProvidersCommand({})), nobody.send(new I.GetAccountPasswordPolicyCommand({}))]) {
    const f = await sdkFailure(call);
    assert.equal(f.code, 'AccessDenied');
    assert.match(f.message, /iam:(ListAccountAliases|ListSAMLProviders|GetAccountPasswordPolicy)/);
  }
});

test('boto3 reads them as an account without aliases, SAML providers or password policy', { skip: PYTHON ? false : 'boto3 is not installed (python3-boto3)' }, async () => {
  const script = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
aliases = [a for page in iam.get_paginator('list_account_aliases').paginate() for a in page['AccountAliases']]
saml = iam.list_saml_providers()['SAMLProviderList']
try:
    iam.get_account_password_policy()
    pw = 'none'
except iam.exceptions.NoSuchEntityException as e:
    pw = e.response['Error']['Code']
print(json.dumps([aliases, saml, pw]))
`;
  const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey], toolEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [[], [], 'NoSuchEntity']);
});
