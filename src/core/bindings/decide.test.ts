import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition, EvalFailure } from './cel.ts';
import { predefinedPermissions } from './catalogue.ts';
import { compileBindings, effectiveBindings } from './compile.ts';
import { decide, principalMembers } from './decide.ts';
import { customRoleAccount } from './names.ts';
import type { AttachedPolicy, BindingsPrincipal, CustomRole, DecideRequest, IamBinding } from './types.ts';

const ACCOUNT = '123456789012';
const T = Date.parse('2026-06-15T12:00:00Z');
const MODEL = 'arn:aws:training::123456789012:model/resnet';
const model = { name: MODEL, type: 'ml.gatehouse.dev/Model', service: 'ml.gatehouse.dev' };
const alice: BindingsPrincipal = { user: 'alice', groups: ['researchers'], authenticated: true };

const req = (principal: BindingsPrincipal, permission: string, resource = model, time = T): DecideRequest => ({ principal, permission, resource, time });

test('an example: a group binding on the workspace allows, and says so', () => {
  const chain: AttachedPolicy[] = [
    { resource: `account/${ACCOUNT}`, policy: { bindings: [{ role: 'roles/viewer', members: ['group:staff'] }] } },
    { resource: 'workspace/vision', policy: { bindings: [{ role: 'roles/ml.developer', members: ['group:researchers'] }] } },
    { resource: MODEL, policy: { bindings: [] } },
  ];
  const c = compileBindings(chain);
  const d = decide(c, req(alice, 'ml.jobs.create'));
  assert.deepEqual(d, {
    verdict: 'allow',
    reasons: ['allowed by binding of roles/ml.developer to group:researchers on workspace/vision'],
    diagnostics: [],
    matched: [{ resource: 'workspace/vision', index: 0, role: 'roles/ml.developer', member: 'group:researchers' }],
  });
  const no = decide(c, req(alice, 'ml.models.update'));
  assert.equal(no.verdict, 'no-opinion');
  assert.deepEqual(no.reasons, [`no binding grants \`ml.models.update\` on \`${MODEL}\` to user:alice`]);
});

test('the compiled form indexes members and roles', () => {
  const c = compileBindings([{ resource: MODEL, policy: { bindings: [{ role: 'roles/ml.viewer', members: ['user:a', 'user:a', 'group:g'] }, { role: 'roles/ml.viewer', members: ['user:a'] }] } }]);
  assert.equal(c.byMember.get('user:a')?.length, 2, 'a member listed twice in one binding is indexed once');
  assert.equal(c.byMember.get('group:g')?.length, 1);
  assert.equal(c.byKind.user.get('a'), c.byMember.get('user:a'), 'one list, reachable from both indexes');
  assert.equal(c.byKind.group.get('g')?.length, 1);
  assert.equal(c.byKind.allUsers.length, 0);
  assert.ok(c.rolePermissions.get('roles/ml.viewer')?.has('ml.models.get'));
  assert.deepEqual(c.resources, [MODEL]);
});

