import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, principalFromArn, type Principal } from '../core/iam/index.ts';
import { PolicyCache } from './principals.ts';
import { RESOURCE_POLICY_PREFIX, ResourcePolicies, resourcePolicyKey } from './resource-policies.ts';
import { UNREADABLE_SID, unreadableLog } from './unreadable-policy.ts';
import type { AppDeps } from './deps.ts';
import type { ReadTx } from './ports/store.ts';

const alice = (): Principal => {
  const p = principalFromArn('arn:aws:iam::111111111111:user/alice');
  assert.ok(p.ok);
  return p.value;
};
const allowAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
const brokenDeny = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'svc Write', Resource: '*' }] });

test('PolicyCache: a stored document that no longer parses denies every request it governs, and is logged once', () => {
  const logs: string[] = [];
  const cache = new PolicyCache(100, unreadableLog((l) => void logs.push(l)));
  const identity = [cache.get('allow-all', allowAll), cache.get('arn:aws:iam::111111111111:policy/no-writes', brokenDeny)];
  cache.get('arn:aws:iam::111111111111:policy/no-writes', brokenDeny);
  for (const action of ['svc:Write', 'svc:Read']) {
    const d = evaluate({ principal: alice(), action, resource: 'arn:aws:svc:us-east-1:111111111111:thing/x', time: 0 }, { identity }, { explain: true });
    assert.equal(d.decision, 'ExplicitDeny', action);
    assert.ok(d.matched.some((m) => m.sid === UNREADABLE_SID && m.policy === 'arn:aws:iam::111111111111:policy/no-writes'));
  }
  assert.equal(logs.length, 1, logs.join('\n'));
  assert.match(logs[0] ?? '', /CANNOT READ the stored policy `arn:aws:iam::111111111111:policy\/no-writes`/);
  // A trust policy too: nobody may assume the role (before: no trust policy at all, `undefined`).
  const trust = cache.get('trust:r', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"nobody"},"Action":"sts:AssumeRole"}]}', 'trust');
  const d = evaluate({ principal: alice(), action: 'sts:AssumeRole', resource: 'arn:aws:iam::111111111111:role/r', time: 0 }, { identity: [cache.get('allow-all', allowAll)], trust });
  assert.equal(d.decision, 'ExplicitDeny');
});

/** A read transaction holding only key/value entries. */
function kvTx(entries: Record<string, string>): ReadTx {
  const kv = {
    get: async (k: string) => entries[k],
    list: async (prefix: string) => Object.entries(entries).filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value })),
  };
  return { kv } as unknown as ReadTx;
}

const record = (resource: string, account: string, document: string) => JSON.stringify({ resource, account, document, updated: '2026-12-01T00:00:00Z' });
const grant = (resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: `${resource}/*` }] });

test('forResource: only the policies of the resource’s owner (the nearest that attached one) take part', async () => {
  const rp = new ResourcePolicies({ now: () => 0 } as unknown as AppDeps);
  await rp.refresh(1, kvTx({
    [resourcePolicyKey('arn:aws:s3:::b/private')]: record('arn:aws:s3:::b/private', '111111111111', grant('arn:aws:s3:::b/private')),
    [resourcePolicyKey('arn:aws:s3:::b')]: record('arn:aws:s3:::b', '222222222222', grant('arn:aws:s3:::b')),
  }));
  const inside = rp.forResource('arn:aws:s3:::b/private/secret');
  assert.equal(inside.account, '111111111111');
  assert.deepEqual(inside.policies.map((p) => p.name), ['resource policy of arn:aws:s3:::b/private']);
  const outside = rp.forResource('arn:aws:s3:::b/other');
  assert.equal(outside.account, '222222222222');
  assert.deepEqual(outside.policies.map((p) => p.name), ['resource policy of arn:aws:s3:::b']);
});

test('a resource policy record that is not one at all still governs its resource, and denies', async () => {
  const logs: string[] = [];
  const rp = new ResourcePolicies({ now: () => 0 } as unknown as AppDeps, unreadableLog((l) => void logs.push(l)));
  await rp.refresh(1, kvTx({ [`${RESOURCE_POLICY_PREFIX}arn:aws:s3:::c`]: '{not json', [resourcePolicyKey('arn:aws:s3:::c/x')]: record('arn:aws:s3:::c/x', '111111111111', grant('arn:aws:s3:::c/x')) }));
  const r = rp.forResource('arn:aws:s3:::c/x/y');
  assert.equal(r.account, '111111111111');
  assert.equal(r.policies.length, 2);
  const d = evaluate({ principal: alice(), action: 's3:GetObject', resource: 'arn:aws:s3:::c/x/y', resourceAccount: '111111111111', time: 0 }, { identity: [], resource: r.policies });
  assert.equal(d.decision, 'ExplicitDeny');
  assert.equal(logs.length, 1, logs.join('\n'));
});
