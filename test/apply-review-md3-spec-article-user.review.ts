/**
 * Review md, finding 3: review cb, 11 made the unknown-field refusal say "an" before a kind starting with a vowel
 * letter ("an AccessEntry", "an IamPolicy"), which also gave "the spec of an User" for the most common kind of all: a
 * misspelt field of every User document was refused in broken English. English takes the article by sound, not by
 * letter (no real service is involved: this is the wording of Gatehouse's own refusal); now "a User" and still "an
 * AccessEntry", "an Account", "an IamPolicy", "an IamRole". The real CLI in process against a real server on 127.0.0.1
 * (SQLite).
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

describe('review md3: the article before a kind is chosen by its sound', () => {
  const { cli, file } = applyWorkspace('md3');

  it('a User', async () => {
    const r = await cli('plan', '-f', await file('user.yaml', 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: bob}\nspec: {group: [admins]}\n'));
    assert.equal(r.status, 8, r.out + r.err);
    assert.match(r.err, /spec\.group: unknown field `group`; the spec of a User has `groups`/);
  });

  it('an AccessEntry, an IamRole, a Role', async () => {
    const r = await cli('plan', '-f', await file('others.yaml', [
      'apiVersion: gatehouse.dev/v1\nkind: AccessEntry\nmetadata: {name: e}\nspec: {cluster: c, principalArn: "arn:aws:iam::000000000000:role/r", x: 1}\n',
      'apiVersion: gatehouse.dev/v1\nkind: IamRole\nmetadata: {name: my.role}\nspec: {permissions: [ml.models.get], x: 1}\n',
      'apiVersion: gatehouse.dev/v1\nkind: Role\nmetadata: {name: r}\nspec: {trustPolicy: {Version: "2012-10-17", Statement: []}, x: 1}\n',
    ].join('---\n')));
    assert.equal(r.status, 8, r.out + r.err);
    assert.match(r.err, /the spec of an AccessEntry has/);
    assert.match(r.err, /the spec of an IamRole has/);
    assert.match(r.err, /the spec of a Role has/);
  });
});