test('principal members: anonymous is allUsers only; federated identities are not allAuthenticatedUsers', () => {
  assert.deepEqual(principalMembers({ user: 'alice', groups: ['g'], authenticated: false }), ['allUsers']);
  assert.deepEqual(principalMembers(alice), ['user:alice', 'group:researchers', 'allAuthenticatedUsers', 'allUsers']);
  assert.deepEqual(principalMembers({ principalUri: 'principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/idp.example.com/subject/s', groups: [], authenticated: true }), ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/idp.example.com/subject/s', 'allUsers']);
  assert.deepEqual(principalMembers({ principalUri: 'user:root', groups: [], authenticated: true }), ['allUsers'], 'a principalUri that is not principal:// matches nothing');
});

test('explain lists every allowing binding once; fast mode stops at the first', () => {
  const chain: AttachedPolicy[] = [
    { resource: `account/${ACCOUNT}`, policy: { bindings: [{ role: 'roles/owner', members: ['group:researchers', 'user:alice'] }] } },
    { resource: MODEL, policy: { bindings: [{ role: 'roles/ml.developer', members: ['user:alice'] }] } },
  ];
  const c = compileBindings(chain);
  const fast = decide(c, req(alice, 'ml.models.get'));
  assert.equal(fast.reasons.length, 1);
  assert.equal(fast.reasons[0], `allowed by binding of roles/owner to user:alice on account/${ACCOUNT}`);
  const all = decide(c, req(alice, 'ml.models.get'), { explain: true });
  assert.deepEqual(all.reasons, [`allowed by binding of roles/owner to user:alice on account/${ACCOUNT}`, `allowed by binding of roles/ml.developer to user:alice on ${MODEL}`]);
});

test('a condition that errors fails closed, with a diagnostic naming the binding', () => {
  const c = compileBindings([
    { resource: MODEL, policy: { bindings: [{ role: 'roles/ml.developer', members: ['user:alice'], condition: { title: 'models only', expression: 'resource.type == "ml.gatehouse.dev/Model"' } }] } },
  ]);
  assert.equal(decide(c, req(alice, 'ml.models.get')).verdict, 'allow');
  const d = decide(c, req(alice, 'ml.models.get', { name: MODEL } as typeof model));
  assert.equal(d.verdict, 'no-opinion');
  assert.deepEqual(d.diagnostics, [`condition "models only" of binding 0 (roles/ml.developer) on ${MODEL} failed to evaluate, so the binding does not apply: no value for \`resource.type\` in the request (the type of this resource is unknown)`]);
});

test('a condition stored without a title (written before titles were required) still decides, and is named as untitled', () => {
  // Writes refuse an untitled condition (parse.ts), but the engine decides stored policies as they are.
  const c = compileBindings([{ resource: MODEL, policy: { bindings: [{ role: 'roles/ml.developer', members: ['user:alice'], condition: { expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } }] } }]);
  assert.deepEqual(c.diagnostics, []);
  const d = decide(c, req(alice, 'ml.models.get'));
  assert.equal(d.verdict, 'allow');
  assert.deepEqual(d.reasons, [`allowed by binding of roles/ml.developer to user:alice on ${MODEL} (its condition holds)`]);
  const late = decide(c, req(alice, 'ml.models.get', model, Date.parse('2027-01-01T00:00:00Z')), { explain: true });
  assert.equal(late.verdict, 'no-opinion');
  assert.deepEqual(late.diagnostics, [`condition of binding 0 (roles/ml.developer) on ${MODEL} is false for this request, so the binding does not apply`]);
});

test('missing roles, foreign custom roles and unparsable conditions grant nothing and are reported', () => {
  const mine: CustomRole = { name: `accounts/${ACCOUNT}/roles/trainer`, permissions: ['ml.jobs.create'] };
  const theirs: CustomRole = { name: 'accounts/999999999999/roles/trainer', permissions: ['ml.jobs.create'] };
  const chain: AttachedPolicy[] = [
    { resource: `account/${ACCOUNT}`, policy: { bindings: [] } },
    {
      resource: MODEL,
      policy: {
        bindings: [
          { role: 'roles/nope', members: ['user:alice'] },
          { role: theirs.name, members: ['user:alice'] },
          { role: 'roles/ml.developer', members: ['user:alice'], condition: { expression: 'resource.name.matches("x")' } },
        ],
      },
    },
  ];
  const c = compileBindings(chain, { customRoles: [mine, theirs] });
  assert.equal(c.diagnostics.length, 3);
  const d = decide(c, req(alice, 'ml.jobs.create'), { explain: true });
  assert.equal(d.verdict, 'no-opinion');
  assert.equal(d.diagnostics.length, 3);
  assert.match(d.diagnostics[0] ?? '', /binding 0 \(roles\/nope\) on .* grants nothing: role `roles\/nope` is not a predefined role/);
  assert.match(d.diagnostics[1] ?? '', /belongs to account 999999999999, not 123456789012/);
  assert.match(d.diagnostics[2] ?? '', /does not parse, so the binding never applies/);
  const withMine = compileBindings([{ resource: MODEL, policy: { bindings: [{ role: mine.name, members: ['user:alice'] }] } }], { customRoles: [mine], account: ACCOUNT });
  assert.equal(decide(withMine, req(alice, 'ml.jobs.create')).verdict, 'allow');
  assert.equal(decide(withMine, req(alice, 'ml.jobs.get')).verdict, 'no-opinion');
});

test('deciding over a list of compiled policies is deciding over their union', () => {
  const a: AttachedPolicy = { resource: `account/${ACCOUNT}`, policy: { bindings: [{ role: 'roles/container.clusterViewer', members: ['user:alice'] }] } };
  const b: AttachedPolicy = { resource: MODEL, policy: { bindings: [{ role: 'roles/ml.viewer', members: ['group:researchers'] }] } };
  const parts = [compileBindings([a]), compileBindings([b])];
  const whole = compileBindings([a, b]);
  for (const p of ['container.clusters.get', 'ml.models.get', 'ml.models.update']) {
    assert.equal(decide(parts, req(alice, p)).verdict, decide(whole, req(alice, p)).verdict, p);
  }
  assert.equal(decide([], req(alice, 'ml.models.get')).verdict, 'no-opinion');
});

// ---------------------------------------------------------------------------------------------------------
// Differential test: the indexed engine against a plain reading of policy-semantics.md §A.4 over many
// generated policies and requests.

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USERS = ['u0', 'u1', 'u2'];
const GROUPS = ['g0', 'g1', 'g2'];
const SAS = ['sa0@123456789012.iam.gatehouse.dev', 'sa1@123456789012.iam.gatehouse.dev'];
const URIS = ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/idp.example.com/subject/s0'];
const MEMBERS = ['allUsers', 'allAuthenticatedUsers', ...USERS.map((u) => `user:${u}`), ...GROUPS.map((g) => `group:${g}`), ...SAS.map((s) => `serviceAccount:${s}`), ...URIS];
const ROLES = ['roles/viewer', 'roles/editor', 'roles/ml.developer', 'roles/storage.objectViewer', 'roles/container.clusterViewer', 'roles/missing', `accounts/${ACCOUNT}/roles/custom`, 'accounts/999999999999/roles/custom'];
const CUSTOM: CustomRole[] = [
  { name: `accounts/${ACCOUNT}/roles/custom`, permissions: ['ml.models.update', 'storage.objects.get'] },
  { name: 'accounts/999999999999/roles/custom', permissions: ['ml.models.delete'] },
];
const CONDITIONS = [
  'request.time < timestamp("2026-07-01T00:00:00Z")',
  'request.time > timestamp("2026-07-01T00:00:00Z")',
  'resource.name.startsWith("arn:aws:training::123456789012:model/")',
  'resource.type == "ml.gatehouse.dev/Model"',
  'resource.type == "ml.gatehouse.dev/Model" || true',
  'resource.service == "ml.gatehouse.dev" && request.time < timestamp("2026-07-01T00:00:00Z")',
  '!(resource.name.endsWith("resnet"))',
];
const PERMS = ['ml.models.get', 'ml.models.update', 'ml.models.delete', 'ml.jobs.create', 'storage.objects.get', 'container.clusters.get', 'resourcemanager.accounts.get'];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

function genChain(r: () => number): AttachedPolicy[] {
  const policy = (): { bindings: IamBinding[] } => ({
    bindings: Array.from({ length: Math.floor(r() * 4) }, () => {
      const members = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, MEMBERS));
      const b: IamBinding = { role: pick(r, ROLES), members };
      return r() < 0.4 ? { ...b, condition: { expression: pick(r, CONDITIONS) } } : b;
    }),
  });
  return [
    { resource: `account/${ACCOUNT}`, policy: policy() },
    { resource: 'workspace/vision', policy: policy() },
    { resource: MODEL, policy: policy() },
  ];
}

