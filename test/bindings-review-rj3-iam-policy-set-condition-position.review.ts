/**
 * Review rj, 3. `gatehouse iam-policy set RESOURCE --file F` placed an error inside a binding's condition at the
 * `expression:` key and then said `(line 2, column 26)` twice, a line and column of the expression, not of the file
 * (`p.yaml:6:7: bindings[0].condition.expression (line 2, column 26): unknown identifier … (at line 2, column 26)`):
 * a typo on an expression's third line was shown two lines up. `gatehouse apply` places such an error at its line and
 * column in the file (review rj, 2), as both place an error inside a policy's JSON text (review iv, 2; docs/documents.md),
 * and this command prints its refusals "as `gatehouse apply` prints one" (its own comment).
 *
 * Now it places the error at the file's line and column for a literal block or a one-line expression without escapes,
 * saying it once; a folded or escaped expression stays at its key with its place in the expression, as before.
 *
 * Before the fix 1 of 2 tests failed. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const head = `bindings:
  - role: roles/ml.viewer
    members: ["user:admin"]
    condition:
      title: t
`;
// `foo` is at line 8, column 34 of the file (the block's lines are indented by 8).
const BLOCK = `${head}      expression: |
        request.time < timestamp("2030-01-01T00:00:00Z") &&
        resource.name.startsWith(foo)
`;
const ESCAPED = `${head}      expression: "resource.name.startsWith(\\"a\\") && foo"
`;

describe('review rj3: iam-policy set places an error in a condition at its line and column in the file', () => {
  let s: TestServer;
  let dir: string;
  const set = async (name: string, text: string) => {
    const f = join(dir, `${name}.yaml`);
    await writeFile(f, text);
    return cliAgainst(s, ['iam-policy', 'set', 'account/000000000000', '--file', f]);
  };
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-rj3-'));
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a literal block: at the line and column of the error in the file, said once', async () => {
    const r = await set('block', BLOCK);
    assert.equal(r.status, 3, r.out + r.err);
    assert.match(r.err, /block\.yaml:8:34: bindings\[0\]\.condition\.expression: unknown identifier `foo` \(conditions may read [^)]*\) \[BINDINGS_INVALID_CONDITION\]\n/);
    assert.doesNotMatch(r.err, /line 2, column 26/);
  });

  it('an escaped text stays at its key, with its place in the expression', async () => {
    const r = await set('escaped', ESCAPED);
    assert.equal(r.status, 3, r.out + r.err);
    assert.match(r.err, /escaped\.yaml:6:7: bindings\[0\]\.condition\.expression \(line 1, column 34\): unknown identifier `foo`/);
  });
});
