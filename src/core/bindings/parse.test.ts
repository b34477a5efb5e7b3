import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRoles, customRoleName, parseAttachedPolicy, parseCustomRole, parseIamPolicy, parseResourceName, MAX_MEMBERS_PER_POLICY } from './parse.ts';
import { memberKind, resourceAttributes, serviceAccountEmail, serviceAccountOfArn } from './names.ts';

const SA = 'serviceAccount:trainer@123456789012.iam.gatehouse.dev';

test('a policy with every member form, a condition and version 3 parses to a fresh object', () => {
  const raw = {
    version: 3,
    etag: 'BwXhqDFw0f0=',
    bindings: [
      { role: 'roles/ml.developer', members: ['user:alice', 'group:researchers', SA, 'principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/idp.example.com/subject/bob', 'allUsers', 'allAuthenticatedUsers'] },
      { role: 'accounts/123456789012/roles/trainer', members: ['user:bob'], condition: { title: 'until 2027', description: 'temporary', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } },
    ],
  };
  const r = parseIamPolicy(raw);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(r.value, raw);
  assert.notEqual(r.value, raw);
  assert.notEqual(r.value.bindings[0], raw.bindings[0]);
});

test('an empty policy is valid; a null condition is no condition; an empty etag is no etag', () => {
  assert.deepEqual(parseIamPolicy({}), { ok: true, value: { bindings: [] } });
  // proto3's default for `bytes etag`, which GCP reads as absent (review N).
  assert.deepEqual(parseIamPolicy({ etag: '', bindings: [] }), { ok: true, value: { bindings: [] } });
  assert.deepEqual(parseAttachedPolicy({ resource: 'account/123456789012', etag: '', bindings: [] }), { ok: true, value: { resource: 'account/123456789012', policy: { bindings: [] } } });
  const r = parseIamPolicy({ bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: null }] });
  assert.ok(r.ok);
  assert.equal(r.value.bindings[0]?.condition, undefined);
});