function genPrincipal(r: () => number): BindingsPrincipal {
  const groups = GROUPS.filter(() => r() < 0.3);
  const kind = r();
  const authenticated = r() < 0.9;
  if (kind < 0.5) return { user: pick(r, USERS), groups, authenticated };
  if (kind < 0.75) return { serviceAccount: pick(r, SAS), groups: [], authenticated };
  if (kind < 0.9) return { principalUri: pick(r, URIS), groups, authenticated };
  return { groups, authenticated };
}

/** The reference: every binding of the union, read literally. */
function reference(chain: readonly AttachedPolicy[], request: DecideRequest): Set<string> {
  const p = request.principal;
  const lists = (m: string): boolean => {
    if (m === 'allUsers') return true;
    if (!p.authenticated) return false;
    if (m === 'allAuthenticatedUsers') return p.user !== undefined || p.serviceAccount !== undefined;
    if (m.startsWith('user:')) return p.user === m.slice(5);
    if (m.startsWith('group:')) return p.groups.includes(m.slice(6));
    if (m.startsWith('serviceAccount:')) return p.serviceAccount === m.slice(15);
    return m.startsWith('principal://') && p.principalUri === m;
  };
  const permissionsOf = (role: string): readonly string[] => {
    const pre = predefinedPermissions(role);
    if (pre !== undefined) return [...pre];
    const c = CUSTOM.find((x) => x.name === role);
    return c !== undefined && customRoleAccount(role) === ACCOUNT ? c.permissions : [];
  };
  const out = new Set<string>();
  for (const b of effectiveBindings(chain)) {
    if (!b.members.some(lists)) continue;
    if (!permissionsOf(b.role).includes(request.permission)) continue;
    if (b.condition !== undefined) {
      const c = parseCondition(b.condition.expression);
      if (!c.ok) continue;
      const v = c.value.evaluate({ time: request.time, resource: request.resource });
      if (v instanceof EvalFailure || v !== true) continue;
    }
    out.add(`${b.resource}#${b.index}`);
  }
  return out;
}

test('differential: indexed decisions agree with the reference on 3,000 generated cases', () => {
  const r = prng(0x6a7e5);
  let allows = 0;
  for (let i = 0; i < 3000; i++) {
    const chain = genChain(r);
    const request = req(genPrincipal(r), pick(r, PERMS), r() < 0.8 ? model : ({ name: MODEL } as typeof model), r() < 0.5 ? T : Date.parse('2026-08-01T00:00:00Z'));
    const want = reference(chain, request);
    const whole = compileBindings(chain, { customRoles: CUSTOM });
    const parts = chain.map((p) => compileBindings([p], { customRoles: CUSTOM, account: ACCOUNT }));
    const explained = decide(whole, request, { explain: true });
    const got = new Set(explained.matched.map((m) => `${m.resource}#${m.index}`));
    const ctx = JSON.stringify({ chain, request });
    assert.deepEqual(got, want, ctx);
    const verdict = want.size > 0 ? 'allow' : 'no-opinion';
    assert.equal(decide(whole, request).verdict, verdict, ctx);
    assert.equal(decide(parts, request).verdict, verdict, ctx);
    assert.equal(decide(parts, request, { explain: true }).matched.length, want.size, ctx);
    if (verdict === 'allow') allows++;
  }
  // The generator must exercise both outcomes.
  assert.ok(allows > 300 && allows < 2700, `allows: ${allows}`);
});
