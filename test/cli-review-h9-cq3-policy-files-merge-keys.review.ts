/**
 * Review cq, finding 3: `gatehouse apply` reads YAML merge keys (`<<: *anchor`) as kubectl does (review cj, 1), but the
 * policy files of `gatehouse policy validate|evaluate`, `gatehouse iam policies create --document`, `iam roles create
 * --trust-policy` and `gatehouse iam-policy set --file` were read with merge keys off: the same statement built from a
 * shared block was refused there (`unknown statement element <<`, no `Effect`, no `Resource`), and an IAM policy's
 * binding merged from a block was sent with a key `<<`. Every command now reads YAML through one reader (yaml.ts); a
 * merge key of something else than maps is refused at its line, and in a JSON file `<<` stays a key. The real CLI in
 * process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const MERGED = `Version: "2012-10-17"
Statement:
  - &read
    Effect: Allow
    Action: s3:GetObject
    Resource: "arn:aws:s3:::data/*"
  - <<: *read
    Action: s3:PutObject
`;

describe('review cq3: policy and IAM policy files read merge keys as apply reads them', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-cq3-'));
    await writeFile(join(dir, 'merged.yaml'), MERGED);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('policy validate and evaluate merge the shared block', async () => {
    const valid = await cli('policy', 'validate', join(dir, 'merged.yaml'));
    assert.equal(valid.status, 0, valid.err);
    const put = await cli('policy', 'evaluate', '--policy', join(dir, 'merged.yaml'), '--principal', 'arn:aws:iam::000000000000:user/alice', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::data/x');
    assert.equal(put.status, 0, put.err);
    assert.match(put.out, /Allow/);
  });

  it('iam policies create sends the merged statement', async () => {
    const created = await cli('iam', 'policies', 'create', 'shared', '--document', join(dir, 'merged.yaml'));
    assert.equal(created.status, 0, created.err);
    // The same document written out in full is what apply then finds: unchanged.
    await writeFile(
      join(dir, 'plain.yaml'),
      'apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata: {name: shared}\nspec:\n  document:\n    Version: "2012-10-17"\n    Statement:\n      - {Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::data/*"}\n      - {Effect: Allow, Action: s3:PutObject, Resource: "arn:aws:s3:::data/*"}\n',
    );
    const plan = await cli('plan', '--exit-code', '-f', join(dir, 'plain.yaml'));
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /= unchanged Policy\/shared/);
  });

  it('iam-policy set merges a binding built from a block', async () => {
    await writeFile(join(dir, 'bindings.yaml'), 'bindings:\n  - &viewer\n    role: roles/viewer\n    members: ["user:admin"]\n  - <<: *viewer\n    role: roles/ml.developer\n');
    const ok = await cli('iam-policy', 'set', 'account/000000000000', '--file', join(dir, 'bindings.yaml'), '--json');
    assert.equal(ok.status, 0, ok.err);
    const got = JSON.parse(ok.out) as { bindings: { role: string; members: string[] }[] };
    assert.deepEqual(got.bindings.map((b) => [b.role, b.members]).sort(), [['roles/ml.developer', ['user:admin']], ['roles/viewer', ['user:admin']]]);
  });

  it('a merge key of something else than maps is refused at its line; in a JSON file `<<` stays a key', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'Version: "2012-10-17"\nStatement:\n  - <<: 5\n    Effect: Allow\n');
    const bad = await cli('policy', 'validate', join(dir, 'bad.yaml'));
    assert.equal(bad.status, 3);
    assert.match(bad.out + bad.err, /bad\.yaml:3:9: yaml: merge sources must be maps or map aliases \[POLICY_JSON_SYNTAX\]/);
    await writeFile(join(dir, 'doc.json'), '{"Version": "2012-10-17", "Statement": [{"<<": {"Effect": "Allow"}, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}');
    const json = await cli('policy', 'validate', join(dir, 'doc.json'));
    assert.equal(json.status, 3);
    assert.match(json.out + json.err, /unknown statement element `<<`/);
  });
});
