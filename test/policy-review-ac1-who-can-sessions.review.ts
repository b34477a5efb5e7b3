/**
 * Review ac, finding 1: who-can did not list a role session that a bucket policy names by its session ARN
 * (`arn:aws:sts::A:assumed-role/R/S`, `acs:ram::A:role/R/S`), though enforcement lets that session in on the policy
 * alone. An auditor asking "who can reach this bucket" missed it. Now each session of the caller's account that an
 * Allow statement of a governing resource policy names is asked about by its ARN through the same union, and listed as
 * kind `session`. Real server (SQLite) on 127.0.0.1, SigV4-signed `/v1/` requests, and the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { compilePolicy, parsePolicy } from '../src/core/iam/index.ts';
import { createWhoCan, sessionsNamed } from '../src/app/who-can.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const BUCKET = 'arn:aws:s3:::reports';
const OBJECT = `${BUCKET}/q3.csv`;
const SESSION = `arn:aws:sts::${ROOT}:assumed-role/auditor/alice`;
const DENIED_SESSION = `arn:aws:sts::${ROOT}:assumed-role/auditor/bob`;
const GHOST = `arn:aws:sts::${ROOT}:assumed-role/ghost/x1`;
const OTHER_ACCOUNT = 'arn:aws:sts::111111111111:assumed-role/r/s1';

interface Answer {
  readonly allowed: { kind: string; name: string; principal: string; matched: { policy: string; effect: string }[] }[];
  readonly checked: number;
  readonly note: string;
}

describe('who-can lists the sessions a resource policy names by ARN (review ac, 1)', () => {
  let s: TestServer;
  const whoCan = async (action: string, resource: string): Promise<Answer> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Answer;
  };

  before(async () => {
    s = await startTestServer();
    // The composition root passes the resource policies to who-can (src/app/index.ts; patch in notes/review-ac.md
    // while that file is not this review's): the same wiring, on the running server's app.
    const app = s.running.app;
    app.whoCan = createWhoCan(app.directory, app.authorizer.simulate, app.resourcePolicies);
    const iam = s.iam();
    const trust = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'auditor', AssumeRolePolicyDocument: trust }));
    // The other account exists: a resource policy may name only an account that does (review ey, 1).
    const made = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: '111111111111' }, spec: { partition: 'aws' } }] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const put = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`, {
      document: {
        Version: V,
        Statement: [
          { Sid: 'alice', Effect: 'Allow', Principal: { AWS: [SESSION, DENIED_SESSION, GHOST, OTHER_ACCOUNT] }, Action: 's3:GetObject', Resource: `${BUCKET}/*` },
          { Sid: 'notbob', Effect: 'Deny', Principal: { AWS: DENIED_SESSION }, Action: 's3:GetObject', Resource: `${BUCKET}/*` },
        ],
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
  after(() => s?.stop());

  it('lists the session the bucket policy lets in, as the authorize API decides it, and not the role', async () => {
    const decided = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: SESSION, action: 's3:GetObject', resource: OBJECT });
    assert.equal(decided.json['decision'], 'Allow', JSON.stringify(decided.json));
    const a = await whoCan('s3:GetObject', OBJECT);
    const sessions = a.allowed.filter((x) => x.kind === 'session');
    assert.deepEqual(sessions.map((x) => [x.name, x.principal]), [['auditor/alice', SESSION]], JSON.stringify(a));
    assert.ok(sessions[0]?.matched.some((m) => m.effect === 'Allow' && m.policy.includes(BUCKET)), JSON.stringify(sessions[0]));
    // The role itself (a session of it with no name the policy gives) is not let in.
    assert.ok(!a.allowed.some((x) => x.kind === 'role'), JSON.stringify(a));
    // Asked about: the root admin user, the role, and the two sessions of this account whose role exists.
    assert.equal(a.checked, 4, JSON.stringify(a));
    assert.doesNotMatch(a.note, /assumed-role\/ROLE\/SESSION\) .*are not listed/);
  });

  it('the CLI shows the session in its table', async () => {
    const r = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /session\s+auditor\/alice/);
    assert.match(r.out, /2 of 4 principal\(s\)/);
  });

  it('a resource without a policy naming sessions: the answer is as before', async () => {
    const a = await whoCan('s3:GetObject', 'arn:aws:s3:::elsewhere/k');
    assert.equal(a.checked, 2, JSON.stringify(a));
    assert.ok(!a.allowed.some((x) => x.kind === 'session'), JSON.stringify(a));
  });

  it('the RAM form of a session ARN is a session too; another account is no one of this account', () => {
    const doc = parsePolicy(JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: ['acs:ram::1234:role/ops/s-1', 'acs:ram::99:role/ops/s-1', 'acs:ram::1234:role/ops'] }, Action: 'oss:GetObject', Resource: '*' }] }), { kind: 'resource' });
    assert.ok(doc.ok, JSON.stringify(doc));
    const named = sessionsNamed([compilePolicy(doc.value, 'resource')], '1234');
    assert.deepEqual(named.map((x) => [x.kind, x.name, x.principal]), [['session', 'ops/s-1', 'acs:ram::1234:role/ops/s-1']]);
  });

  it('sts:AssumeRole on a role whose trust policy names one session of another role: that session is listed', async () => {
    const BOT = `arn:aws:sts::${ROOT}:assumed-role/ci/deploy-bot`;
    const PROD = `arn:aws:iam::${ROOT}:role/prod`;
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ci', PolicyName: 'chain', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'prod', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: BOT }, Action: 'sts:AssumeRole' }] }) }));
    const decided = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: BOT, action: 'sts:AssumeRole', resource: PROD });
    assert.equal(decided.json['decision'], 'Allow', JSON.stringify(decided.json));
    const a = await whoCan('sts:AssumeRole', PROD);
    assert.deepEqual(a.allowed.map((x) => [x.kind, x.name]), [['session', 'ci/deploy-bot']], JSON.stringify(a));
    // Another action on the role does not read its trust policy: no session is asked about.
    const other = await whoCan('iam:GetRole', PROD);
    assert.ok(!other.allowed.some((x) => x.kind === 'session'), JSON.stringify(other));
    assert.equal(other.checked, a.checked - 1);
  });
});
