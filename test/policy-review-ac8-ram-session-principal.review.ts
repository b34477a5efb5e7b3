/**
 * Review ac, finding 8: a policy naming a RAM role session as its principal, `acs:ram::A:role/ROLE/SESSION` (the form
 * the engine matches a RAM session by, src/core/iam/compile.ts), was refused at write: `MalformedPolicyDocument:
 * Invalid principal in policy: "RAM":"acs:ram::A:role/ops/s-1" (no role `s-1` …)`. The existence check
 * (src/app/principal-refs.ts) read it as role `s-1` under a path `ops/`, but RAM roles have no path; the AWS form of a
 * session ARN (`arn:aws:sts::A:assumed-role/R/S`) is not checked at all. So no RAM resource policy could grant one
 * session, and who-can's RAM session listing (review ac, 1) had nothing to list.
 * Real server (SQLite); an `acs` account made through /v1/apply; SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWhoCan } from '../src/app/who-can.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '111122223333';
const SESSION = `acs:ram::${A}:role/ops/s-1`;
let s: TestServer;
let admin: Credentials;

before(async () => {
  s = await startTestServer();
  const app = s.running.app;
  // As src/app/index.ts wires it once patched (review ac, 1).
  app.whoCan = createWhoCan(app.directory, app.authorizer.simulate, app.resourcePolicies);
  const account = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: A }, spec: { partition: 'acs' } }] });
  assert.equal(account.status, 200, JSON.stringify(account.json));
  const c = (account.json['credentials'] as { AccessKeyId: string; SecretAccessKey: string }[])[0];
  admin = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '' };
  const role = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ops' }, spec: { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${A}:root`] } }] } } }],
  });
  assert.equal(role.status, 200, JSON.stringify(role.json));
});
after(() => s?.stop());

describe('a RAM session ARN as a policy principal (review ac, 8)', () => {
  it('is accepted in a bucket policy, decided Allow for that session, and listed by who-can', async () => {
    const put = await gatehouseJson(s.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent('acs:oss:*:*:bkt')}`, {
      document: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [SESSION] }, Action: 'oss:GetObject', Resource: 'acs:oss:*:*:bkt/*' }] },
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const decided = await gatehouseJson(s.url, admin, 'POST', '/v1/authorize', { principal: SESSION, action: 'oss:GetObject', resource: 'acs:oss:*:*:bkt/x' });
    assert.equal(decided.json['decision'], 'Allow', JSON.stringify(decided.json));
    const who = await gatehouseJson(s.url, admin, 'POST', '/v1/who-can', { action: 'oss:GetObject', resource: 'acs:oss:*:*:bkt/x' });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    const sessions = (who.json['allowed'] as { kind: string; name: string; principal: string }[]).filter((x) => x.kind === 'session');
    assert.deepEqual(sessions.map((x) => [x.name, x.principal]), [['ops/s-1', SESSION]]);
  });

  it('a role that does not exist is still refused (the check stays for roles and users)', async () => {
    const put = await gatehouseJson(s.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent('acs:oss:*:*:bkt2')}`, {
      document: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:role/ghost`] }, Action: 'oss:GetObject', Resource: 'acs:oss:*:*:bkt2/*' }] },
    });
    assert.equal(put.status, 400, JSON.stringify(put.json));
    assert.match(JSON.stringify(put.json), /Invalid principal in policy/);
  });
});
