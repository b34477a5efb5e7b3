/**
 * Review eo, finding 2: `gatehouse apply --json` and `plan --json` gave the errors the server found in the files (an
 * invalid policy, a field that is not the kind's, a group that does not exist) without their line and column, while the
 * text output places each (`bad.yaml:8:9: document 1 (Policy p): …`) and the same command's YAML errors carry
 * `line` and `column` in `--json` too. docs/errors.md: every expected failure has "the JSON path of the offending
 * element (plus line and column when the input was text)"; a CI step annotating the line at fault from `--json` had
 * only a path. Now each error of `--json`'s `details` that the CLI can place in its file has the file's `line` and
 * `column`, the ones the text output prints (a position the server gave was within the policy text, not the file).
 * All 3 tests failed before the fix. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const BAD_EFFECT = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: badpol}
spec:
  document:
    Version: "2012-10-17"
    Statement:
      - Effect: allow
        Action: s3:GetObject
        Resource: "*"
`;

const TWO_USERS = `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: u1}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata:
  name: u2
spec:
  groups: [nope]
  tagz: {a: b}
`;

const JSON_ARRAY = `[
  {"apiVersion": "gatehouse.dev/v1", "kind": "Group", "metadata": {"name": "g1"}, "spec": {}},
  {"apiVersion": "gatehouse.dev/v1", "kind": "Group", "metadata": {"name": "g2"},
   "spec": {"policies": ["nope-policy"]}}
]
`;

// A policy given as JSON text inside the YAML: the server's position is within that text (line 3), not the file's.
const POLICY_TEXT = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: textpol}
spec:
  document: |
    {"Version": "2012-10-17",
     "Statement": [
      {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}]}
`;

interface Detail {
  readonly code: string;
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
}

describe('review eo2: apply --json places the server\'s errors in their files', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  const file = (name: string) => join(dir, name);

  /** `--json`'s details, and the `FILE:LINE:COLUMN` positions the text output gives the same errors. */
  async function both(command: string, name: string): Promise<{ details: Detail[]; positions: string[] }> {
    const json = await cli(command, '--json', '-f', file(name));
    assert.notEqual(json.status, 0);
    const details = (JSON.parse(json.err) as { error: { details: Detail[] } }).error.details;
    const text = await cli(command, '-f', file(name));
    const positions = text.err.split('\n').flatMap((l) => (l.startsWith(file(name)) ? [l.slice(file(name).length + 1).split(':').slice(0, 2).join(':')] : []));
    return { details, positions };
  }

  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-eo2-'));
    await writeFile(file('bad.yaml'), BAD_EFFECT);
    await writeFile(file('users.yaml'), TWO_USERS);
    await writeFile(file('groups.json'), JSON_ARRAY);
    await writeFile(file('text.yaml'), POLICY_TEXT);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an invalid policy: the line and column of the element, as the text output gives them', async () => {
    const { details, positions } = await both('plan', 'bad.yaml');
    assert.deepEqual(positions, ['8:9']);
    assert.deepEqual(details.map((d) => [d.code, d.path, d.line, d.column]), [['POLICY_INVALID_EFFECT', 'spec.document.Statement[0].Effect', 8, 9]]);
  });

  it('every error of a multi-document file and of a JSON list, each at its own line', async () => {
    const users = await both('apply', 'users.yaml');
    assert.deepEqual(users.positions, ['12:3']);
    assert.deepEqual(users.details.map((d) => [d.path, `${d.line}:${d.column}`]), [['spec.tagz', '12:3']]);
    const groups = await both('plan', 'groups.json');
    assert.deepEqual(groups.positions, ['4:26']);
    assert.deepEqual(groups.details.map((d) => [d.code, `${d.line}:${d.column}`]), [['NO_SUCH_ENTITY', '4:26']]);
  });

  it('a policy given as JSON text: the file\'s line, not the line within the text', async () => {
    const { details, positions } = await both('plan', 'text.yaml');
    assert.equal(positions.length, 1);
    assert.equal(`${details[0]?.line}:${details[0]?.column}`, positions[0]);
    assert.notEqual(details[0]?.line, 3);
  });
});
