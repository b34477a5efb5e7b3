/**
 * Review fe, 1: GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy answered InvalidAction ("Could not
 * find operation … for version 2010-05-08"), while the SimulateCustomPolicy and SimulatePrincipalPolicy reference sends
 * callers to them for "the list of context keys that the policies require for correct simulation" (boto3's own answer
 * to a MissingContextValues question, boto/boto3#3111). Now both answer `ContextKeyNames`: the condition keys of the
 * policies given (custom), or of every managed and inline policy of the user (its groups' too), group or role, plus
 * any PolicyInputList given (principal), each key once whatever its case, in the order written. They are authorized as
 * their IAM actions (`iam:GetContextKeysForCustomPolicy` on `*`, `iam:GetContextKeysForPrincipalPolicy` on the
 * entity), a missing entity is NoSuchEntity, and a document that does not parse is refused as the simulators refuse it.
 * The Debian aws CLI, boto3 and SDK v3 against a real server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { REGION, sdkFailure, type TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';
import { awsCli, python3Script } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing, boto3Missing, PYTHON as DEBIAN_PYTHON } from './support/processes.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const arn = (kind: string, name: string) => `arn:aws:iam::${ROOT}:${kind}/${name}`;
const PYTHON = boto3Missing() === undefined ? DEBIAN_PYTHON : undefined;
const toolEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), PYENV_ROOT: process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv') });

const CUSTOM = [
  doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { NumericLessThanEquals: { 's3:max-keys': '10' }, StringEquals: { 'aws:PrincipalTag/team': 'ml' } } }),
  doc({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' }, StringEquals: { 'AWS:PRINCIPALTAG/TEAM': 'x' } } }),
];

let server: TestServer;
let iam: I.IAMClient;
let nobody: I.IAMClient;
let home: string;

simulateWorld('gh-review-fe1-', (world) => {
  ({ server, iam, home } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'dana' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'dana', PolicyName: 'net', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'trainers' }));
  await iam.send(new I.AddUserToGroupCommand({ GroupName: 'trainers', UserName: 'dana' }));
  const managed = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'tagged', PolicyDocument: doc({ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'ec2:ResourceTag/env': 'dev' } } }) }));
  await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'trainers', PolicyArn: managed.Policy!.Arn! }));
  await iam.send(new I.CreateUserCommand({ UserName: 'nobody' }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey!;
  nobody = server.iam({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
});

describe('review fe, 1: GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy', () => {
  test('custom: the condition keys of the policies given, each once, in order', async () => {
    const r = await iam.send(new I.GetContextKeysForCustomPolicyCommand({ PolicyInputList: CUSTOM }));
    assert.deepEqual(r.ContextKeyNames, ['s3:max-keys', 'aws:PrincipalTag/team', 'aws:SecureTransport']);
    const none = await iam.send(new I.GetContextKeysForCustomPolicyCommand({ PolicyInputList: [doc({ Effect: 'Allow', Action: '*', Resource: '*' })] }));
    assert.deepEqual(none.ContextKeyNames ?? [], []);
  });

  test("principal: the user's own policies, its groups' managed ones, and the PolicyInputList given", async () => {
    const r = await iam.send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: arn('user', 'dana'), PolicyInputList: [CUSTOM[1] as string] }));
    assert.deepEqual(r.ContextKeyNames, ['aws:SourceIp', 'ec2:ResourceTag/env', 'aws:SecureTransport', 'AWS:PRINCIPALTAG/TEAM']);
    const group = await iam.send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: arn('group', 'trainers') }));
    assert.deepEqual(group.ContextKeyNames, ['ec2:ResourceTag/env']);
  });

  test('errors: an entity that does not exist, a document that does not parse, a caller not allowed', async () => {
    const missing = await sdkFailure(iam.send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: arn('user', 'ghost') })));
    assert.equal(missing.code, 'NoSuchEntity');
    const bad = await sdkFailure(iam.send(new I.GetContextKeysForCustomPolicyCommand({ PolicyInputList: ['{"Version":"2012-10-17"'] })));
    assert.equal(bad.status, 400);
    assert.match(bad.message, /PolicyInputList\.1/);
    const denied = await sdkFailure(nobody.send(new I.GetContextKeysForCustomPolicyCommand({ PolicyInputList: CUSTOM })));
    assert.equal(denied.code, 'AccessDenied');
    assert.match(denied.message, /iam:GetContextKeysForCustomPolicy/);
    const deniedPrincipal = await sdkFailure(nobody.send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: arn('user', 'dana') })));
    assert.equal(deniedPrincipal.code, 'AccessDenied');
    assert.match(deniedPrincipal.message, /iam:GetContextKeysForPrincipalPolicy/);
  });

  test('the Debian aws CLI: get-context-keys-for-custom-policy and get-context-keys-for-principal-policy', { skip: awsCliMissing() }, async () => {
    const cli = (args: string[]) => awsCli(['--endpoint-url', server.url, '--region', REGION, '--output', 'json', 'iam', ...args], awsCliEnv(home, server.admin));
    const custom = await cli(['get-context-keys-for-custom-policy', '--policy-input-list', ...CUSTOM]);
    assert.equal(custom.code, 0, custom.stderr);
    assert.deepEqual(JSON.parse(custom.stdout), { ContextKeyNames: ['s3:max-keys', 'aws:PrincipalTag/team', 'aws:SecureTransport'] });
    const principal = await cli(['get-context-keys-for-principal-policy', '--policy-source-arn', arn('user', 'dana')]);
    assert.equal(principal.code, 0, principal.stderr);
    assert.deepEqual(JSON.parse(principal.stdout), { ContextKeyNames: ['aws:SourceIp', 'ec2:ResourceTag/env'] });
  });

  test('boto3: the keys it is told to supply make the simulation need nothing more', { skip: PYTHON ? false : 'boto3 is not installed (python3-boto3)' }, async () => {
    const script = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=sys.argv[4])['ContextKeyNames']
values = {'aws:SourceIp': '10.1.2.3', 'ec2:ResourceTag/env': 'dev'}
entries = [{'ContextKeyName': k, 'ContextKeyValues': [values[k]], 'ContextKeyType': 'ip' if k == 'aws:SourceIp' else 'string'} for k in keys]
r = iam.simulate_principal_policy(PolicySourceArn=sys.argv[4], ActionNames=['s3:GetObject', 'ec2:RunInstances'], ContextEntries=entries)
print(json.dumps([keys, [[e['EvalDecision'], e['MissingContextValues']] for e in r['EvaluationResults']]]))
`;
    const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey, arn('user', 'dana')], toolEnv());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [['aws:SourceIp', 'ec2:ResourceTag/env'], [['allowed', []], ['allowed', []]]]);
  });
});
