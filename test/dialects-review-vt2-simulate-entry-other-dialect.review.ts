/**
 * Review vt, 2: a simulation's ContextEntry under the other dialect's name of a key the directory supplies was ignored.
 * The engine reads a key's `aws:` and `acs:` names as one key (src/core/iam/principal.ts `keyLookup`), and
 * SimulatePrincipalPolicy/SimulateCustomPolicy `ContextEntries` override what the directory would supply (DESIGN.md,
 * "Errors"). But the simulator dropped a directory value only for an entry of the same spelling: asked "what if this
 * policy were not tagged protected" with `acs:ResourceTag/protected = false` (the spelling a RAM user writes), the
 * directory's `aws:ResourceTag/protected = true` stayed in the context, and a guard reading `aws:ResourceTag/protected`
 * still answered explicitDeny, while the same entry spelled `aws:` answered allowed. One key, two answers by spelling;
 * and the entry was neither refused nor reported. Now an entry overrides the directory's value under either name of
 * its key, as an entry of the same spelling does. SDK v3 against a real server (SQLite).
 *
 * Before the fix 2 of the 3 tests failed (the one on an untagged policy, where the engine already read the other
 * spelling, passed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const arn = (kind: string, name: string) => `arn:aws:iam::${ROOT}:${kind}/${name}`;
const GUARD = doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:DeletePolicy', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } });

let s: TestServer;
let iam: I.IAMClient;

before(async () => {
  s = await startTestServer();
  iam = s.iam();
  const body = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'guarded', PolicyDocument: body, Tags: [{ Key: 'protected', Value: 'true' }] }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'loose', PolicyDocument: body }));
  await iam.send(new I.CreateUserCommand({ UserName: 'ops' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'ops', PolicyName: 'guard', PolicyDocument: GUARD }));
});
after(() => s?.stop());

const entry = (key: string, value: string): I.ContextEntry => ({ ContextKeyName: key, ContextKeyValues: [value], ContextKeyType: 'string' });
const principal = async (policy: string, entries: I.ContextEntry[]) => {
  const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'ops'), ActionNames: ['iam:DeletePolicy'], ResourceArns: [arn('policy', policy)], ContextEntries: entries }));
  const e = r.EvaluationResults?.[0];
  return [e?.EvalDecision, e?.MissingContextValues ?? []];
};

describe('review vt, 2: a ContextEntry overrides the directory under either dialect’s name of its key', () => {
  test('SimulatePrincipalPolicy: `acs:ResourceTag/protected = false` lifts the guard as `aws:ResourceTag/protected = false` does', async () => {
    assert.deepEqual(await principal('guarded', []), ['explicitDeny', []]);
    assert.deepEqual(await principal('guarded', [entry('aws:ResourceTag/protected', 'false')]), ['allowed', []]);
    assert.deepEqual(await principal('guarded', [entry('acs:ResourceTag/protected', 'false')]), ['allowed', []]);
    assert.deepEqual(await principal('guarded', [entry('ACS:resourcetag/PROTECTED', 'false')]), ['allowed', []]);
  });

  test('SimulateCustomPolicy: the same', async () => {
    const ask = async (entries: I.ContextEntry[]) =>
      (await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [GUARD], ActionNames: ['iam:DeletePolicy'], ResourceArns: [arn('policy', 'guarded')], ContextEntries: entries }))).EvaluationResults?.[0]?.EvalDecision;
    assert.equal(await ask([]), 'explicitDeny');
    assert.equal(await ask([entry('aws:ResourceTag/protected', 'false')]), 'allowed');
    assert.equal(await ask([entry('acs:ResourceTag/protected', 'false')]), 'allowed');
  });

  test('an entry on an untagged policy is read under either name, and an unrelated entry keeps the directory’s tag', async () => {
    assert.deepEqual(await principal('loose', []), ['allowed', []]);
    assert.deepEqual(await principal('loose', [entry('acs:ResourceTag/protected', 'true')]), ['explicitDeny', []]);
    assert.deepEqual(await principal('guarded', [entry('acs:ResourceTag/other', 'false')]), ['explicitDeny', []]);
  });
});
