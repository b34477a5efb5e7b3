/**
 * Runs every conformance case in `conformance/rbac/*.json` against the Kubernetes RBAC engine (src/core/rbac),
 * one test per case. Each case is first checked against the schema (schema.ts): a malformed case is a failing
 * test, never a skipped one. Fixtures are YAML manifests under `fixtures/` (the HyperPod example, copied
 * unchanged from shared/examples/hyperpod), read with `yaml` as `kubectl apply -f` would read them.
 *
 *   npx node --test conformance/rbac/runner.part.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ERROR_CODES, type GatehouseError } from '../../src/core/errors.ts';
import { compileRbac, parseRbacObjects, type RbacAttributes } from '../../src/core/rbac/index.ts';
import { isGrammarCase, validateCase, type DecisionCase, type GrammarCase } from './schema.ts';
import { caseFiles, registerCases } from '../support/cases.ts';

const MIN_CASES = 150;
const here = dirname(fileURLToPath(import.meta.url));
const files = caseFiles(here);

const showErrors = (errors: readonly GatehouseError[]): string => errors.map((e) => `  ${e.code} at \`${e.path}\`: ${e.message}`).join('\n');

const fixtureCache = new Map<string, unknown[]>();
function fixture(path: string): unknown[] {
  let docs = fixtureCache.get(path);
  if (docs === undefined) {
    const text = readFileSync(join(here, 'fixtures', path), 'utf8');
    docs = parseAllDocuments(text).map((d, i) => {
      assert.equal(d.errors.length, 0, `fixtures/${path} document ${i}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as unknown;
    });
    fixtureCache.set(path, docs);
  }
  return docs;
}

function runGrammar(c: GrammarCase): void {
  const opts = c.parse.defaultNamespace === undefined ? {} : { defaultNamespace: c.parse.defaultNamespace };
  const result = parseRbacObjects(c.parse.objects, opts);
  if ('valid' in c.expected) {
    assert.ok(result.ok, `expected valid objects, got errors:\n${result.ok ? '' : showErrors(result.errors)}`);
    return;
  }
  assert.ok(!result.ok, `expected errors ${JSON.stringify(c.expected.errors)}, but the objects were accepted`);
  for (const want of c.expected.errors) {
    const found = result.errors.some((e) => e.code === want.code && e.path === want.path);
    assert.ok(found, `expected ${want.code} at \`${want.path}\`; the parser reported:\n${showErrors(result.errors)}`);
  }
}

function attributes(c: DecisionCase): RbacAttributes {
  const r = c.request;
  const user = { name: r.user.name, groups: r.user.groups ?? [], ...(r.user.uid !== undefined ? { uid: r.user.uid } : {}), ...(r.user.extra !== undefined ? { extra: r.user.extra } : {}) };
  const attrs: { -readonly [K in keyof RbacAttributes]: RbacAttributes[K] } = { user, verb: r.verb, resourceRequest: r.resourceRequest ?? true };
  for (const k of ['namespace', 'apiGroup', 'resource', 'subresource', 'name', 'path'] as const) {
    const v = r[k];
    if (v !== undefined) attrs[k] = v;
  }
  return attrs;
}

function runDecision(c: DecisionCase): void {
  const objects = [...(c.fixtures ?? []).flatMap(fixture), ...(c.objects ?? [])];
  const parsed = parseRbacObjects(objects);
  assert.ok(parsed.ok, `the case's objects do not parse:\n${parsed.ok ? '' : showErrors(parsed.errors)}`);
  const cluster = compileRbac(parsed.value);
  assert.deepEqual(
    cluster.diagnostics.map((d) => d.code),
    c.expected.diagnostics ?? [],
    `compile diagnostics:\n${showErrors(cluster.diagnostics)}`,
  );
  const d = cluster.authorize(attributes(c));
  const why = `\n  reasons: ${JSON.stringify(d.reasons)}\n  errors:\n${showErrors(d.errors)}`;
  assert.equal(d.verdict, c.expected.verdict, `verdict${why}`);
  if (c.expected.reason !== undefined) assert.ok(d.reasons.includes(c.expected.reason), `expected the reason ${JSON.stringify(c.expected.reason)}${why}`);
  if (c.expected.reasons !== undefined) assert.deepEqual(d.reasons, c.expected.reasons, `reasons${why}`);
  assert.deepEqual(d.errors.map((e) => e.code), c.expected.errors ?? [], `errors${why}`);
  if (d.verdict === 'no-opinion') assert.deepEqual(d.reasons, [], 'no reasons without an allow');
}

const codesSeen = new Set<string>();
const total = registerCases({
  dir: here,
  files,
  validateCase,
  todoReason: 'the engine disagrees with this case',
  seen: (c) => {
    if (isGrammarCase(c)) {
      if ('errors' in c.expected) for (const e of c.expected.errors) codesSeen.add(e.code);
    } else {
      for (const code of [...(c.expected.errors ?? []), ...(c.expected.diagnostics ?? [])]) codesSeen.add(code);
    }
  },
  run: (c) => {
    if (isGrammarCase(c)) runGrammar(c);
    else runDecision(c);
  },
});

test('every RBAC_* error code is expected by some case', () => {
  const missing = ERROR_CODES.filter((code) => code.startsWith('RBAC_') && !codesSeen.has(code));
  assert.deepEqual(missing, [], `no case expects ${missing.join(', ')}`);
});

test(`conformance/rbac holds at least ${MIN_CASES} cases`, () => {
  assert.ok(total >= MIN_CASES, `only ${total} cases in ${files.join(', ')}`);
});
