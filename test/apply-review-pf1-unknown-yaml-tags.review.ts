/**
 * Review pf, finding 1: a YAML tag the reader does not know (`!Sub`, `!Ref`, `!GetAtt` of a CloudFormation template an
 * IAM policy is copied from, or `!!python/object`) was read as if the node had no tag: the `yaml` package says
 * "Unresolved tag" as a warning, which the CLI's readers silence, and went on with the plain value. So
 * `Resource: !Sub "arn:aws:s3:::${Bucket}/secret/*"` in a Deny was applied as the literal text `${Bucket}`, a resource
 * the Deny then never matches, and `gatehouse plan`, `apply` and `policy validate` said nothing. YAML 1.2 (§3.3.2,
 * "Resolved Tags" / §3.3.3 "Recognized and Valid Tags"): a node whose tag is unresolved or unrecognised gives only a
 * partial representation, which cannot be constructed into native data; PyYAML's safe loader refuses it ("could not
 * determine a constructor for the tag"). Gatehouse's readers refuse what YAML reads otherwise than written
 * (src/adapters/cli/yaml.ts, lossyScalars; review ak, 1): such a tag is now refused too, at its line and column with its
 * JSON path, nothing sent (exit 8, `policy validate` exit 3), and YAML's own tags (`!!str 012`, the non-specific `!`)
 * still read as before. The real CLI against a real server on 127.0.0.1.
 * Before the fix 3 of 4 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const policy = (resource: string): string =>
  `apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata: {name: guard}\nspec:\n  document:\n    Version: "2012-10-17"\n    Statement:\n    - Effect: Deny\n      Action: "s3:*"\n      Resource: ${resource}\n`;

describe('review pf1: a YAML tag Gatehouse does not know is refused where it is, not read as if it were not there', () => {
  const { cli, file } = applyWorkspace('pf1');

  it('a CloudFormation `!Sub` in a Deny\'s Resource: refused at its line, nothing applied', async () => {
    const f = await file('sub.yaml', `apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: ok}\n---\n${policy('!Sub "arn:aws:s3:::${Bucket}/secret/*"')}`);
    for (const command of ['plan', 'apply']) {
      const r = await cli(command, '-f', f);
      assert.equal(r.status, 8, r.out + r.err);
      assert.match(r.err, /sub\.yaml:14:22: document 2 \(Policy guard\): spec\.document\.Statement\[0\]\.Resource: the tag `!Sub` is not one YAML or Gatehouse knows/);
      assert.match(r.err, /nothing was changed/);
    }
    const after = await cli('plan', '-f', await file('plain.yaml', policy('"arn:aws:s3:::data/secret/*"')));
    assert.equal(after.status, 0, after.out + after.err);
    assert.match(after.out, /\+ create Policy\/guard\n/, 'the refused apply created nothing');
  });

  it('a tag on a map or a list, and a `!!` tag of another language: refused, each where it is', async () => {
    const f = await file(
      'tags.yaml',
      `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: u1}\nspec:\n  tags: !Ref {team: a}\n  groups: !!python/tuple [g]\n`,
    );
    const r = await cli('plan', '-f', f);
    assert.equal(r.status, 8, r.out + r.err);
    assert.match(r.err, /tags\.yaml:5:14: document 1 \(User u1\): spec\.tags: the tag `!Ref`/);
    assert.match(r.err, /tags\.yaml:6:26: document 1 \(User u1\): spec\.groups: the tag `!!python\/tuple`/);
  });

  it('`gatehouse policy validate` of a YAML policy file refuses it too', async () => {
    const f = await file('p.yaml', `Version: "2012-10-17"\nStatement:\n- Effect: Deny\n  Action: "s3:*"\n  Resource: !GetAtt Bucket.Arn\n`);
    const r = await cli('policy', 'validate', f);
    assert.equal(r.status, 3, r.out + r.err);
    assert.match(r.out + r.err, /p\.yaml:5:21: Statement\[0\]\.Resource: the tag `!GetAtt`/);
  });

  it('YAML\'s own tags and the non-specific `!` still read as before', async () => {
    const f = await file('own.yaml', `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: u2}\nspec:\n  tags: {id: !!str 012345678901, zip: ! 01234, n: !!str true}\n`);
    const r = await cli('apply', '-f', f);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /\+ create User\/u2\n/);
  });
});
