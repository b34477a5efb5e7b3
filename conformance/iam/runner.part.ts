/**
 * Runs every conformance case in `conformance/iam/*.json` against the IAM engine (src/core/iam), one test
 * per case. Each case is first checked against the schema (schema.ts): a malformed case is a failing test,
 * never a skipped one. Cases marked `"todo"` are known disagreements with the engine, reported as todo.
 *
 *   npx node --test conformance/iam/runner.part.ts
 */
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  compilePolicy,
  contextOf,
  evaluate,
  parsePolicy,
  principalFromArn,
  renderDecision,
  type AuthzRequest,
  type CompiledPolicy,
  type PolicyKind,
  type PolicySet,
  type PolicyType,
} from '../../src/core/iam/index.ts';
import { ERROR_CODES, type GatehouseError } from '../../src/core/errors.ts';
import { isGrammarCase, policyNames, validateCase, type DecisionCase, type GrammarCase } from './schema.ts';
import { caseFiles, registerCases } from '../support/cases.ts';

const MIN_CASES = 400;
const here = dirname(fileURLToPath(import.meta.url));
const files = caseFiles(here);

const KIND_OF: Readonly<Record<PolicyType, PolicyKind>> = { identity: 'identity', boundary: 'identity', session: 'identity', resource: 'resource', trust: 'trust' };

const showErrors = (errors: readonly GatehouseError[]): string => errors.map((e) => `  ${e.code} at \`${e.path}\`: ${e.message}`).join('\n');
const epoch = (iso: string): number => {
  const ms = Date.parse(iso);
  assert.ok(!Number.isNaN(ms), `not a date: ${iso}`);
  return ms;
};

function runGrammar(c: GrammarCase): void {
  const opts = c.parse.maxChars === undefined ? { kind: c.parse.kind } : { kind: c.parse.kind, maxChars: c.parse.maxChars };
  const result = parsePolicy(c.parse.document, opts);
  if ('valid' in c.expected) {
    assert.ok(result.ok, `expected a valid document, got errors:\n${result.ok ? '' : showErrors(result.errors)}`);
    return;
  }
  assert.ok(!result.ok, `expected errors ${JSON.stringify(c.expected.errors)}, but the document was accepted`);
  for (const want of c.expected.errors) {
    const found = result.errors.some((e) => e.code === want.code && e.path === want.path);
    assert.ok(found, `expected ${want.code} at \`${want.path}\`; the parser reported:\n${showErrors(result.errors)}`);
  }
}

function runDecision(c: DecisionCase): void {
  const names = policyNames(c.policies);
  const compiled: { type: PolicyType; policy: CompiledPolicy }[] = [];
  c.policies.forEach((p, i) => {
    const name = names[i] as string;
    const parsed = parsePolicy(p.document, { kind: KIND_OF[p.type] });
    assert.ok(parsed.ok, `policy \`${name}\` (${p.type}) does not parse:\n${parsed.ok ? '' : showErrors(parsed.errors)}`);
    if (c.dialect !== undefined) assert.equal(parsed.value.dialect, c.dialect, `policy \`${name}\` is not in the case's dialect`);
    compiled.push({ type: p.type, policy: compilePolicy(parsed.value, name) });
  });
  const of = (t: PolicyType): CompiledPolicy[] => compiled.filter((x) => x.type === t).map((x) => x.policy);
  const [boundary] = of('boundary');
  const [trust] = of('trust');
  const session = of('session');
  const resource = of('resource');
  const set: PolicySet = {
    identity: of('identity'),
    ...(boundary ? { boundary } : {}),
    ...(session.length > 0 ? { session } : {}),
    ...(resource.length > 0 ? { resource } : {}),
    ...(trust ? { trust } : {}),
  };

  const rp = c.request.principal;
  const principal =
    typeof rp === 'string'
      ? principalFromArn(rp)
      : principalFromArn(rp.arn, {
          ...(rp.userId !== undefined ? { userId: rp.userId } : {}),
          ...(rp.tags !== undefined ? { tags: rp.tags } : {}),
          ...(rp.session !== undefined
            ? {
                session: {
                  issuedAt: epoch(rp.session.issuedAt),
                  ...(rp.session.name !== undefined ? { name: rp.session.name } : {}),
                  ...(rp.session.sourceIdentity !== undefined ? { sourceIdentity: rp.session.sourceIdentity } : {}),
                },
              }
            : {}),
        });
  assert.ok(principal.ok, `request.principal is not accepted:\n${principal.ok ? '' : showErrors(principal.errors)}`);

  const r = c.request;
  const request: AuthzRequest = {
    principal: principal.value,
    action: r.action,
    resource: r.resource,
    ...(r.resourceAccount !== undefined ? { resourceAccount: r.resourceAccount } : {}),
    ...(r.context !== undefined ? { context: contextOf(r.context) } : {}),
    ...(r.time !== undefined ? { time: epoch(r.time) } : {}),
  };

  const d = evaluate(request, set, { explain: true });
  const why = `\n--- engine explanation ---\n${renderDecision(d)}`;
  assert.equal(d.decision, c.expected.decision, `decision${why}`);
  if (c.expected.deniedBy !== undefined) assert.equal(d.deniedBy, c.expected.deniedBy, `deniedBy${why}`);
  if (c.expected.allowedBy !== undefined) assert.equal(d.allowedBy, c.expected.allowedBy, `allowedBy${why}`);
  if (c.expected.matched !== undefined) {
    const key = (m: { policy: string; index: number }): string => `${m.policy}#${m.index}`;
    assert.deepEqual(d.matched.map(key).sort(), c.expected.matched.map(key).sort(), `matched statements${why}`);
  }
}

const grammarCodes = new Set<string>();
const total = registerCases({
  dir: here,
  files,
  validateCase,
  todoReason: 'the engine disagrees with this case; see the conformance report',
  seen: (c) => {
    if (isGrammarCase(c) && 'errors' in c.expected) for (const e of c.expected.errors) grammarCodes.add(e.code);
  },
  run: (c) => {
    if (isGrammarCase(c)) runGrammar(c);
    else runDecision(c);
  },
});

test('every POLICY_* error code is expected by some grammar case', () => {
  const missing = ERROR_CODES.filter((code) => code.startsWith('POLICY_') && !grammarCodes.has(code));
  assert.deepEqual(missing, [], `no grammar case expects ${missing.join(', ')}`);
});

test(`conformance/iam holds at least ${MIN_CASES} cases`, () => {
  assert.ok(total >= MIN_CASES, `only ${total} cases in ${files.join(', ')}`);
});
