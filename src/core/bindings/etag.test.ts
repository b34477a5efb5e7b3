import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPolicy, checkEtag, checkVersion, computeEtag, fnv1a64, sameEtag, withEtag } from './etag.ts';
import type { IamPolicy } from './types.ts';

/** Where the policies of these tests are: a model, at its first write. */
const AT = { resource: 'arn:aws:training::123456789012:model/model_name', revision: 1 };

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

test('fnv1a64 matches the reference vectors', () => {
  // Fowler/Noll/Vo reference values (isthe.com/chongo/tech/comp/fnv, test vectors of FNV-1a 64).
  assert.equal(hex(fnv1a64(utf8(''))), 'cbf29ce484222325');
  assert.equal(hex(fnv1a64(utf8('a'))), 'af63dc4c8601ec8c');
  assert.equal(hex(fnv1a64(utf8('foobar'))), '85944171f73967e8');
});

const SA = 'serviceAccount:my-service-account@123456789012.iam.gatehouse.dev';
const conditional: IamPolicy = {
  bindings: [{ role: 'roles/viewer', members: ['group:researchers', 'user:alice'], condition: { title: 'until 2027', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } }],
};

test('golden etags: a change here breaks every etag clients hold', () => {
  assert.equal(computeEtag({ bindings: [] }, AT), '5fKqNXB13ng=');
  assert.equal(computeEtag({ bindings: [{ role: 'roles/ml.developer', members: [SA] }] }, AT), 'BjqYl+HrLAM=');
  assert.equal(computeEtag(conditional, AT), 'ZJAnOVT1RUY=');
});

test('the same bindings on two resources, or at two revisions of one resource, have different etags', () => {
  const p: IamPolicy = { bindings: [{ role: 'roles/ml.developer', members: [SA] }] };
  const etags = [
    computeEtag(p, AT),
    computeEtag(p, { ...AT, resource: 'arn:aws:training::123456789012:model/another_model' }),
    computeEtag(p, { ...AT, revision: 3 }),
    computeEtag({ bindings: [] }, { ...AT, revision: 2 }),
    computeEtag({ bindings: [] }, { ...AT, revision: 0 }),
  ];
  assert.equal(new Set([...etags, computeEtag({ bindings: [] }, AT)]).size, 6, etags.join(' '));
  // A→B→A: the etag read at the first A (revision 1) is stale at the second (revision 3).
  const stale = checkEtag(computeEtag(p, { ...AT, revision: 3 }), computeEtag(p, AT));
  assert.ok(!stale.ok && stale.errors[0]?.code === 'ETAG_MISMATCH');
  // Nothing written in between: the same etag, read after read.
  assert.equal(computeEtag(p, { ...AT }), computeEtag({ ...p }, AT));
});

test('the etag ignores member order and duplicates, binding order, version and etag', () => {
  const a: IamPolicy = { bindings: [{ role: 'roles/viewer', members: ['user:a', 'user:b'] }, { role: 'roles/editor', members: ['group:g'] }] };
  const b: IamPolicy = { version: 1, etag: 'whatever', bindings: [{ role: 'roles/editor', members: ['group:g', 'group:g'] }, { role: 'roles/viewer', members: ['user:b', 'user:a'] }] };
  assert.equal(computeEtag(a, AT), computeEtag(b, AT));
  assert.deepEqual(canonicalPolicy(a), canonicalPolicy(b));
});

test('the etag changes with any change of meaning', () => {
  const base = computeEtag(conditional, AT);
  const b0 = conditional.bindings[0]!;
  const variants: IamPolicy[] = [
    { bindings: [{ ...b0, role: 'roles/editor' }] },
    { bindings: [{ ...b0, members: ['group:researchers'] }] },
    { bindings: [{ ...b0, members: [...b0.members, 'user:bob'] }] },
    { bindings: [{ role: b0.role, members: b0.members }] },
    { bindings: [{ ...b0, condition: { ...b0.condition!, expression: 'request.time < timestamp("2028-01-01T00:00:00Z")' } }] },
    { bindings: [{ ...b0, condition: { ...b0.condition!, title: 'until 2028' } }] },
    { bindings: [b0, b0] },
    { bindings: [] },
  ];
  const seen = new Set([base]);
  for (const v of variants) {
    const e = computeEtag(v, AT);
    assert.ok(!seen.has(e), JSON.stringify(v));
    seen.add(e);
  }
});

test('etags are 12-character base64, like GCP etags', () => {
  for (let i = 0; i < 50; i++) assert.match(computeEtag({ bindings: [{ role: 'roles/viewer', members: [`user:u${i}`] }] }, { resource: `arn:aws:training::123456789012:model/m${i}`, revision: i }), /^[A-Za-z0-9+/]{11}=$/);
});

