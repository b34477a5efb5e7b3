/**
 * Review oc, 3: a stored policy that no longer parses stands in as one statement denying everything (src/app/
 * unreadable-policy.ts; review N, N3), and SimulatePrincipalPolicy answered that stand-in's Deny with the
 * StartPosition and EndPosition of the stored text's first statement: an Allow the policy's author wrote, reported as
 * the statement that explicitly denied.
 *
 * Contract: IAM's MatchedStatements are "the statements in the input policies that determine the result", each
 * Statement's StartPosition/EndPosition "the row and column of the beginning [end] of the Statement in an IAM policy"
 * (API_Statement); every decision names the statement that decided (STYLE.md, habit 5). The stand-in is no statement
 * of the stored text, so it has no place in it: the policy is named (SourcePolicyId, SourcePolicyType) with no
 * position, as the authorize API names it with its diagnostic. A readable policy keeps its positions.
 * SDK v3 against a real server, the stored text edited through the store as test/unreadable-policies.part.ts does.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

const ACCOUNT = '000000000000';
const USER = `arn:aws:iam::${ACCOUNT}:user/erin`;
const THING = `arn:aws:svc:us-east-1:${ACCOUNT}:thing/x`;
// The first statement an Allow; the second's action is made unreadable below (`svc Read` is no action).
const TEXT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AllowAll', Effect: 'Allow', Action: 'svc:*', Resource: '*' }, { Sid: 'Reads', Effect: 'Allow', Action: 'svc:Read', Resource: '*' }] });
const READABLE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'NoWrites', Effect: 'Deny', Action: 'svc:Write', Resource: '*' }] });

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'erin' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'broken', PolicyDocument: TEXT }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'kept', PolicyDocument: READABLE }));
  const app = server.running.app;
  await app.deps.store.write(async (tx) => {
    await tx.inlinePolicies.put({ type: 'user', account: ACCOUNT, name: 'erin' }, 'broken', TEXT.replace('svc:Read', 'svc Read'));
  });
  await app.refresh();
});
after(async () => {
  await server?.stop();
});

describe('review oc, 3: the stand-in of an unreadable policy has no position in its text', () => {
  test('the Deny is named without the position of the Allow it does not come from; a readable Deny keeps its own', async () => {
    const r = await server.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: USER, ActionNames: ['svc:Read', 'svc:Write'], ResourceArns: [THING] }));
    const matched = (r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalDecision, (e.MatchedStatements ?? []).map((m) => [m.SourcePolicyId, m.SourcePolicyType, m.StartPosition?.Column, m.EndPosition?.Column])]);
    const kept = [1, READABLE.indexOf('{"Sid"') + 1, READABLE.lastIndexOf('}]') + 2];
    assert.deepEqual(matched, [
      ['svc:Read', 'explicitDeny', [['broken', 'user', undefined, undefined]]],
      ['svc:Write', 'explicitDeny', [['broken', 'user', undefined, undefined], ['kept', 'user', kept[1], kept[2]]]],
    ]);
  });
});
