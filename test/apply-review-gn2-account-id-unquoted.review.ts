/**
 * Review gn, 2: an Account document whose `metadata.name` is its id written as YAML writes a number,
 * `name: 333344445555` (DESIGN.md "`metadata.name: <id>`"), was refused with "an Account's name is its id: account id
 * must be 12 digits, got `333344445555`", an error naming a value of 12 digits as not one, while the same id unquoted
 * in another document's `metadata.account` is taken. Now the id is taken from a YAML (or JSON) number as
 * `metadata.account` takes it, in plan and apply alike; a number YAML does not read as written (`000000000000`, whose
 * zeros YAML drops) is still refused, saying to quote it, and a number of another length is still refused.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const account = (id: string): string => `apiVersion: gatehouse.dev/v1
kind: Account
metadata: {name: ${id}}
spec: {partition: aws}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: ops, account: ${id}}
spec: {}
`;

describe('gn2: an Account id written unquoted', () => {
  const w = applyWorkspace('gn2');

  test('plan and apply take it, and applying again changes nothing', async () => {
    const f = await w.file('account.yaml', account('333344445555'));
    const plan = await w.cli('plan', '-f', f);
    assert.equal(plan.status, 0, plan.err);
    assert.match(plan.out, /\+ create Account\/333344445555/);
    assert.match(plan.out, /\+ create User\/ops/);
    const applied = await w.cli('apply', '-f', f);
    assert.equal(applied.status, 0, applied.err);
    assert.match(applied.out, /applied: 2 created/);
    const again = await w.cli('plan', '--exit-code', '-f', f);
    assert.equal(again.status, 0, again.out + again.err);
    assert.match(again.out, /0 to create, 0 to update, 0 to delete, 2 unchanged/);
  });

  test('an id YAML does not read as written, or of another length, is still refused', async () => {
    const zeros = await w.cli('plan', '-f', await w.file('zeros.yaml', account('000011112222')));
    assert.equal(zeros.status, 8, zeros.err);
    assert.match(zeros.err, /metadata\.name: `000011112222` is read by YAML as the number 11112222.*quote it/);
    const short = await w.cli('plan', '-f', await w.file('short.yaml', account('12345')));
    assert.equal(short.status, 8, short.err);
    assert.match(short.err, /metadata\.name: an Account's name is its id: account id must be 12 digits, got `12345`/);
  });
});