// [what, document, [code, path][]]
const invalid: [string, unknown, [string, string][]][] = [
  ['not an object', [], [['BINDINGS_INVALID_TYPE', '']]],
  ['null', null, [['BINDINGS_INVALID_TYPE', '']]],
  ['an unknown field', { binding: [] }, [['BINDINGS_UNKNOWN_FIELD', 'binding']]],
  ['bindings not a list', { bindings: {} }, [['BINDINGS_INVALID_TYPE', 'bindings']]],
  ['a binding not an object', { bindings: ['roles/viewer'] }, [['BINDINGS_INVALID_TYPE', 'bindings[0]']]],
  ['a binding without role', { bindings: [{ members: ['user:a'] }] }, [['BINDINGS_MISSING_FIELD', 'bindings[0].role']]],
  ['a binding without members', { bindings: [{ role: 'roles/viewer' }] }, [['BINDINGS_MISSING_FIELD', 'bindings[0].members']]],
  ['empty members', { bindings: [{ role: 'roles/viewer', members: [] }] }, [['BINDINGS_MISSING_FIELD', 'bindings[0].members']]],
  ['members a string', { bindings: [{ role: 'roles/viewer', members: 'user:a' }] }, [['BINDINGS_INVALID_TYPE', 'bindings[0].members']]],
  ['a member a number', { bindings: [{ role: 'roles/viewer', members: [1] }] }, [['BINDINGS_INVALID_TYPE', 'bindings[0].members[0]']]],
  ['a binding with an unknown field', { bindings: [{ role: 'roles/viewer', members: ['user:a'], member: 'user:b' }] }, [['BINDINGS_UNKNOWN_FIELD', 'bindings[0].member']]],
  ['a role not a string', { bindings: [{ role: 7, members: ['user:a'] }] }, [['BINDINGS_INVALID_TYPE', 'bindings[0].role']]],
  ['a role without roles/', { bindings: [{ role: 'viewer', members: ['user:a'] }] }, [['BINDINGS_INVALID_ROLE', 'bindings[0].role']]],
  ['a GCP project role', { bindings: [{ role: 'projects/p/roles/x', members: ['user:a'] }] }, [['BINDINGS_INVALID_ROLE', 'bindings[0].role']]],
  ['a custom role of a bad account', { bindings: [{ role: 'accounts/123/roles/trainer', members: ['user:a'] }] }, [['BINDINGS_INVALID_ROLE', 'bindings[0].role']]],
  ['a custom role name too short', { bindings: [{ role: 'accounts/123456789012/roles/ab', members: ['user:a'] }] }, [['BINDINGS_INVALID_ROLE', 'bindings[0].role']]],
  [
    'the third member of the third binding',
    { bindings: [{ role: 'roles/viewer', members: ['user:a'] }, { role: 'roles/viewer', members: ['user:b'] }, { role: 'roles/viewer', members: ['user:c', 'group:d', 'users:e'] }] },
    [['BINDINGS_INVALID_MEMBER', 'bindings[2].members[2]']],
  ],
  ['a member listed twice in one binding (review co, 1)', { bindings: [{ role: 'roles/viewer', members: ['user:a', 'user:b', 'user:a'] }, { role: 'roles/ml.viewer', members: ['user:a'] }] }, [['BINDINGS_INVALID_MEMBER', 'bindings[0].members[2]']]],
  ['a condition not an object', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: 'true' }] }, [['BINDINGS_INVALID_TYPE', 'bindings[0].condition']]],
  ['a condition without expression', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { title: 't' } }] }, [['BINDINGS_MISSING_FIELD', 'bindings[0].condition.expression']]],
  ['an empty expression', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { title: 't', expression: '  ' } }] }, [['BINDINGS_MISSING_FIELD', 'bindings[0].condition.expression']]],
  ['a condition without a title', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { expression: 'true' } }] }, [['BINDINGS_MISSING_FIELD', 'bindings[0].condition.title']]],
  ['a blank title', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { title: ' \t', expression: 'true' } }] }, [['BINDINGS_MISSING_FIELD', 'bindings[0].condition.title']]],
  ['a condition with location', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { title: 't', expression: 'true', location: 'x' } }] }, [['BINDINGS_UNKNOWN_FIELD', 'bindings[0].condition.location']]],
  ['a long title', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { expression: 'true', title: 'x'.repeat(101) } }] }, [['BINDINGS_TOO_LARGE', 'bindings[0].condition.title']]],
  ['a long description', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { title: 't', expression: 'true', description: 'x'.repeat(257) } }] }, [['BINDINGS_TOO_LARGE', 'bindings[0].condition.description']]],
  ['a CEL error', { bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { title: 't', expression: 'resource.name.matches("x")' } }] }, [['BINDINGS_INVALID_CONDITION', 'bindings[0].condition.expression']]],
  ['version 2', { version: 2, bindings: [] }, [['BINDINGS_INVALID_VERSION', 'version']]],
  ['version as a word', { version: 'three', bindings: [] }, [['BINDINGS_INVALID_VERSION', 'version']]],
  ['a conditional binding in version 1', { version: 1, bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { title: 't', expression: 'true' } }] }, [['BINDINGS_INVALID_VERSION', 'version']]],
  ['an etag not a string', { etag: 5, bindings: [] }, [['BINDINGS_INVALID_TYPE', 'etag']]],
  ['too many bindings', { bindings: Array.from({ length: MAX_MEMBERS_PER_POLICY + 1 }, () => ({ role: 'roles/viewer', members: ['user:a'] })) }, [['BINDINGS_TOO_LARGE', 'bindings']]],
  [
    'too many members in all',
    { bindings: [{ role: 'roles/viewer', members: Array.from({ length: 1000 }, (_, i) => `user:u${i}`) }, { role: 'roles/editor', members: Array.from({ length: 501 }, (_, i) => `user:u${i}`) }] },
    [['BINDINGS_TOO_LARGE', 'bindings[1].members']],
  ],
];
for (const [what, doc, want] of invalid) {
  test(`parseIamPolicy rejects ${what}`, () => {
    const r = parseIamPolicy(doc);
    assert.ok(!r.ok, 'accepted');
    for (const [code, path] of want) {
      assert.ok(r.errors.some((e) => e.code === code && e.path === path), `want ${code} at \`${path}\`, got ${JSON.stringify(r.errors)}`);
    }
    for (const e of r.errors) assert.match(e.message, /^[^A-Z]/, `messages start lowercase: ${e.message}`);
  });
}

