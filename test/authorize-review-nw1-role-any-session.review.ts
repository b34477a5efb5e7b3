/**
 * Review nw, 1. A role asked about by its ARN stands for any session of it (reference policy-semantics.md §A.1.2, the
 * same-account table: "IAM role | any session of that role | … | boundary applied | session policy applied"; only a
 * resource policy naming the *session's* ARN lifts the boundary, and only for that session). The authorize API,
 * `simulate` and who-can decide such a question as a session of the role under a made-up name, `session`
 * (docs/engine-api.md), and the engine matched that made-up session against statements naming a session ARN. So a
 * bucket policy granting `arn:aws:sts::A:assumed-role/R/session` — one session name, which an assumer may or may not
 * pick — answered the question about role R (any session) Allow, "allowed by a resource policy that names this
 * principal", past R's permissions boundary and for a role with no policy at all, while a session of R under any other
 * name is refused; who-can listed the role itself as allowed, unconditionally, with everyone who can assume it; and a
 * `NotPrincipal` Deny listing the role and that one session spared the role asked about, although every other session
 * of it is denied.
 *
 * Now such a principal is named by no statement naming one session (`Principal.anySession`), except to be denied (a
 * Deny naming it still applies, failing closed); the session named keeps its grant, and who-can lists it as a session.
 *
 * Before the fix 3 of 4 tests failed. Real server (SQLite), SigV4-signed requests, STS AssumeRole with the AWS SDK.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const BUCKET = 'arn:aws:s3:::nw1-data';
const OBJECT = `${BUCKET}/a.csv`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const role = (name: string) => `arn:aws:iam::${ROOT}:role/${name}`;
const literal = (name: string) => `arn:aws:sts::${ROOT}:assumed-role/${name}/session`;

let s: TestServer;
let asker: Credentials;

before(async () => {
  s = await startTestServer();
  const trust = inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Policy', 'nw1-ec2-only', { document: inline({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }) }),
      // Its identity policy allows s3:*, its boundary none of it: only a grant naming one of its sessions lets a session in.
      doc('Role', 'bounded', { trustPolicy: trust, inlinePolicies: { s3: inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }, permissionsBoundary: 'nw1-ec2-only' }),
      doc('Role', 'bare', { trustPolicy: trust }),
      doc('User', 'gate', { inlinePolicies: { ask: inline({ Effect: 'Allow', Action: ['gatehouse:Authorize', 'sts:AssumeRole'], Resource: '*' }) } }),
      doc('ResourcePolicy', 'nw1-data', {
        resource: BUCKET,
        document: inline(
          { Sid: 'OneSession', Effect: 'Allow', Principal: { AWS: [literal('bounded'), literal('bare')] }, Action: 's3:GetObject', Resource: `${BUCKET}/*` },
          { Sid: 'AllButOne', Effect: 'Deny', NotPrincipal: { AWS: [`arn:aws:iam::${ROOT}:root`, role('bare'), literal('bare')] }, Action: 's3:PutObjectAcl', Resource: `${BUCKET}/*` },
        ),
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: 'gate' });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  asker = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
  await s.running.app.refresh();
});
after(() => s?.stop());

async function sessionOf(name: string, sessionName: string): Promise<Credentials> {
  const out = await s.sts(asker).send(new S.AssumeRoleCommand({ RoleArn: role(name), RoleSessionName: sessionName }));
  const c = out.Credentials;
  assert.ok(c?.AccessKeyId !== undefined && c.SecretAccessKey !== undefined && c.SessionToken !== undefined);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

test('a role asked about by its ARN is not allowed by a statement naming one session of it', async () => {
  for (const [name, deniedBy] of [['bounded', 'boundary'], ['bare', 'identity']] as const) {
    for (const route of ['authorize', 'simulate']) {
      const r = await gatehouseJson(s.url, asker, 'POST', `/v1/${route}`, { principal: role(name), action: 's3:GetObject', resource: OBJECT });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['decision'], 'ImplicitDeny', `${route} ${name}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json['deniedBy'], deniedBy, `${route} ${name}: ${JSON.stringify(r.json)}`);
    }
    // As a session of it under another name is refused, signing itself.
    const other = await gatehouseJson(s.url, await sessionOf(name, 'nightly'), 'POST', '/v1/authorize', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(other.json['decision'], 'ImplicitDeny', JSON.stringify(other.json));
  }
});

test('the session the statement names keeps its grant, past the boundary', async () => {
  for (const name of ['bounded', 'bare']) {
    const own = await gatehouseJson(s.url, await sessionOf(name, 'session'), 'POST', '/v1/authorize', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(own.json['decision'], 'Allow', JSON.stringify(own.json));
    const byArn = await gatehouseJson(s.url, asker, 'POST', '/v1/authorize', { principal: literal(name), action: 's3:GetObject', resource: OBJECT });
    assert.equal(byArn.json['decision'], 'Allow', JSON.stringify(byArn.json));
  }
});

test('NotPrincipal listing the role and one session of it does not spare the role asked about', async () => {
  const r = await gatehouseJson(s.url, asker, 'POST', '/v1/authorize', { principal: role('bare'), action: 's3:PutObjectAcl', resource: OBJECT });
  assert.equal(r.json['decision'], 'ExplicitDeny', JSON.stringify(r.json));
  assert.equal(r.json['deniedBy'], 'resource', JSON.stringify(r.json));
  // Every other session of it is denied; the one listed is not.
  const other = await gatehouseJson(s.url, await sessionOf('bare', 'nightly'), 'POST', '/v1/authorize', { action: 's3:PutObjectAcl', resource: OBJECT });
  assert.equal(other.json['decision'], 'ExplicitDeny', JSON.stringify(other.json));
  const listed = await gatehouseJson(s.url, await sessionOf('bare', 'session'), 'POST', '/v1/authorize', { action: 's3:PutObjectAcl', resource: OBJECT });
  assert.equal(listed.json['decision'], 'ImplicitDeny', JSON.stringify(listed.json));
});

test('who-can lists the sessions the statement names, not their roles', async () => {
  const w = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
  assert.equal(w.status, 200, JSON.stringify(w.json));
  const allowed = (w.json['allowed'] as { principal: string }[]).map((a) => a.principal);
  assert.ok(!allowed.includes(role('bounded')) && !allowed.includes(role('bare')), JSON.stringify(allowed));
  assert.ok(allowed.includes(literal('bounded')) && allowed.includes(literal('bare')), JSON.stringify(allowed));
});
