/**
 * Review rj, 2. `gatehouse plan`/`apply` placed an error inside a binding's condition at the `expression:` key, and the
 * message said where in the expression it was (`(at line 2, column 26)`), a line 2 that is not the file's: a multi-line
 * expression written as a literal block (`expression: |`) with a typo on its third line was reported at the key two lines
 * up, and `--json`'s `line`/`column`, which a CI step reads to annotate the line at fault (review eo, 2), pointed there
 * too. A policy document written as its JSON text has had its errors placed at their line and column in the file since
 * review iv, 2 (docs/documents.md: "An error inside a JSON text is placed at its line and column in the file when the
 * text is a literal block … or written on one line without escapes"); a condition's expression is the same kind of text.
 *
 * Now the server hands apply's condition errors their line and column in the expression (as `PUT /v1/iam-policies`'s
 * parser finds them, the checks of the plan included), and the CLI places them in the file, for a literal block and for
 * an expression on one line without escapes, the message then without its `(at …)`; a folded (`>`) or escaped one stays
 * at its key, its message saying where in the expression, as before.
 *
 * Before the fix 2 of 3 tests failed. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const head = (name: string): string => `apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: ${name}}
spec:
  resource: account/000000000000
  bindings:
    - role: roles/ml.viewer
      members: ["user:admin"]
      condition:
        title: t
`;

// Line 13, column 36: `foo` (the block's lines are indented by 10).
const BLOCK = `${head('block')}        expression: |
          request.time < timestamp("2030-01-01T00:00:00Z") &&
          resource.name.startsWith(foo)
`;
// Line 11, column 39: a check of the plan (a role's ARN with a region), at the string's column 18 in the expression.
const ONE_LINE = `${head('line')}        expression: 'resource.name == "arn:aws:iam:us-east-1:000000000000:role/x"'
`;
// Escaped: the expression's columns are not the file's; the error stays at the key.
const ESCAPED = `${head('escaped')}        expression: "resource.name.startsWith(\\"a\\") && foo"
`;

type Placed = { path: string; line?: number; column?: number; message: string };

describe('review rj2: an error in a condition is placed at its line and column in the file', () => {
  let s: TestServer;
  let dir: string;
  const plan = async (name: string, text: string, json = false) => {
    const f = join(dir, `${name}.yaml`);
    await writeFile(f, text);
    return cliAgainst(s, json ? ['plan', '--json', '-f', f] : ['plan', '-f', f]);
  };
  const details = (out: string): Placed[] => ((JSON.parse(out) as { error: { details: Placed[] } }).error.details);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-rj2-'));
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a literal block: at the line and column of the error in the file, text and --json alike', async () => {
    const r = await plan('block', BLOCK);
    assert.equal(r.status, 3, r.out + r.err);
    assert.match(r.err, /block\.yaml:13:36: document 1 \(IamPolicy block\): spec\.bindings\[0\]\.condition\.expression: unknown identifier `foo` \(conditions may read [^)]*\) \[BINDINGS_INVALID_CONDITION\]\n/);
    const j = await plan('block', BLOCK, true);
    // A refused plan's --json is on stderr.
    const d = details(j.err).find((x) => x.path === 'spec.bindings[0].condition.expression');
    assert.deepEqual([d?.line, d?.column], [13, 36], j.err);
  });

  it('one line without escapes: a check of the plan too, at its column in the file', async () => {
    const r = await plan('line', ONE_LINE);
    assert.notEqual(r.status, 0, r.out + r.err);
    assert.match(r.err, /line\.yaml:11:39: document 1 \(IamPolicy line\): spec\.bindings\[0\]\.condition\.expression: `resource\.name` is `arn:aws:iam:us-east-1:000000000000:role\/x` for no request/);
    assert.doesNotMatch(r.err, /\(at column 18\)/);
  });

  it('an escaped text stays at its key, its message saying where in the expression', async () => {
    const r = await plan('escaped', ESCAPED);
    assert.equal(r.status, 3, r.out + r.err);
    assert.match(r.err, /escaped\.yaml:11:9: document 1 \(IamPolicy escaped\): spec\.bindings\[0\]\.condition\.expression: unknown identifier `foo` .*\(at column 34\) \[BINDINGS_INVALID_CONDITION\]\n/);
  });
});