test('checkEtag: current etag accepted, stale refused, absent overwrites unless required', () => {
  const current: IamPolicy = { bindings: [{ role: 'roles/viewer', members: ['user:a'] }] };
  const read = computeEtag(current, AT);
  assert.deepEqual(checkEtag(read, read), { ok: true, value: read });
  const changed = computeEtag({ bindings: [{ role: 'roles/viewer', members: ['user:a', 'user:b'] }] }, { ...AT, revision: 2 });
  const stale = checkEtag(changed, read);
  assert.ok(!stale.ok);
  assert.equal(stale.errors[0]?.code, 'ETAG_MISMATCH');
  assert.equal(stale.errors[0]?.path, 'etag');
  assert.match(stale.errors[0]?.message ?? '', /is stale.*read it again/);
  assert.ok(checkEtag(changed, undefined).ok);
  const required = checkEtag(changed, undefined, { required: true });
  assert.ok(!required.ok && required.errors[0]?.code === 'BINDINGS_MISSING_FIELD');
  // An empty etag is no etag, as GCP reads proto3's default (review N): it overwrites, and is missing where one is required.
  assert.deepEqual(checkEtag(changed, ''), { ok: true, value: changed });
  const emptyRequired = checkEtag(changed, '', { required: true });
  assert.ok(!emptyRequired.ok && emptyRequired.errors[0]?.code === 'BINDINGS_MISSING_FIELD');
  // No policy yet: the empty policy's etag, which a reader of the missing policy is given.
  const none = computeEtag({ bindings: [] }, { ...AT, revision: 0 });
  assert.ok(checkEtag(none, none).ok);
  assert.ok(!checkEtag(none, 'BwXhqDFw0f0=').ok);
});

test('withEtag: the policy as read, version 3 when conditional', () => {
  const plain = withEtag({ bindings: [{ role: 'roles/viewer', members: ['user:a'] }] }, AT);
  assert.equal(plain.version, 1);
  assert.equal(plain.etag, computeEtag(plain, AT));
  // The version the bindings need, not the one written (review dl, 2): GCP answers 1 without a conditional binding.
  assert.equal(withEtag({ version: 3, bindings: plain.bindings }, AT).version, 1);
  assert.equal(withEtag({ version: 0, bindings: plain.bindings }, AT).version, 1);
  const cond = withEtag({ version: 1, ...conditional }, AT);
  assert.equal(cond.version, 3);
});

test('checkVersion: a version 0 or 1 write with an etag may not replace a policy with conditions (GCP: version 3 or no etag)', () => {
  const stored = [{ role: 'roles/viewer', members: ['user:a'], condition: { expression: 'true' } }];
  const plainStored = [{ role: 'roles/viewer', members: ['user:a'] }];
  const write = (v: { version?: number; etag?: string }): IamPolicy => ({ bindings: [{ role: 'roles/viewer', members: ['user:a'] }], ...v });
  for (const version of [0, 1]) {
    const r = checkVersion(stored, write({ version, etag: 'x' }), 'spec');
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : r.errors.map((e) => [e.code, e.path]), [['BINDINGS_INVALID_VERSION', 'spec.version']]);
  }
  assert.equal(checkVersion(stored, write({ version: 3, etag: 'x' })).ok, true);
  assert.equal(checkVersion(stored, write({ etag: 'x' })).ok, true, 'no version is the latest');
  assert.equal(checkVersion(stored, write({ version: 1 })).ok, true, 'without an etag it overwrites, as GCP allows');
  assert.equal(checkVersion(plainStored, write({ version: 1, etag: 'x' })).ok, true);
  assert.equal(checkVersion([], write({ version: 1, etag: 'x' })).ok, true);
});

test('sameEtag: the same bytes in any base64 spelling (review hs, 3); other bytes or text never', () => {
  assert.ok(sameEtag('mtcf0F7uPfk=', 'mtcf0F7uPfk'));
  assert.ok(sameEtag('ab+/AAAAAAA=', 'ab-_AAAAAAA'));
  assert.ok(sameEtag('ab+/AAAAAAA=', 'ab-_AAAAAAA='));
  assert.ok(!sameEtag('mtcf0F7uPfk=', 'mtcf0F7uPfg='));
  assert.ok(!sameEtag('mtcf0F7uPfk=', 'mtcf0F7uPf'));
  assert.ok(!sameEtag('mtcf0F7uPfk=', 'mtcf0F7uPfk=AA'));
  assert.ok(!sameEtag('not base64!', 'not base64'));
  const current = computeEtag({ bindings: [] }, { resource: 'r', revision: 1 });
  assert.equal(checkEtag(current, current.replace(/=+$/, '')).ok, true);
});
