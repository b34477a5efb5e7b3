/**
 * Review D, the Query API's rules for managed policies and for text in answers, against one server (real SDK v3;
 * boto3 when installed):
 *
 * D4 — CreatePolicy took any user or role path for a managed policy, so a policy ARN could hold `*`,
 * `?`, `${…}`, `:` or an empty segment (`arn:aws:iam::000000000000:policy/a*b/p`), which IAM refuses: a policy's path
 * is its `policyPathType`, `((/[A-Za-z0-9.,+@=_-]+)*)/`, and so is ListPolicies' PathPrefix. Real SDK v3 against a
 * real server.
 *
 * D13 — CreatePolicy checked its Description with a role's rule (printable Latin-1 only), so
 * `只读访问` or `Lecture seule — données` (an em dash) was ValidationError, where IAM takes any text of at most 1,000
 * characters for a managed policy (`policyDescriptionType` has no pattern; a role's Description keeps its Latin-1
 * pattern). Now a policy's Description is refused only for characters XML cannot carry back. Real SDK v3.
 *
 * D14 — CreatePolicy with Tags answered success and dropped them, so the caller, told the policy was created as asked,
 * had a policy without the tags it sent (say the `owner` its clean-up jobs select by). They were then refused
 * (InvalidInput); since review Q2 (q3) managed policies carry tags, so CreatePolicy keeps them and GetPolicy and
 * ListPolicyTags give them back; bad tags are still refused and create nothing. Real SDK v3.
 *
 * D5 — an IAM answer quoting a control character was not well-formed XML. The ValidationError for
 * `PathPrefix=/a<U+0001>b/` or `UserName=x<U+0001>y` echoed the character raw, so boto3 raised ResponseParserError
 * ("invalid XML received. Further retries may succeed", and retried) and the SDK v3 could not read the error code.
 * Now a character XML 1.0 does not allow is written U+FFFD, and a carriage return (which a Description may hold) is
 * a reference, so it comes back as sent. Real SDK v3 and boto3 (when installed) against a real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as I from '@aws-sdk/client-iam';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
// Found before any test is registered: a test registered after an await may run once the server is stopped.
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

/** The account's managed policies of that name (the server is shared by the sections below). */
const localPolicies = async (name: string) => ((await iam.send(new I.ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? []).filter((p) => p.PolicyName === name);

describe('D4: a managed policy path is IAM\'s policyPathType', () => {
  test('CreatePolicy refuses a path IAM refuses for a policy, and creates nothing', async () => {
    for (const Path of ['/a*b/', '/${aws:username}/', '/a//b/', '/x:y/', '/q?/', '/team']) {
      const f = await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', Path, PolicyDocument: DOC })));
      assert.equal(f.code, 'ValidationError', Path);
      assert.match(f.message, /Path of a managed policy must be/);
    }
    assert.deepEqual(await localPolicies('p'), []);
  });

  test('a path of letters, digits and .,+@=_- segments is taken; ListPolicies filters by one', async () => {
    const p = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', Path: '/team.ml/v1+x@y=z_w-q/', PolicyDocument: DOC }));
    assert.equal(p.Policy?.Arn, 'arn:aws:iam::000000000000:policy/team.ml/v1+x@y=z_w-q/p');
    const listed = await iam.send(new I.ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/team.ml/' }));
    assert.deepEqual(listed.Policies?.map((x) => x.PolicyName), ['p']);
    assert.equal((await sdkFailure(iam.send(new I.ListPoliciesCommand({ PathPrefix: '/a*/' })))).code, 'ValidationError');
  });
});

describe('D13: a managed policy Description in any script', () => {
  test('a managed policy takes a Description in any script and gives it back', async () => {
    for (const [name, Description] of [['zh', '只读访问 OSS'], ['fr', 'Lecture seule — données'], ['emoji', 'read 📖']]) {
      const created = await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: DOC, Description }));
      assert.equal(created.Policy?.Description, Description);
      assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: created.Policy!.Arn! }))).Policy?.Description, Description);
    }
  });

  test('what XML cannot carry, or over 1,000 characters, is refused; a role keeps its narrower rule', async () => {
    for (const Description of ['a\u0001b', 'x'.repeat(1001)]) {
      assert.equal((await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: DOC, Description })))).code, 'ValidationError', JSON.stringify(Description.slice(0, 8)));
    }
    assert.equal((await sdkFailure(iam.send(new I.CreateRoleCommand({ RoleName: 'r-zh', AssumeRolePolicyDocument: TRUST, Description: '只读' })))).code, 'ValidationError');
  });
});

