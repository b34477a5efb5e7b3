/**
 * Review so, 2. A Kubernetes question that stands for several requests (`kubernetes:get` on a namespace's `secrets`
 * with no name: every secret) is refused when IAM denies one of them, as the SubjectAccessReview webhook refuses it
 * (src/app/kube.ts `coveredDeny`). The authorize API answered that ExplicitDeny with `matched: []`: the Deny statement
 * that decided was named nowhere but inside the text of an AccessDenied message ("with an explicit deny in an
 * identity-based policy", no policy, no statement), so `gatehouse authorize`/`simulate` printed no `denied by` line, and
 * the audit record of the denial named no rule. The contract: DESIGN.md, "Every decision can explain itself (which policy
 * and statement, binding or rule decided)"; issue 8, "the deciding rules per engine".
 *
 * Now the engine's deny carries the Deny statements that refuse the covered request (`engine: iam`, policy, statement,
 * Sid), as an ExplicitDeny of the question's own resource does. Real server (SQLite), SigV4-signed /v1/ calls, the CLI
 * in process.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecords, cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const C = `arn:aws:training::${ROOT}:cluster/so2`;
const DEV = `arn:aws:iam::${ROOT}:role/dev`;
const SECRETS = `${C}/namespaces/ml/secrets`;
const RBAC = 'rbac.authorization.k8s.io';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const NO_DB = { engine: 'iam', policy: 'role/dev/nodb', type: 'identity', statement: 0, sid: 'NoDb', effect: 'Deny' };

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] };
  const nodb = { Version: '2012-10-17', Statement: [{ Sid: 'NoDb', Effect: 'Deny', Action: 'kubernetes:get', Resource: `${SECRETS}/db` }] };
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Role', 'dev', { trustPolicy: trust, inlinePolicies: { nodb } }), doc('Cluster', 'so2', {})] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const entry = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/so2/access-entries', { principalArn: DEV, kubernetesGroups: ['readers'] });
  assert.equal(entry.status, 201, JSON.stringify(entry.json));
  const rbac = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    cluster: 'so2',
    documents: [
      { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'r', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'b', namespace: 'ml' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'r' }, subjects: [{ kind: 'Group', name: 'readers', apiGroup: RBAC }] },
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
});
after(() => s?.stop());

test('the answer names the Deny that refuses a covered request, in authorize and simulate', async () => {
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', path, { principal: DEV, action: 'kubernetes:get', resource: SECRETS });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const a = r.json as { decision: string; matched: Record<string, unknown>[] };
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
    assert.deepEqual(a.matched, [NO_DB], `${path}: ${JSON.stringify(a)}`);
  }
  // The secret itself is denied by the same statement, named the same way.
  const one = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: DEV, action: 'kubernetes:get', resource: `${SECRETS}/db` });
  assert.deepEqual((one.json as { matched: Record<string, unknown>[] }).matched.filter((m) => m['effect'] === 'Deny'), [NO_DB]);
});

test('gatehouse authorize prints which statement denied', async () => {
  const r = await cliAgainst(s, ['authorize', '--principal', DEV, '--action', 'kubernetes:get', '--resource', SECRETS]);
  assert.equal(r.status, 1, r.err);
  assert.ok(r.out.split('\n').includes('  denied by iam identity `role/dev/nodb` statement 0 (Sid `NoDb`)'), r.out);
});

test('the audit record of the denial names the statement', async () => {
  const records = await auditRecords(s, { action: 'kubernetes:get', decision: 'ExplicitDeny' });
  const denial = records.find((x) => x.resource === SECRETS);
  assert.ok(denial !== undefined, JSON.stringify(records));
  assert.deepEqual((denial.detail as { matched?: unknown })?.matched, [NO_DB], JSON.stringify(denial));
});
