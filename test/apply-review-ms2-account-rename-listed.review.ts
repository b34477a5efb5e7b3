/**
 * Review ms, finding 2: an update of an Account's display name, and a ResourcePolicy renamed, were planned and applied as `~ update Account/<id> (name)` and `~ update ResourcePolicy/<new> (name)` with nothing under them.
 * docs/documents.md says a plan lists under an update what changes in each field, a single value as `~ FIELD: OLD → NEW`
 * (review md, 1), and an IamPolicy renamed says `~ metadata.name: "old" → "new"`; here the reviewer of a plan could not
 * see what the account would be called, nor which policy the resource's was before. Now `~ name: "123456789012" →
 * "research"` and `~ metadata.name: "old" → "new"`. The real CLI in process against a real server on 127.0.0.1.
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const account = (name: string): string => `apiVersion: gatehouse.dev/v1\nkind: Account\nmetadata: {name: "123456789012"}\nspec: {partition: aws${name === '' ? '' : `, name: ${name}`}}\n`;
const bucketPolicy = (name: string): string => `apiVersion: gatehouse.dev/v1
kind: ResourcePolicy
metadata: {name: ${name}}
spec:
  resource: arn:aws:s3:::ckpt
  document: {Version: "2012-10-17", Statement: [{Effect: Deny, Principal: "*", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::ckpt/*"}]}
`;

describe('review ms2: an account renamed and a resource policy renamed say what their name was and becomes', () => {
  const { cli, file } = applyWorkspace('ms2');

  it('Account: `~ name: OLD → NEW` under the update, in plan and apply; set back, the other way', async () => {
    const first = await cli('apply', '-f', await file('a1.yaml', account('')));
    assert.equal(first.status, 0, first.out + first.err);
    const next = await file('a2.yaml', account('research'));
    const expected = /~ update Account\/123456789012 \(name\)\n {6}~ name: "123456789012" → "research"\n/;
    const plan = await cli('plan', '-f', next);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, expected);
    const applied = await cli('apply', '-f', next);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, expected);
    const back = await cli('plan', '-f', await file('a3.yaml', account('')));
    assert.match(back.out, /~ update Account\/123456789012 \(name\)\n {6}~ name: "research" → "123456789012"\n/);
  });

  it('ResourcePolicy renamed: `~ metadata.name: OLD → NEW` under the update', async () => {
    const first = await cli('apply', '-f', await file('r1.yaml', bucketPolicy('ckpt-guard')));
    assert.equal(first.status, 0, first.out + first.err);
    const plan = await cli('plan', '-f', await file('r2.yaml', bucketPolicy('checkpoints-guard')));
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /~ update ResourcePolicy\/checkpoints-guard \(name\)\n {6}~ metadata\.name: "ckpt-guard" → "checkpoints-guard"\n/);
  });
});