describe('D14: CreatePolicy with Tags', () => {
  test('CreatePolicy keeps its Tags: the answer, GetPolicy and ListPolicyTags give them back', async () => {
    const created = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'tagged', PolicyDocument: DOC, Tags: [{ Key: 'owner', Value: 'ml' }] }));
    assert.deepEqual(created.Policy?.Tags, [{ Key: 'owner', Value: 'ml' }]);
    const PolicyArn = created.Policy?.Arn as string;
    assert.deepEqual((await iam.send(new I.GetPolicyCommand({ PolicyArn }))).Policy?.Tags, [{ Key: 'owner', Value: 'ml' }]);
    assert.deepEqual((await iam.send(new I.ListPolicyTagsCommand({ PolicyArn }))).Tags, [{ Key: 'owner', Value: 'ml' }]);
  });

  test('bad Tags are refused and create nothing', async () => {
    for (const Tags of [[{ Key: 'aws:x', Value: 'v' }], Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))]) {
      assert.equal((await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'badly-tagged', PolicyDocument: DOC, Tags })))).code, 'ValidationError', Tags[0]?.Key);
    }
    // One key twice in any case is IAM's InvalidInput, "Duplicate tag keys found…" (review nv, 3).
    assert.equal((await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'badly-tagged', PolicyDocument: DOC, Tags: [{ Key: 'a', Value: '1' }, { Key: 'A', Value: '2' }] })))).code, 'InvalidInput');
    assert.deepEqual(await localPolicies('badly-tagged'), []);
  });

  test('without Tags it is created as before', async () => {
    assert.equal((await iam.send(new I.CreatePolicyCommand({ PolicyName: 'plain', PolicyDocument: DOC }))).Policy?.PolicyName, 'plain');
  });
});

describe('D5: text XML cannot carry', () => {
  test('a refusal quoting a control character is a readable ValidationError (SDK v3)', async () => {
    const list = await sdkFailure(iam.send(new I.ListUsersCommand({ PathPrefix: '/a\u0001b/' })));
    assert.equal(list.code, 'ValidationError');
    assert.match(list.message, /`\/a\uFFFDb\/`/);
    const create = await sdkFailure(iam.send(new I.CreateUserCommand({ UserName: 'x\u0001y' })));
    assert.equal(create.code, 'ValidationError');
  });

  test('a carriage return in a Description comes back as sent', async () => {
    await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, Description: 'line one\r\nline two' }));
    assert.equal((await iam.send(new I.GetRoleCommand({ RoleName: 'r' }))).Role?.Description, 'line one\r\nline two');
  });

  test('boto3 reads the error code', { skip: boto3Missing() ?? false }, async () => {
    const script = [
      'import boto3, botocore, sys',
      `iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="${REGION}", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], config=botocore.config.Config(retries={"max_attempts": 1}))`,
      'try:',
      '    iam.list_users(PathPrefix="/a\\x01b/")',
      'except botocore.exceptions.ClientError as e:',
      '    print(e.response["Error"]["Code"])',
    ].join('\n');
    const out = await new Promise<string>((resolve) =>
      execFile(PYTHON, ['-c', script, server.url, server.admin.accessKeyId, server.admin.secretAccessKey], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/tmp', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve(err ? `failed: ${stderr.slice(-500)}` : stdout.trim()),
      ),
    );
    assert.equal(out, 'ValidationError');
  });
});
