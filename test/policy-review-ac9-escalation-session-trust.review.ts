/**
 * Review ac, finding 9: escalation-paths missed a step to a role whose trust policy names one session of another role
 * (`Principal: {AWS: "arn:aws:sts::A:assumed-role/ci/deploy-bot"}`). Whoever becomes `ci` chooses its session's name
 * (RoleSessionName), so it can assume `prod` as `deploy-bot`; escalation asked AssumeRole only as `ci` with no session
 * of that name, and found no step: user dev → ci → prod (which may do anything) was not reported, nor `anyRight`.
 * Real server (SQLite), SigV4-signed `/v1/` requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let A = '';
const V = '2012-10-17';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

before(async () => {
  s = await startTestServer();
  A = s.adminFile.AccountId;
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'dev', { inlinePolicies: { p: { Version: V, Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${A}:role/ci` }] } } }),
      doc('Role', 'ci', {
        trustPolicy: { Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }] },
        inlinePolicies: { chain: { Version: V, Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } },
      }),
      doc('Role', 'prod', {
        trustPolicy: { Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:sts::${A}:assumed-role/ci/deploy-bot` }, Action: 'sts:AssumeRole' }] },
        inlinePolicies: { all: { Version: V, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
});
after(() => s?.stop());

describe('escalation through a session a trust policy names (review ac, 9)', () => {
  it('the session can assume prod: /v1/authorize says so', async () => {
    const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:sts::${A}:assumed-role/ci/deploy-bot`, action: 'sts:AssumeRole', resource: `arn:aws:iam::${A}:role/prod` });
    assert.equal(a.json['decision'], 'Allow', JSON.stringify(a.json));
  });

  it('dev → ci → prod is a path, and dev can gain any right', async () => {
    const e = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/dev` });
    assert.equal(e.status, 200, JSON.stringify(e.json));
    const report = (e.json['reports'] as { canBecome: { principal: string; path: { from: string; to: string }[] }[]; anyRight: boolean }[])[0];
    const prod = report?.canBecome.find((c) => c.principal === `arn:aws:iam::${A}:role/prod`);
    assert.deepEqual(prod?.path.map((p) => p.to), [`arn:aws:iam::${A}:role/ci`, `arn:aws:iam::${A}:role/prod`], JSON.stringify(report));
    assert.equal(report?.anyRight, true);
  });
});
