import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, parseDocument } from 'yaml';
import { formatOf, loadPolicy, MAX_POLICY_FILE_CHARS, offsetOf } from './policy-files.ts';

describe('offsetOf: JSON path → position in a YAML (or JSON) document', () => {
  const text = ['Version: "2012-10-17"', 'Statement:', '  - Sid: A', '    Effect: Allow', '    Condition:', '      StringEquals:', '        "a.b:c": x', '  - Effect: Deny', ''].join('\n');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const at = (path: string): string => {
    const o = offsetOf(doc, path);
    if (o === undefined) return 'none';
    const p = lineCounter.linePos(o);
    return `${p.line}:${p.col}`;
  };
  const cases: [string, string][] = [
    ['', '1:1'],
    ['Version', '1:1'],
    ['Statement', '2:1'],
    ['Statement[0]', '3:5'],
    ['Statement[0].Effect', '4:5'],
    ['Statement[1].Effect', '8:5'],
    ['Statement[0].Condition.StringEquals.a.b:c', '7:9'],
    ['Statement[1].Action', '8:5'], // missing element: its statement
    ['Statement[7].Effect', '2:1'], // beyond the list: the list
    ['Statement[0].Effect#dup', '4:5'],
  ];
  for (const [path, expected] of cases) test(path || '(document)', () => assert.equal(at(path), expected));

  test('a single statement object is addressed with or without [0]', () => {
    const lc = new LineCounter();
    const d = parseDocument('Statement:\n  Effect: Allow\n', { lineCounter: lc });
    assert.equal(lc.linePos(offsetOf(d, 'Statement.Effect') ?? -1).line, 2);
    assert.equal(lc.linePos(offsetOf(d, 'Statement[0].Effect') ?? -1).line, 2);
  });
});

describe('loadPolicy', () => {
  test('the format follows the file name', () => {
    assert.deepEqual(['a.json', 'a.yaml', 'A.YML', 'a', 'a.yaml.json'].map(formatOf), ['json', 'yaml', 'yaml', 'json', 'json']);
  });

  test('JSON goes to the engine as written, minus a byte-order mark', () => {
    const l = loadPolicy('p.json', '\uFEFF{"Version": "2012-10-17"}');
    assert.equal(l.input, '{"Version": "2012-10-17"}');
    assert.deepEqual(l.errors, []);
  });

  test('YAML is read with the 1.2 core schema: versions stay strings', () => {
    const l = loadPolicy('p.yaml', 'Version: 2012-10-17\nStatement: []\n');
    assert.deepEqual(l.input, { Version: '2012-10-17', Statement: [] });
  });

  test('YAML syntax errors and duplicate keys carry their line', () => {
    const dup = loadPolicy('p.yaml', 'Version: "1"\nVersion: "1"\n');
    assert.equal(dup.errors[0]?.code, 'POLICY_DUPLICATE_KEY');
    assert.equal(dup.errors[0]?.line, 2);
    const bad = loadPolicy('p.yml', 'Statement:\n  - Effect: [Allow\n');
    assert.equal(bad.errors[0]?.code, 'POLICY_JSON_SYNTAX');
    assert.match(bad.errors[0]?.message ?? '', /^yaml: /);
    assert.ok((bad.errors[0]?.line ?? 0) >= 2);
  });

  test('YAML errors get the YAML position, replacing any the engine computed', () => {
    const l = loadPolicy('p.yaml', 'Version: "2012-10-17"\nStatement:\n  Effect: Maybe\n');
    const e = l.locate({ code: 'POLICY_INVALID_EFFECT', message: 'm', path: 'Statement.Effect', line: 1, column: 40 });
    assert.deepEqual([e.line, e.column], [3, 3]);
  });

  test('JSON errors keep the engine position, and get one when they have none', () => {
    const l = loadPolicy('p.json', '{\n  "Statement": {\n    "Effect": "Allow"\n  }\n}');
    assert.equal(l.locate({ code: 'POLICY_INVALID_EFFECT', message: 'm', path: 'Statement.Effect', line: 9, column: 9 }).line, 9);
    const missing = l.locate({ code: 'POLICY_MISSING_ELEMENT', message: 'm', path: 'Statement.Action' });
    assert.deepEqual([missing.line, missing.column], [2, 3]);
  });

  test('a file far over any policy limit is rejected before parsing', () => {
    const l = loadPolicy('p.yaml', 'x'.repeat(MAX_POLICY_FILE_CHARS + 1));
    assert.equal(l.errors[0]?.code, 'POLICY_TOO_LARGE');
  });
});
