/**
 * Runs every conformance case in `conformance/bindings/*.json` against the bindings engine (src/core/bindings),
 * one test per case. Each case is first checked against the schema (schema.ts): a malformed case is a failing
 * test, never a skipped one. Cases marked `"todo"` are known disagreements with the engine, reported as todo.
 *
 * A decision case is decided four ways that must agree on the verdict: the chain compiled as one, each policy
 * compiled on its own (the list form), with and without `explain`, and through the authorizer adapter.
 *
 *   npx node --test conformance/bindings/runner.part.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  bindingsAuthorizer,
  checkEtag,
  checkRoles,
  compileBindings,
  computeEtag,
  decide,
  parseAttachedPolicy,
  parseCondition,
  parseCustomRole,
  parseIamPolicy,
  parseResourceName,
  permissionForAction,
  resourceAttributes,
  serviceAccountEmail,
  type AttachedPolicy,
  type BindingsResource,
  type CustomRole,
  type DecideRequest,
  type IamPolicy,
} from '../../src/core/bindings/index.ts';
import { ERROR_CODES, type GatehouseError, type Result } from '../../src/core/errors.ts';
import { DEFAULT_ETAG_SCOPE, isEtagCase, isGrammarCase, validateCase, type DecisionCase, type EtagCase, type GrammarCase } from './schema.ts';
import { caseFiles, registerCases } from '../support/cases.ts';

const MIN_CASES = 150;
const DEFAULT_TIME = '2026-06-15T12:00:00Z';
const here = dirname(fileURLToPath(import.meta.url));
const files = caseFiles(here);

const show = (errors: readonly GatehouseError[]): string => errors.map((e) => `  ${e.code} at \`${e.path}\`${e.line !== undefined ? ` (line ${e.line}, column ${e.column})` : ''}: ${e.message}`).join('\n');

function policyOf(raw: unknown, what: string): IamPolicy {
  const p = parseIamPolicy(raw);
  assert.ok(p.ok, `${what} does not parse:\n${p.ok ? '' : show(p.errors)}`);
  return p.value;
}

function rolesOf(raw: readonly unknown[] | undefined): CustomRole[] {
  return (raw ?? []).map((r, i) => {
    const p = parseCustomRole(r);
    assert.ok(p.ok, `roles[${i}] does not parse:\n${p.ok ? '' : show(p.errors)}`);
    return p.value;
  });
}

function runDecision(c: DecisionCase): void {
  const all: AttachedPolicy[] = c.policies.map((p, i) => {
    const r = parseResourceName(p.resource);
    assert.ok(r.ok, `policies[${i}].resource:\n${r.ok ? '' : show(r.errors)}`);
    return { resource: r.value.name, policy: policyOf(p.policy, `policies[${i}].policy`) };
  });
  const chain = c.chain === undefined ? all : c.chain.flatMap((name) => all.filter((p) => p.resource === name));
  const customRoles = rolesOf(c.roles);
  const r = c.request;
  const resource: BindingsResource = typeof r.resource === 'string' ? resourceAttributes(r.resource) : r.resource;
  const principal = { groups: [], ...r.principal };
  const time = Date.parse(r.time ?? DEFAULT_TIME);
  const whole = compileBindings(chain, { customRoles });
  // Compiled alone, a policy does not see the chain's account: name it, as a caller compiling per policy does.
  const account = chain.find((p) => p.resource.startsWith('account/'))?.resource.slice('account/'.length);
  const parts = chain.map((p) => compileBindings([p], { customRoles, ...(account !== undefined ? { account } : {}) }));

  const viaAdapter = bindingsAuthorizer.authorize({ bindings: whole, request: r.action !== undefined ? { principal, action: r.action, resource, time } : { principal, permission: r.permission as string, resource, time } });
  const permission = r.permission ?? permissionForAction(r.action as string);
  let got: { verdict: string; reasons: readonly string[]; diagnostics: readonly string[]; matched: readonly { resource: string; index: number }[] };
  if (permission === undefined) {
    got = { ...viaAdapter, matched: [] };
  } else {
    const request: DecideRequest = { principal, permission, resource, time };
    const explained = decide(whole, request, { explain: true });
    got = explained;
    const why = `\n--- explained decision ---\n${JSON.stringify(explained, null, 2)}`;
    assert.equal(decide(whole, request).verdict, explained.verdict, `fast and explained decisions disagree${why}`);
    assert.equal(decide(parts, request).verdict, explained.verdict, `deciding over each policy compiled alone disagrees${why}`);
    assert.deepEqual(decide(parts, request, { explain: true }).matched.length, explained.matched.length, `matched bindings differ over the list form${why}`);
  }
  const why = `\n--- decision ---\n${JSON.stringify(got, null, 2)}`;
  assert.equal(viaAdapter.verdict, got.verdict, `the authorizer adapter disagrees${why}`);
  assert.equal(got.verdict, c.expected.verdict, `verdict${why}`);
  if (c.expected.reason !== undefined) assert.ok(got.reasons.includes(c.expected.reason), `reason ${JSON.stringify(c.expected.reason)} not given${why}`);
  if (c.expected.diagnostics !== undefined) {
    assert.equal(got.diagnostics.length, c.expected.diagnostics.length, `number of diagnostics${why}`);
    c.expected.diagnostics.forEach((d, i) => assert.ok(got.diagnostics[i]?.includes(d), `diagnostic #${i} should contain ${JSON.stringify(d)}${why}`));
  }
  if (c.expected.matched !== undefined) {
    const key = (m: { resource: string; index: number }): string => `${m.resource}#${m.index}`;
    assert.deepEqual(got.matched.map(key).sort(), c.expected.matched.map(key).sort(), `matched bindings${why}`);
  }
}

function runGrammar(c: GrammarCase): void {
  const d = c.parse.document;
  let result: Result<unknown>;
  switch (c.parse.kind) {
    case 'policy': {
      result = parseIamPolicy(d);
      if (result.ok && (c.parse.account !== undefined || c.parse.roles !== undefined)) {
        result = checkRoles(result.value as IamPolicy, { ...(c.parse.account !== undefined ? { account: c.parse.account } : {}), customRoles: rolesOf(c.parse.roles) });
      }
      break;
    }
    case 'attached':
      result = parseAttachedPolicy(d);
      break;
    case 'role':
      result = parseCustomRole(d);
      break;
    case 'resource':
      result = parseResourceName(d);
      break;
    case 'condition':
      result = parseCondition(d as string);
      break;
  }
  if ('valid' in c.expected) {
    assert.ok(result.ok, `expected a valid document, got errors:\n${result.ok ? '' : show(result.errors)}`);
    return;
  }
  assert.ok(!result.ok, `expected errors ${JSON.stringify(c.expected.errors)}, but the document was accepted`);
  for (const want of c.expected.errors) {
    const found = result.errors.some((e) => e.code === want.code && e.path === want.path && (want.line === undefined || e.line === want.line) && (want.column === undefined || e.column === want.column));
    assert.ok(found, `expected ${want.code} at \`${want.path}\`${want.column !== undefined ? ` column ${want.column}` : ''}; the parser reported:\n${show(result.errors)}`);
  }
}

function runEtag(c: EtagCase): void {
  const e = c.etag;
  const exp = c.expected;
  if ('compare' in e) {
    assert.ok('equal' in exp);
    const [a, b] = e.compare.map((p, i) => computeEtag(policyOf(p, `etag.compare[${i}]`), e.at?.[i] ?? DEFAULT_ETAG_SCOPE));
    assert.equal(a === b, exp.equal, `etags ${a} and ${b}`);
  } else if ('of' in e) {
    assert.ok('etag' in exp);
    assert.equal(computeEtag(policyOf(e.of, 'etag.of'), e.at ?? DEFAULT_ETAG_SCOPE), exp.etag);
  } else {
    assert.ok('accepted' in exp);
    const at = e.at ?? DEFAULT_ETAG_SCOPE;
    const current = computeEtag(policyOf(e.current, 'etag.current'), at);
    const given = e.read !== undefined ? computeEtag(policyOf(e.read, 'etag.read'), e.readAt ?? at) : e.given;
    const r = checkEtag(current, given, e.required === true ? { required: true } : {});
    assert.equal(r.ok, exp.accepted, r.ok ? `accepted, current etag ${r.value}` : show(r.errors));
    if (!r.ok && exp.code !== undefined) assert.equal(r.errors[0]?.code, exp.code);
  }
}

const grammarCodes = new Set<string>();
let etagMismatch = false;
const total = registerCases({
  dir: here,
  files,
  validateCase,
  todoReason: 'the engine disagrees with this case',
  seen: (c) => {
    if (isGrammarCase(c) && 'errors' in c.expected) for (const e of c.expected.errors) grammarCodes.add(e.code);
    if (isEtagCase(c) && 'code' in c.expected && c.expected.code === 'ETAG_MISMATCH') etagMismatch = true;
  },
  run: (c) => {
    if (isGrammarCase(c)) runGrammar(c);
    else if (isEtagCase(c)) runEtag(c);
    else runDecision(c);
  },
});

test('pulumi.json decides over the documents of fixtures/gcp-pulumi-equivalent.documents.json', () => {
  const docs = JSON.parse(readFileSync(join(here, 'fixtures', 'gcp-pulumi-equivalent.documents.json'), 'utf8')) as { kind: string; metadata: { name: string; account: string }; spec: unknown }[];
  const fixture = new Map<string, IamPolicy>();
  for (const d of docs.filter((x) => x.kind === 'IamPolicy')) {
    const p = parseAttachedPolicy(d.spec, { path: 'spec' });
    assert.ok(p.ok, p.ok ? '' : show(p.errors));
    fixture.set(p.value.resource, p.value.policy);
  }
  const role = docs.find((x) => x.kind === 'Role');
  assert.ok(role !== undefined, 'the fixture creates the service account (a role)');
  const member = `serviceAccount:${serviceAccountEmail(role.metadata.account, role.metadata.name)}`;
  assert.ok([...fixture.values()].every((p) => p.bindings.every((b) => b.members.includes(member))), `every binding of the example names ${member}`);
  const cases = JSON.parse(readFileSync(join(here, 'pulumi.json'), 'utf8')) as DecisionCase[];
  const used = new Set<string>();
  for (const c of cases) {
    for (const p of c.policies) {
      const want = fixture.get(p.resource);
      if (want === undefined) continue;
      used.add(p.resource);
      assert.deepEqual(policyOf(p.policy, `${c.name}: ${p.resource}`), want, `${c.name}: the policy of ${p.resource} is not the fixture's`);
    }
  }
  assert.deepEqual([...used].sort(), [...fixture.keys()].sort(), 'every IamPolicy of the fixture is used by some case');
});

test('every BINDINGS_* error code is expected by some grammar case, and ETAG_MISMATCH by an etag case', () => {
  const missing = ERROR_CODES.filter((code) => code.startsWith('BINDINGS_') && !grammarCodes.has(code));
  assert.deepEqual(missing, [], `no grammar case expects ${missing.join(', ')}`);
  assert.ok(etagMismatch, 'no etag case expects ETAG_MISMATCH');
});

test(`conformance/bindings holds at least ${MIN_CASES} cases`, () => {
  assert.ok(total >= MIN_CASES, `only ${total} cases in ${files.join(', ')}`);
});