test('the member limit is reported once, at the binding that crosses it, with the count so far (review ai, 4)', () => {
  const users = (n: number, p: string): string[] => Array.from({ length: n }, (_, i) => `user:${p}${i}`);
  const r = parseIamPolicy({ bindings: [{ role: 'roles/viewer', members: users(1000, 'a') }, { role: 'roles/editor', members: users(600, 'b') }, { role: 'roles/owner', members: users(2, 'c') }, { role: 'roles/owner', members: ['nobody'] }] });
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((e) => `${e.code} ${e.path}`), ['BINDINGS_TOO_LARGE bindings[1].members', 'BINDINGS_INVALID_MEMBER bindings[3].members[0]']);
  assert.match(r.errors[0]?.message ?? '', /at most 1500 members in all \(each occurrence counts\); the bindings before this one list 1000, and this one 600 more/);
  const alone = parseIamPolicy({ bindings: [{ role: 'roles/viewer', members: users(1501, 'a') }] });
  assert.ok(!alone.ok);
  assert.match(alone.errors[0]?.message ?? '', /this binding alone lists 1501/);
});

test('a policy with bindings on an ARN ending with `/` is refused, naming the ARN to attach to (review ai, 9)', () => {
  for (const [resource, instead] of [
    ['arn:aws:s3:::data/train/', 'arn:aws:s3:::data/train'],
    ['acs:oss:*:*:data/train//', 'acs:oss:*:*:data/train'],
    // A type's ARN takes no policy (review mk, 1): the ARN of one model, or the account.
    ['arn:aws:training::123456789012:model/', 'arn:aws:training::123456789012:model/<name>` for one model, or to `account/123456789012'],
  ]) {
    const r = parseAttachedPolicy({ resource, bindings: [{ role: 'roles/storage.objectViewer', members: ['user:a'] }] });
    assert.ok(!r.ok, resource);
    assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['BINDINGS_INVALID_RESOURCE', 'resource']]);
    assert.ok(r.errors[0]?.message.includes(`attach the policy to \`${instead}\``), r.errors[0]?.message);
  }
  // Removing (no bindings) such a policy stays possible; a folder marker's parent takes the policy.
  assert.ok(parseAttachedPolicy({ resource: 'arn:aws:s3:::data/train/', bindings: [] }).ok);
  assert.ok(parseAttachedPolicy({ resource: 'arn:aws:s3:::data/train', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:a'] }] }).ok);
});

test('a policy with bindings on a resource type\'s ARN without a name is refused (review mk, 1)', () => {
  for (const resource of ['arn:aws:training::123456789012:cluster', 'acs:pai::123456789012:workspace', 'arn:aws:training::123456789012:Job', 'arn:aws:iam::123456789012:role', 'acs:ram::123456789012:group']) {
    const r = parseAttachedPolicy({ resource, bindings: [{ role: 'roles/viewer', members: ['user:a'] }] });
    assert.ok(!r.ok, resource);
    assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['BINDINGS_INVALID_RESOURCE', 'resource']]);
    assert.ok(r.errors[0]?.message.includes(`\`${resource}/<name>\``) && r.errors[0].message.includes('`account/123456789012`'), r.errors[0]?.message);
    assert.ok(parseAttachedPolicy({ resource, bindings: [] }).ok, 'removing stays possible');
  }
  // An account's root ARN is no account level (review mk, 4).
  for (const resource of ['arn:aws:iam::123456789012:root', 'acs:ram::123456789012:root']) {
    const r = parseAttachedPolicy({ resource, bindings: [{ role: 'roles/viewer', members: ['user:a'] }] });
    assert.ok(!r.ok, resource);
    assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['BINDINGS_INVALID_RESOURCE', 'resource']]);
    assert.ok(r.errors[0]?.message.includes('attach the policy to `account/123456789012`'), r.errors[0]?.message);
  }
  for (const resource of ['arn:aws:training::123456789012:cluster/gpu', 'arn:aws:iam::123456789012:role/r', 'arn:aws:s3:::cluster', 'arn:aws:iam::123456789012:role/']) {
    const r = parseAttachedPolicy({ resource, bindings: [{ role: 'roles/viewer', members: ['user:a'] }] });
    assert.ok(r.ok || !r.errors[0]?.message.includes('is the resource type'), resource);
  }
});

