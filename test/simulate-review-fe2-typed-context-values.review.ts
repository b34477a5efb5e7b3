/**
 * Review fe, 2: SimulateCustomPolicy and SimulatePrincipalPolicy checked a ContextEntry's ContextKeyType against IAM's
 * list of types and then ignored it: a value the type does not read (`numeric` `1O0`, `ip` `10.0.0.300`, `boolean`
 * `yes`, `date` `tomorrow`, `binary` that is not base64) was decided on as no value at all, so a Deny reading it did not
 * apply and the simulator answered `allowed` with nothing missing, for a request the policies would refuse given the
 * value meant. (Only the typed global keys, `aws:SourceIp` and the like, were checked, by their own type.) Now every
 * value of an entry with a ContextKeyType must be one of that type (the list types alike), as the engine reads such a
 * value; one that is not is InvalidInput (400), naming the entry, the value and the type. `string` takes anything.
 * The Debian aws CLI and SDK v3 against a real server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { REGION, sdkFailure, type TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
/** Listing is allowed, but never more than 100 keys a page; nor from outside 10/8, nor without the `ok` flag. */
const POLICY = doc(
  { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' },
  { Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: { NumericGreaterThan: { 's3:max-keys': '100' } } },
  { Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: { NotIpAddress: { 'ec2:SourceInstanceIp': '10.0.0.0/8' } } },
  { Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: { Bool: { 'ec2:Attested': 'false' } } },
);

let server: TestServer;
let iam: I.IAMClient;
let home: string;

simulateWorld('gh-review-fe2-', (world) => {
  ({ server, iam, home } = world);
});

const simulate = (entries: I.ContextEntry[]) => iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [POLICY], ActionNames: ['s3:ListBucket'], ContextEntries: entries }));
const GOOD: I.ContextEntry[] = [
  { ContextKeyName: 's3:max-keys', ContextKeyValues: ['50'], ContextKeyType: 'numeric' },
  { ContextKeyName: 'ec2:SourceInstanceIp', ContextKeyValues: ['10.1.2.3'], ContextKeyType: 'ip' },
  { ContextKeyName: 'ec2:Attested', ContextKeyValues: ['TRUE'], ContextKeyType: 'boolean' },
];
const replace = (i: number, e: I.ContextEntry) => GOOD.map((g, j) => (j === i ? e : g));

describe('review fe, 2: a ContextEntry value must be of its ContextKeyType', () => {
  test('values of their types are decided on', async () => {
    const r = await simulate(GOOD);
    assert.deepEqual(r.EvaluationResults?.map((e) => [e.EvalDecision, e.MissingContextValues]), [['allowed', []]]);
    const over = await simulate(replace(0, { ContextKeyName: 's3:max-keys', ContextKeyValues: ['500'], ContextKeyType: 'numeric' }));
    assert.equal(over.EvaluationResults?.[0]?.EvalDecision, 'explicitDeny');
  });

  test('a value its type does not read is InvalidInput, not a Deny that does not apply', async () => {
    const cases: [number, I.ContextEntry, RegExp][] = [
      [0, { ContextKeyName: 's3:max-keys', ContextKeyValues: ['1O0'], ContextKeyType: 'numeric' }, /`1O0`.*`numeric`.*`s3:max-keys`/],
      [1, { ContextKeyName: 'ec2:SourceInstanceIp', ContextKeyValues: ['10.0.0.300'], ContextKeyType: 'ip' }, /`10\.0\.0\.300`.*`ip`/],
      [1, { ContextKeyName: 'ec2:SourceInstanceIp', ContextKeyValues: ['10.1.2.3', 'nowhere'], ContextKeyType: 'ipList' }, /`nowhere`.*`ipList`/],
      [2, { ContextKeyName: 'ec2:Attested', ContextKeyValues: ['yes'], ContextKeyType: 'boolean' }, /`yes`.*`boolean`/],
    ];
    for (const [i, entry, message] of cases) {
      const f = await sdkFailure(simulate(replace(i, entry)));
      assert.equal(f.code, 'InvalidInput', `${JSON.stringify(entry)}: ${f.message}`);
      assert.equal(f.status, 400);
      assert.match(f.message, message);
      assert.match(f.message, new RegExp(`ContextEntries\\.member\\.${i + 1}`));
    }
  });

  test('date, dateList and binary too; string takes anything', async () => {
    const bad: I.ContextEntry[] = [
      { ContextKeyName: 'ec2:LaunchTime', ContextKeyValues: ['tomorrow'], ContextKeyType: 'date' },
      { ContextKeyName: 'ec2:LaunchTime', ContextKeyValues: ['2026-01-01T00:00:00Z', '2026-02-30T00:00:00Z'], ContextKeyType: 'dateList' },
      { ContextKeyName: 'ec2:Blob', ContextKeyValues: ['not base64!'], ContextKeyType: 'binary' },
      { ContextKeyName: 's3:max-keys', ContextKeyValues: ['ten'], ContextKeyType: 'numericList' },
    ];
    for (const e of bad) assert.equal((await sdkFailure(simulate([...GOOD, e]))).code, 'InvalidInput', JSON.stringify(e));
    const fine: I.ContextEntry[] = [
      { ContextKeyName: 'ec2:LaunchTime', ContextKeyValues: ['2019-04-25T11:00:00Z'], ContextKeyType: 'date' },
      { ContextKeyName: 'ec2:Started', ContextKeyValues: ['1700000000'], ContextKeyType: 'date' },
      { ContextKeyName: 'ec2:Blob', ContextKeyValues: ['aGVsbG8='], ContextKeyType: 'binary' },
      { ContextKeyName: 'ec2:Anything', ContextKeyValues: ['1O0', 'yes'], ContextKeyType: 'stringList' },
    ];
    assert.equal((await simulate([...GOOD, ...fine])).EvaluationResults?.[0]?.EvalDecision, 'allowed');
  });

  test('SimulatePrincipalPolicy checks them alike', async () => {
    const f = await sdkFailure(
      iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::000000000000:user/admin', ActionNames: ['s3:ListBucket'], ContextEntries: [{ ContextKeyName: 's3:max-keys', ContextKeyValues: ['many'], ContextKeyType: 'numeric' }] })),
    );
    assert.equal(f.code, 'InvalidInput');
  });

  test('the Debian aws CLI: the shorthand of its own examples, with a value of the wrong type', { skip: awsCliMissing() }, async () => {
    const cli = (entry: string) =>
      awsCli(['--endpoint-url', server.url, '--region', REGION, '--output', 'json', 'iam', 'simulate-custom-policy', '--policy-input-list', POLICY, '--action-names', 's3:ListBucket', '--context-entries', entry], awsCliEnv(home, server.admin));
    const bad = await cli('ContextKeyName=s3:max-keys,ContextKeyValues=1O0,ContextKeyType=numeric');
    assert.notEqual(bad.code, 0, bad.stdout);
    assert.match(bad.stderr, /InvalidInput/);
    const good = await cli('ContextKeyName=s3:max-keys,ContextKeyValues=500,ContextKeyType=numeric');
    assert.equal(good.code, 0, good.stderr);
    assert.equal((JSON.parse(good.stdout) as { EvaluationResults: { EvalDecision: string }[] }).EvaluationResults[0]?.EvalDecision, 'explicitDeny');
  });
});
