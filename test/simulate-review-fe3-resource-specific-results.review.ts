/**
 * Review fe, 3: SimulatePrincipalPolicy and SimulateCustomPolicy never answered `ResourceSpecificResults`. IAM's
 * EvaluationResult says MissingContextValues at its top is for a simulation on `*`, and "if you include a list of
 * resources, then any missing context values are instead included under the ResourceSpecificResults section"; a
 * client written to that (reading `EvalResourceDecision` and the missing keys per resource there) found no section,
 * so no key missing, for a simulation whose Allow waited on a key nobody gave. Now each result on a resource the request
 * names carries its ResourceSpecificResults (EvalResourceName, EvalResourceDecision, MatchedStatements,
 * MissingContextValues, and PermissionsBoundaryDecisionDetail when a boundary took part); a result on `*` (ResourceArns
 * absent or `*`) has none, as IAM. The top-level fields stay as they were. boto3, the Debian aws CLI and SDK v3 against
 * a real server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { REGION, type TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';
import { awsCli, python3Script } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing, boto3Missing, PYTHON as DEBIAN_PYTHON } from './support/processes.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const PYTHON = boto3Missing() === undefined ? DEBIAN_PYTHON : undefined;
const toolEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), PYENV_ROOT: process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv') });

/** Reads of `data/*` wait on the caller's prefix; `logs/*` is denied outright. */
const POLICY = doc(
  { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*', Condition: { StringEquals: { 's3:ExistingObjectTag/class': 'open' } } },
  { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::public/*' },
  { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::logs/*' },
);
const DATA = 'arn:aws:s3:::data/k';
const PUBLIC = 'arn:aws:s3:::public/k';
const LOGS = 'arn:aws:s3:::logs/k';

let server: TestServer;
let iam: I.IAMClient;
let home: string;

simulateWorld('gh-review-fe3-', (world) => {
  ({ server, iam, home } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'reader' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'read', PolicyDocument: POLICY }));
  const boundary = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'no-public', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::data/*', 'arn:aws:s3:::logs/*'] }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: boundary.Policy!.Arn! }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bounded', PolicyName: 'read', PolicyDocument: POLICY }));
});

const perResource = (r: I.SimulateCustomPolicyCommandOutput) =>
  (r.EvaluationResults ?? []).map((e) => (e.ResourceSpecificResults ?? []).map((x) => [x.EvalResourceName, x.EvalResourceDecision, x.MissingContextValues ?? [], (x.MatchedStatements ?? []).map((m) => m.SourcePolicyId)]));

describe('review fe, 3: ResourceSpecificResults on the resources a simulation names', () => {
  test('SimulateCustomPolicy: each resource its own decision, matched statements and missing keys', async () => {
    const r = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [POLICY], ActionNames: ['s3:GetObject'], ResourceArns: [DATA, PUBLIC, LOGS] }));
    assert.deepEqual(perResource(r), [
      [[DATA, 'implicitDeny', ['s3:ExistingObjectTag/class'], []]],
      [[PUBLIC, 'allowed', [], ['PolicyInputList.1']]],
      [[LOGS, 'explicitDeny', [], ['PolicyInputList.1']]],
    ]);
    const deny = r.EvaluationResults?.[2]?.ResourceSpecificResults?.[0]?.MatchedStatements?.[0];
    assert.deepEqual(deny?.StartPosition, r.EvaluationResults?.[2]?.MatchedStatements?.[0]?.StartPosition);
  });

  test('none on `*`, asked or by default', async () => {
    for (const ResourceArns of [undefined, ['*']]) {
      const r = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [POLICY], ActionNames: ['s3:GetObject'], ...(ResourceArns ? { ResourceArns } : {}) }));
      assert.equal(r.EvaluationResults?.[0]?.EvalResourceName, '*');
      assert.equal(r.EvaluationResults?.[0]?.ResourceSpecificResults, undefined);
    }
  });

  test('SimulatePrincipalPolicy: the boundary decision per resource too', async () => {
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:user/bounded`, ActionNames: ['s3:GetObject'], ResourceArns: [PUBLIC, DATA] }));
    const specific = (r.EvaluationResults ?? []).map((e) => e.ResourceSpecificResults?.[0]);
    assert.deepEqual(specific.map((x) => [x?.EvalResourceName, x?.EvalResourceDecision, x?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary]), [
      [PUBLIC, 'implicitDeny', false],
      [DATA, 'implicitDeny', true],
    ]);
    assert.deepEqual(specific[1]?.MissingContextValues, ['s3:ExistingObjectTag/class']);
  });

  test('boto3: the missing keys read from ResourceSpecificResults, as IAM documents them', { skip: PYTHON ? false : 'boto3 is not installed (python3-boto3)' }, async () => {
    const script = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
out = []
for page in iam.get_paginator('simulate_principal_policy').paginate(PolicySourceArn=sys.argv[4], ActionNames=['s3:GetObject'], ResourceArns=sys.argv[5:]):
    for e in page['EvaluationResults']:
        for x in e.get('ResourceSpecificResults', []):
            out.append([x['EvalResourceName'], x['EvalResourceDecision'], x.get('MissingContextValues', [])])
print(json.dumps(out))
`;
    const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey, `arn:aws:iam::${ROOT}:user/reader`, DATA, LOGS], toolEnv());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      [DATA, 'implicitDeny', ['s3:ExistingObjectTag/class']],
      [LOGS, 'explicitDeny', []],
    ]);
  });

  test('the Debian aws CLI: a jq-style read of .ResourceSpecificResults', { skip: awsCliMissing() }, async () => {
    const r = await awsCli(
      ['--endpoint-url', server.url, '--region', REGION, '--output', 'json', 'iam', 'simulate-custom-policy', '--policy-input-list', POLICY, '--action-names', 's3:GetObject', '--resource-arns', PUBLIC, LOGS, '--query', 'EvaluationResults[].ResourceSpecificResults[].[EvalResourceName,EvalResourceDecision]'],
      awsCliEnv(home, server.admin),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      [PUBLIC, 'allowed'],
      [LOGS, 'explicitDeny'],
    ]);
  });
});
