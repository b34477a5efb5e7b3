/**
 * Review cg, 1: ListPolicyVersions and CreatePolicyVersion answered each version's Document. IAM does not: "The policy
 * document is returned in the response to the GetPolicyVersion and GetAccountAuthorizationDetails operations. It is not
 * returned in the response to the CreatePolicyVersion or ListPolicyVersions operations" (API reference, PolicyVersion).
 * So a caller allowed only iam:ListPolicyVersions read every version's document, a Deny on iam:GetPolicyVersion
 * notwithstanding (as listings leaked tags before review D11). Now both answer VersionId, IsDefaultVersion and
 * CreateDate; GetPolicyVersion and GetAccountAuthorizationDetails still answer the document. SDK v3 and boto3 against a
 * real server.
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

const doc = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const SECRET = doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::hidden-bucket/*' }]);
let server: TestServer;
let iam: I.IAMClient;
let lister: I.IAMClient;
let arn: string;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  arn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: SECRET }))).Policy!.Arn!;
  await iam.send(new I.CreateUserCommand({ UserName: 'lister' }));
  await iam.send(
    new I.PutUserPolicyCommand({
      UserName: 'lister',
      PolicyName: 'only',
      PolicyDocument: doc([
        { Effect: 'Allow', Action: ['iam:ListPolicyVersions', 'iam:GetPolicy'], Resource: '*' },
        { Effect: 'Deny', Action: 'iam:GetPolicyVersion', Resource: '*' },
      ]),
    }),
  );
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'lister' }))).AccessKey!;
  lister = server.iam({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
});
after(async () => {
  await server?.stop();
});

test('CreatePolicyVersion answers the new version without its document', async () => {
  const v = (await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: SECRET, SetAsDefault: true }))).PolicyVersion;
  assert.equal(v?.VersionId, 'v2');
  assert.equal(v?.IsDefaultVersion, true);
  assert.ok(v?.CreateDate instanceof Date);
  assert.equal(v?.Document, undefined);
});

test('ListPolicyVersions answers no document, so iam:ListPolicyVersions alone does not read one', async () => {
  const vs = (await lister.send(new I.ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
  assert.deepEqual(
    vs.map((v) => [v.VersionId, v.IsDefaultVersion, v.Document]),
    [
      ['v2', true, undefined],
      ['v1', false, undefined],
    ],
  );
  assert.equal((await sdkFailure(lister.send(new I.GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })))).code, 'AccessDenied');
});

test('GetPolicyVersion and GetAccountAuthorizationDetails still answer the document', async () => {
  const got = (await iam.send(new I.GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))).PolicyVersion;
  assert.equal(decodeURIComponent(got?.Document ?? ''), SECRET);
  const details = await iam.send(new I.GetAccountAuthorizationDetailsCommand({ Filter: ['LocalManagedPolicy'] }));
  const versions = details.Policies?.find((p) => p.Arn === arn)?.PolicyVersionList ?? [];
  assert.deepEqual(versions.map((v) => decodeURIComponent(v.Document ?? '')), [SECRET, SECRET]);
});

test('boto3 lists the versions without a Document', { skip: PYTHON ? false : 'boto3 is not installed (python3-boto3)' }, async () => {
  const script = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
vs = [v for page in iam.get_paginator('list_policy_versions').paginate(PolicyArn=sys.argv[4]) for v in page['Versions']]
print(json.dumps([[v['VersionId'], v['IsDefaultVersion'], 'Document' in v] for v in vs]))
`;
  const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey, arn], toolEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [
    ['v2', true, false],
    ['v1', false, false],
  ]);
});
