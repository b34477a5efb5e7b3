/**
 * Review fo, 1: ListEntitiesForPolicy was decided on the policy ARN as given, without the policy's tags. Since review
 * Q2 (q5) every other action on a managed policy (GetPolicy, ListPolicyVersions, GetPolicyVersion, DeletePolicy…) is
 * decided with them as aws:ResourceTag and iam:ResourceTag, IAM's `policy` resource having both keys: so a helpdesk
 * denied `iam:*` on anything tagged protected=true was refused GetPolicy on a protected policy and still read, through
 * ListEntitiesForPolicy, every user, group and role it is attached to; and an ABAC grant (ListEntitiesForPolicy only
 * where aws:ResourceTag/team is ml) found no tag and allowed nothing. Now it reads the policy first and is decided on
 * its stored ARN with its tags (on the ARN given when there is no such policy, so the refusal is the same either
 * way), then NoSuchEntity. Real server, SDK v3 and boto3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { python3Script } from './support/aws-cli.ts';
import { boto3Missing } from './support/processes.ts';

const ROOT = '000000000000';
const doc = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const DOC = doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
const arn = (name: string) => `arn:aws:iam::${ROOT}:policy/${name}`;
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'crown', PolicyDocument: DOC, Tags: [{ Key: 'protected', Value: 'true' }] }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'ml-read', PolicyDocument: DOC, Tags: [{ Key: 'team', Value: 'ml' }] }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'plain', PolicyDocument: DOC }));
  for (const name of ['crown', 'ml-read', 'plain']) await iam.send(new I.AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: arn(name) }));
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

test('a Deny on aws:ResourceTag holds for ListEntitiesForPolicy as for GetPolicy', async () => {
  const { client: helpdesk, key } = await userWith('helpdesk', [
    { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
    { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } },
  ]);
  assert.equal((await sdkFailure(helpdesk.send(new I.GetPolicyCommand({ PolicyArn: arn('crown') })))).code, 'AccessDenied');
  const f = await sdkFailure(helpdesk.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn('crown') })));
  assert.equal(f.code, 'AccessDenied');
  assert.equal(f.status, 403);
  assert.match(f.message, /iam:ListEntitiesForPolicy on resource: arn:aws:iam::000000000000:policy\/crown with an explicit deny/);
  // iam:ResourceTag, the same tags under IAM's own key, holds too.
  const { client: iamKeyed } = await userWith('helpdesk2', [
    { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
    { Effect: 'Deny', Action: 'iam:ListEntitiesForPolicy', Resource: '*', Condition: { StringEquals: { 'iam:ResourceTag/protected': 'true' } } },
  ]);
  assert.equal((await sdkFailure(iamKeyed.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn('crown') })))).code, 'AccessDenied');
  // A policy without the tag is listed as before.
  const plain = await helpdesk.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn('plain') }));
  assert.deepEqual(plain.PolicyUsers?.map((u) => u.UserName), ['alice']);
  // boto3 is refused the same way.
  if (boto3Missing() === undefined) {
    const script = [
      'import boto3, botocore, sys',
      `c = boto3.client('iam', endpoint_url='${server.url}', region_name='us-east-1', aws_access_key_id='${key.AccessKeyId}', aws_secret_access_key='${key.SecretAccessKey}')`,
      'try:',
      `    c.list_entities_for_policy(PolicyArn='${arn('crown')}'); print('allowed')`,
      'except botocore.exceptions.ClientError as e:',
      "    print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])",
    ].join('\n');
    const r = await python3Script(script, [], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' });
    assert.equal(r.stdout.trim(), 'AccessDenied 403', r.stderr);
  }
});

test('an ABAC grant on aws:ResourceTag allows ListEntitiesForPolicy on the policies carrying the tag, and no others', async () => {
  const { client: ml } = await userWith('ml-auditor', [
    { Effect: 'Allow', Action: 'iam:ListEntitiesForPolicy', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } },
  ]);
  const listed = await ml.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn('ml-read') }));
  assert.deepEqual(listed.PolicyUsers?.map((u) => u.UserName), ['alice']);
  assert.equal((await sdkFailure(ml.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn('plain') })))).code, 'AccessDenied');
});

test('a policy that does not exist: AccessDenied without the right, NoSuchEntity with it', async () => {
  const { client: none } = await userWith('nobody', [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]);
  assert.equal((await sdkFailure(none.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn('ghost') })))).code, 'AccessDenied');
  const f = await sdkFailure(iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn('ghost') })));
  assert.equal(f.code, 'NoSuchEntity');
  assert.equal(f.status, 404);
});
