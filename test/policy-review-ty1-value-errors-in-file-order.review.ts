/**
 * Review ty, 1: a policy document given as a value, not as its JSON text (a YAML `spec.document` in a `gatehouse apply`
 * file, which the CLI sends as JSON objects), had its errors listed in the parser's order, element by element of a
 * statement (`Effect`, `Action`, then `Principal`), and a document's errors in the order apply checks its fields (a
 * Role's `inlinePolicies` before its `trustPolicy`), whatever the file's order. `gatehouse plan` printed lines 9, 10
 * then 8, and the refusal's message (`details[0]`, what a CI log shows first) named line 9's. Contract: docs/errors.md
 * (errors compiler style, in file order: reviews tm, 3 and ts, 2 for a document given as text) and docs/semantics.md.
 * Now the parser orders a value's errors by the order of their elements in it (src/core/iam/json.ts `inValueOrder`, the
 * order a YAML or JSON file wrote them in), and apply a document's errors so. The real CLI in process against a real
 * server on 127.0.0.1 (SQLite), and the use case `validatePolicy` with a parsed document.
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePolicy } from '../src/app/policy.ts';
import { applyWorkspace } from './support/apply-files.ts';

// Principal (line 8), Effect (9), Action (10): the parser meets them Effect, Action, Principal.
const POLICY = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: guard}
spec:
  document:
    Version: "2012-10-17"
    Statement:
      - Principal: {AWS: not-an-arn}
        Effect: Maybe
        Action: s3GetObject
        Resource: "*"
`;
// The trust policy (line 9) before the inline policy (line 15), which apply checks first.
const ROLE = `apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: trainer}
spec:
  trustPolicy:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow
        Principal: {AWS: not-an-arn}
        Action: sts:AssumeRole
  inlinePolicies:
    read:
      Version: "2012-10-17"
      Statement:
        - Effect: Maybe
          Action: s3:GetObject
          Resource: "*"
`;

const linesOf = (err: string): number[] => [...err.matchAll(/\.yaml:(\d+):\d+: /g)].map((m) => Number(m[1]));

describe('a policy document given as a value: its errors in file order (review ty, 1)', () => {
  const w = applyWorkspace('ty1');

  it('plan lists a YAML policy document\'s errors by line, text and --json, and the message names the first', async () => {
    const f = await w.file('guard.yaml', POLICY);
    const r = await w.cli('plan', '-f', f);
    assert.equal(r.status, 3, r.err);
    assert.deepEqual(linesOf(r.err), [8, 9, 10], r.err);
    const j = await w.cli('plan', '--json', '-f', f);
    const body = JSON.parse(j.err) as { error: { message: string; details: { line?: number; path: string }[] } };
    assert.deepEqual(body.error.details.map((d) => d.line), [8, 9, 10], j.err);
    assert.match(body.error.message, /Statement\[0\]\.Principal: /, j.err);
  });

  it('plan lists a Role\'s errors in the order its file writes its policies', async () => {
    const r = await w.cli('plan', '-f', await w.file('role.yaml', ROLE));
    assert.equal(r.status, 3, r.err);
    assert.deepEqual(linesOf(r.err), [9, 15], r.err);
  });

  it('validatePolicy of a parsed document names the element written first', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Principal: { AWS: 'not-an-arn' }, Effect: 'Maybe', Action: 's3GetObject', Resource: 'arn:aws:s3:::b/*' }] };
    const r = validatePolicy(doc, 'resource');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.errors.map((e) => e.path), ['Statement[0].Principal.AWS', 'Statement[0].Effect', 'Statement[0].Action'], JSON.stringify(r.errors));
  });
});