test('every error is reported, not only the first', () => {
  const r = parseIamPolicy({ bindings: [{ role: 'x', members: ['nobody'] }, { role: 'roles/ml.viewer', members: ['user:a'], condition: { title: 't', expression: '1' } }], version: 9 });
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((e) => `${e.code} ${e.path}`).sort(), [
    'BINDINGS_INVALID_CONDITION bindings[1].condition.expression',
    'BINDINGS_INVALID_MEMBER bindings[0].members[0]',
    'BINDINGS_INVALID_ROLE bindings[0].role',
    'BINDINGS_INVALID_VERSION version',
  ]);
});

test('a condition error keeps its line and column; paths take the prefix', () => {
  const r = parseIamPolicy({ bindings: [{ role: 'roles/ml.viewer', members: ['user:a'], condition: { title: 't', expression: 'true &&\n resource.nam == "x"' } }] }, { path: 'spec' });
  assert.ok(!r.ok);
  assert.deepEqual({ code: r.errors[0]?.code, path: r.errors[0]?.path, line: r.errors[0]?.line, column: r.errors[0]?.column }, { code: 'BINDINGS_INVALID_CONDITION', path: 'spec.bindings[0].condition.expression', line: 2, column: 11 });
});

test('a __proto__ key is an unknown field, and does not reach the result', () => {
  const raw = JSON.parse('{"bindings": [{"role": "roles/viewer", "members": ["user:a"], "__proto__": {"condition": {"expression": "false"}}}]}') as unknown;
  const r = parseIamPolicy(raw);
  assert.ok(!r.ok);
  assert.equal(r.errors[0]?.path, 'bindings[0].__proto__');
  const inherited = Object.create({ condition: { expression: 'false' } }) as Record<string, unknown>;
  inherited['role'] = 'roles/viewer';
  inherited['members'] = ['user:a'];
  const ok = parseIamPolicy({ bindings: [inherited] });
  assert.ok(ok.ok);
  assert.equal(ok.value.bindings[0]?.condition, undefined, 'inherited properties are not read');
});

