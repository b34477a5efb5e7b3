/**
 * Review sh, 1. A policy variable's value is substituted as literal text (reference §A.1.6; docs/semantics.md: "Substituted
 * values are literal (their `*`/`?` are not wildcards)"), but the engine marks literal and wildcard characters in the
 * substituted text with private-use characters (U+E000 `*`, U+E001 `?`, U+E002 `$` as literal characters; U+E003 as the
 * wildcard standing for the rest of a role's `aws:userid`), and a value that held one of them was read as that mark. A
 * request value of U+E003 substituted into a `StringEquals` (`StringEqualsIgnoreCase`) value became a `*` wildcard: an
 * Allow on `StringEquals app:DocumentOwner ${app:OnBehalfOf}` granted a caller naming U+E003 every owner's documents, and a
 * Deny on `StringNotEquals s3:ExistingObjectTag/owner ${aws:RequestTag/owner}` did not apply to it; a value of U+E000 equalled
 * `*`, in a condition and in a `Resource` alike. The authorize API takes such context values from its asker (a resource
 * server passing on its client's request).
 *
 * Now a value holding one of those characters (no tag, name or ARN may hold one) is no value for a variable, as a
 * multivalued one is (review hn, 6): in `Resource` the pattern matches nothing, in a condition a positive operator fails on
 * it and a negated one holds (a Deny applies; fails closed), and the explanation names the variable.
 *
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const doc = (Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ON_BEHALF = doc([{ Effect: 'Allow', Action: 'app:ReadDocument', Resource: '*', Condition: { StringEquals: { 'app:DocumentOwner': '${app:OnBehalfOf}' } } }]);

function decide(text: string, action: string, resource: string, context: Record<string, unknown>): { decision: string; reasons: string[] } {
  const p = parsePolicy(text, { kind: 'identity' });
  assert.ok(p.ok, JSON.stringify(p));
  const alice = principalFromArn('arn:aws:iam::111122223333:user/alice');
  assert.ok(alice.ok);
  const d = evaluate({ principal: alice.value, action, resource, context: contextOf(context) }, { identity: [compilePolicy(p.value, 'p')] }, { explain: true });
  return { decision: d.decision, reasons: d.conditionFailures.map((f) => f.reason) };
}

describe('review sh1: a variable value holding the engine’s private-use marks is no value', () => {
  it('StringEquals: U+E003 in the value is no wildcard; a plain value still decides', () => {
    assert.equal(decide(ON_BEHALF, 'app:ReadDocument', 'arn:aws:app:::doc/1', { 'app:DocumentOwner': 'carol', 'app:OnBehalfOf': 'carol' }).decision, 'Allow');
    assert.equal(decide(ON_BEHALF, 'app:ReadDocument', 'arn:aws:app:::doc/1', { 'app:DocumentOwner': 'carol', 'app:OnBehalfOf': 'dave' }).decision, 'ImplicitDeny');
    assert.equal(decide(ON_BEHALF, 'app:ReadDocument', 'arn:aws:app:::doc/1', { 'app:DocumentOwner': 'carol', 'app:OnBehalfOf': '\uE003' }).decision, 'ImplicitDeny');
    const ic = doc([{ Effect: 'Allow', Action: 'app:ReadDocument', Resource: '*', Condition: { StringEqualsIgnoreCase: { 'app:DocumentOwner': 'team-${app:OnBehalfOf}' } } }]);
    assert.equal(decide(ic, 'app:ReadDocument', 'arn:aws:app:::doc/1', { 'app:DocumentOwner': 'team-carol', 'app:OnBehalfOf': '\uE003' }).decision, 'ImplicitDeny');
    // U+E000 is not the character `*`.
    assert.equal(decide(ON_BEHALF, 'app:ReadDocument', 'arn:aws:app:::doc/1', { 'app:DocumentOwner': '*', 'app:OnBehalfOf': '\uE000' }).decision, 'ImplicitDeny');
  });

  it('a Deny on StringNotEquals with such a value applies (fails closed)', () => {
    const guard = doc([
      { Effect: 'Allow', Action: 's3:PutObjectTagging', Resource: '*' },
      { Sid: 'KeepOwner', Effect: 'Deny', Action: 's3:PutObjectTagging', Resource: '*', Condition: { StringNotEquals: { 's3:ExistingObjectTag/owner': '${aws:RequestTag/owner}' } } },
    ]);
    assert.equal(decide(guard, 's3:PutObjectTagging', 'arn:aws:s3:::b/x', { 's3:ExistingObjectTag/owner': 'carol', 'aws:RequestTag/owner': 'carol' }).decision, 'Allow');
    assert.equal(decide(guard, 's3:PutObjectTagging', 'arn:aws:s3:::b/x', { 's3:ExistingObjectTag/owner': 'carol', 'aws:RequestTag/owner': '\uE003' }).decision, 'ExplicitDeny');
  });

  it('in a Resource the pattern matches nothing, and the explanation names the variable', () => {
    const home = doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${app:Folder}/*' }]);
    assert.equal(decide(home, 's3:GetObject', 'arn:aws:s3:::home/a/x', { 'app:Folder': 'a' }).decision, 'Allow');
    const d = decide(home, 's3:GetObject', 'arn:aws:s3:::home/*/x', { 'app:Folder': '\uE000' });
    assert.equal(d.decision, 'ImplicitDeny');
    assert.ok(d.reasons.some((r) => r.includes('${app:Folder}')), JSON.stringify(d.reasons));
  });

  describe('the authorize API', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer();
      await s.iam().send(new I.CreateUserCommand({ UserName: 'reader' }));
      await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'p', PolicyDocument: ON_BEHALF }));
    });
    after(() => s?.stop());

    it('a context value of U+E003 grants no document of another owner', async () => {
      const ask = async (onBehalfOf: string) => {
        const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', {
          principal: 'arn:aws:iam::000000000000:user/reader',
          action: 'app:ReadDocument',
          resource: 'arn:aws:app:::doc/1',
          context: { 'app:DocumentOwner': 'carol', 'app:OnBehalfOf': onBehalfOf },
        });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return r.json['decision'];
      };
      assert.equal(await ask('carol'), 'Allow');
      assert.equal(await ask('\uE003'), 'ImplicitDeny');
    });
  });
});