// [member, valid]
const members: [string, boolean][] = [
  ['user:alice', true],
  ['user:alice@example.com', true],
  ['group:ml-researchers', true],
  [SA, true],
  ['serviceAccount:trainer@12345678901.iam.gatehouse.dev', false],
  ['serviceAccount:trainer@123456789012.iam.gserviceaccount.com', false],
  ['serviceAccount:trainer', false],
  ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/idp.example.com/subject/s', true],
  ['principal://', false],
  ['principal://has space', false],
  ['principalSet://iam.gatehouse.dev/pools/p/*', false],
  ['allUsers', true],
  ['allAuthenticatedUsers', true],
  ['allusers', false],
  ['domain:example.com', false],
  ['deleted:user:alice?uid=1', false],
  ['deleted:user:alice?uid=AIDAFVNUVMZ2KGDALSIMH', true],
  ['deleted:serviceAccount:trainer@123456789012.iam.gatehouse.dev?uid=AROAFVNUVMZ2KGDALSIMH', true],
  ['deleted:user:alice?uid=AROAFVNUVMZ2KGDALSIMH', false],
  ['deleted:serviceAccount:trainer@123456789012.iam.gatehouse.dev?uid=AIDAFVNUVMZ2KGDALSIMH', false],
  ['deleted:user:alice', false],
  ['deleted:group:team?uid=AGPAFVNUVMZ2KGDALSIMH', true],
  ['user:', false],
  ['user:has space', false],
  ['alice', false],
  ['', false],
];
for (const [m, valid] of members) {
  test(`member ${JSON.stringify(m)} is ${valid ? 'valid' : 'invalid'}`, () => {
    const k = memberKind(m);
    assert.equal(k.ok, valid, k.ok ? k.kind : k.message);
    if (!k.ok) assert.match(k.message, /^member `/);
  });
}

test('a deleted group member takes a group name and a group id (AGPA…) only', () => {
  assert.ok(memberKind('deleted:group:ml-team?uid=AGPAFVNUVMZ2KGDALSIMH').ok);
  for (const m of ['deleted:group:ml-team?uid=AIDAFVNUVMZ2KGDALSIMH', 'deleted:group:ml team?uid=AGPAFVNUVMZ2KGDALSIMH', 'deleted:group:ml-team', 'deleted:user:alice?uid=AGPAFVNUVMZ2KGDALSIMH']) {
    assert.equal(memberKind(m).ok, false, m);
  }
});

test('resource names: ARNs, account/<id>, workspace/<name>', () => {
  for (const [name, level] of [
    ['account/123456789012', 'account'],
    ['workspace/vision', 'workspace'],
    ['arn:aws:s3:::training-data/key', 'resource'],
    ['arn:aws:training::123456789012:model/resnet', 'resource'],
    ['acs:oss:*:*:bucket/key', 'resource'],
    ['arn:aws:iam::123456789012:role/my-service-account', 'resource'],
  ] as const) {
    const r = parseResourceName(name);
    assert.ok(r.ok, name);
    assert.equal(r.value.level, level, name);
  }
  for (const bad of ['account/123', 'workspace/', 'workspace/a b', 'projects/p', 'arn:aws:s3', 'bucket', '', 'arn:aws:s3:::has space']) {
    const r = parseResourceName(bad);
    assert.ok(!r.ok, bad);
    assert.equal(r.errors[0]?.code, 'BINDINGS_INVALID_RESOURCE');
  }
  const notString = parseResourceName(5);
  assert.ok(!notString.ok && notString.errors[0]?.code === 'BINDINGS_INVALID_TYPE');
});

test('the spec of kind IamPolicy: resource with the policy', () => {
  const r = parseAttachedPolicy({ resource: 'workspace/vision', bindings: [{ role: 'roles/viewer', members: ['group:g'] }] }, { path: 'spec' });
  assert.ok(r.ok);
  assert.deepEqual(r.value, { resource: 'workspace/vision', policy: { bindings: [{ role: 'roles/viewer', members: ['group:g'] }] } });
  const bad = parseAttachedPolicy({ bindings: [] }, { path: 'spec' });
  assert.ok(!bad.ok && bad.errors[0]?.path === 'spec.resource' && bad.errors[0].code === 'BINDINGS_MISSING_FIELD');
  const badRes = parseAttachedPolicy({ resource: 'nope', bindings: [] });
  assert.ok(!badRes.ok && badRes.errors[0]?.code === 'BINDINGS_INVALID_RESOURCE' && badRes.errors[0].path === 'resource');
});

test('custom roles: name and permissions checked, unknown permissions refused unless allowed', () => {
  const name = customRoleName('123456789012', 'trainer');
  assert.equal(name, 'accounts/123456789012/roles/trainer');
  const r = parseCustomRole({ name, title: 'Trainer', permissions: ['ml.jobs.create', 'storage.objects.get'] });
  assert.ok(r.ok);
  assert.deepEqual(r.value.permissions, ['ml.jobs.create', 'storage.objects.get']);
  const cases: [unknown, string, string][] = [
    [{ name: 'roles/trainer', permissions: [] }, 'BINDINGS_INVALID_ROLE', 'name'],
    [{ permissions: [] }, 'BINDINGS_MISSING_FIELD', 'name'],
    [{ name }, 'BINDINGS_MISSING_FIELD', 'permissions'],
    [{ name, permissions: [] }, 'BINDINGS_MISSING_FIELD', 'permissions'],
    [{ name, permissions: 'ml.jobs.create' }, 'BINDINGS_INVALID_TYPE', 'permissions'],
    [{ name, permissions: ['ml.jobs.*'] }, 'BINDINGS_INVALID_PERMISSION', 'permissions[0]'],
    [{ name, permissions: ['ml.jobs.create', 'storage.object.get'] }, 'BINDINGS_INVALID_PERMISSION', 'permissions[1]'],
    [{ name, permissions: ['ml:jobs:create'] }, 'BINDINGS_INVALID_PERMISSION', 'permissions[0]'],
    [{ name, permissions: [], includedPermissions: [] }, 'BINDINGS_UNKNOWN_FIELD', 'includedPermissions'],
    [{ name, permissions: Array.from({ length: 3001 }, () => 'ml.jobs.get') }, 'BINDINGS_TOO_LARGE', 'permissions'],
  ];
  for (const [raw, code, path] of cases) {
    const x = parseCustomRole(raw);
    assert.ok(!x.ok, JSON.stringify(raw).slice(0, 80));
    assert.ok(x.errors.some((e) => e.code === code && e.path === path), `${code} at ${path}: ${JSON.stringify(x.errors)}`);
  }
  assert.ok(parseCustomRole({ name, permissions: ['tables.rows.read'] }, { knownPermissionsOnly: false }).ok);
});

test('checkRoles: roles must exist, and custom roles belong to the account', () => {
  const trainer = { name: 'accounts/123456789012/roles/trainer', permissions: ['ml.jobs.create'] };
  const policy = {
    bindings: [
      { role: 'roles/viewer', members: ['user:a'] },
      { role: 'roles/nonexistent', members: ['user:a'] },
      { role: trainer.name, members: ['user:a'] },
      { role: 'accounts/999999999999/roles/admin', members: ['user:a'] },
      { role: 'accounts/123456789012/roles/missing', members: ['user:a'] },
    ],
  };
  const r = checkRoles(policy, { account: '123456789012', customRoles: [trainer] });
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((e) => e.path), ['bindings[1].role', 'bindings[3].role', 'bindings[4].role']);
  assert.ok(r.errors.every((e) => e.code === 'BINDINGS_INVALID_ROLE'));
  assert.ok(checkRoles({ bindings: [policy.bindings[0]!, policy.bindings[2]!] }, { account: '123456789012', customRoles: [trainer] }).ok);
});

test('service accounts are roles', () => {
  assert.equal(serviceAccountEmail('123456789012', 'my-service-account'), 'my-service-account@123456789012.iam.gatehouse.dev');
  assert.equal(serviceAccountOfArn('arn:aws:iam::123456789012:role/my-service-account'), 'my-service-account@123456789012.iam.gatehouse.dev');
  assert.equal(serviceAccountOfArn('arn:aws:iam::123456789012:role/team/a/trainer'), 'trainer@123456789012.iam.gatehouse.dev');
  assert.equal(serviceAccountOfArn('acs:ram::123456789012:role/trainer'), 'trainer@123456789012.iam.gatehouse.dev');
  assert.equal(serviceAccountOfArn('arn:aws:sts::123456789012:assumed-role/trainer/job-42'), 'trainer@123456789012.iam.gatehouse.dev');
  assert.equal(serviceAccountOfArn('arn:aws:iam::123456789012:user/alice'), undefined);
});

test('resource attributes: service and type by the permission prefix', () => {
  const at = (n: string): string => {
    const r = resourceAttributes(n);
    return `${r.service ?? '-'} ${r.type ?? '-'}`;
  };
  assert.equal(at('arn:aws:s3:::b'), 'storage.gatehouse.dev storage.gatehouse.dev/Bucket');
  assert.equal(at('arn:aws:s3:::b/k/x'), 'storage.gatehouse.dev storage.gatehouse.dev/Object');
  assert.equal(at('acs:oss:*:*:b/k'), 'storage.gatehouse.dev storage.gatehouse.dev/Object');
  assert.equal(at('arn:aws:training::123456789012:job/j-1'), 'ml.gatehouse.dev ml.gatehouse.dev/Job');
  assert.equal(at('arn:aws:training::123456789012:model/resnet'), 'ml.gatehouse.dev ml.gatehouse.dev/Model');
  assert.equal(at('acs:pai::123456789012:job/j-1'), 'ml.gatehouse.dev ml.gatehouse.dev/Job');
  assert.equal(at('arn:aws:training::123456789012:cluster/c'), 'container.gatehouse.dev container.gatehouse.dev/Cluster');
  assert.equal(at('arn:aws:eks:us-east-1:123456789012:cluster/c'), 'container.gatehouse.dev container.gatehouse.dev/Cluster');
  assert.equal(at('arn:aws:iam::123456789012:role/sa'), 'iam.gatehouse.dev iam.gatehouse.dev/ServiceAccount');
  assert.equal(at('account/123456789012'), 'resourcemanager.gatehouse.dev resourcemanager.gatehouse.dev/Account');
  assert.equal(at('workspace/vision'), 'resourcemanager.gatehouse.dev resourcemanager.gatehouse.dev/Workspace');
  assert.equal(at('arn:aws:dynamodb:us-east-1:123456789012:table/t'), '- -');
});
