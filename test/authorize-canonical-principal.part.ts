/**
 * The authorize API decides about the principal an ARN names as enforcement sees it (review N):
 * - N1: an ARN spelling the user's or role's name in another case, or in the other dialect's form, is decided with
 *   the entity's canonical ARN, so a resource policy's explicit deny naming it applies, and the asker's
 *   `gatehouse:Authorize` deny on the canonical ARN refuses the question; an ARN with a path that is not the
 *   entity's names no entity (as STS refuses a role ARN with another path).
 * - N5: a disabled user, and a session named by ARN whose sessions (or whose role's sessions) were revoked, are not
 *   allowed: an implicit deny saying why.
 * - N9: `deniedBy` names the boundary or the session policy when that is what cut a binding's grant.
 * Real server (SQLite), `POST /v1/authorize` signed by SigV4.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const V = '2012-10-17';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const trustRoot = inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' });
const allowSvc = inline({ Effect: 'Allow', Action: 'svc:*', Resource: '*' });

const DENY_ALICE = `arn:aws:svc:us-east-1:${A}:thing/denyalice`;
const DENY_S1 = `arn:aws:svc:us-east-1:${A}:thing/denys1`;
const DENY_PATHED = `arn:aws:svc:us-east-1:${A}:thing/denypathed`;
const MODEL = `arn:aws:training::${A}:model/m5`;

let server: TestServer;
let rs: Credentials;

interface Answer {
  decision: string;
  reasons: string[];
  diagnostics: string[];
  deniedBy?: string;
}

async function ask(who: Credentials, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseJson(server.url, who, 'POST', '/v1/authorize', body);
}

async function answer(who: Credentials, body: Record<string, unknown>, path = '/v1/authorize'): Promise<Answer> {
  const r = await gatehouseJson(server.url, who, 'POST', path, body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
}

async function keyOf(user: string): Promise<Credentials> {
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: user });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

async function resourcePolicy(resource: string, statement: Record<string, unknown>): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document: inline(statement) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', { inlinePolicies: { main: allowSvc } }),
      doc('User', 'frank', { inlinePolicies: { main: allowSvc } }),
      doc('User', 'gina', { inlinePolicies: { main: allowSvc } }),
      doc('Policy', 'bnd', { document: inline({ Effect: 'Allow', Action: 'svc:Read*', Resource: '*' }) }),
      doc('User', 'carol', { permissionsBoundary: 'bnd' }),
      doc('User', 'rs', {
        inlinePolicies: {
          ask: inline(
            { Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' },
            { Effect: 'Deny', Action: 'gatehouse:Authorize', Resource: [`arn:aws:iam::${A}:user/frank`, `arn:aws:sts::${A}:assumed-role/r1/*`, `arn:aws:iam::${A}:role/r1`] },
          ),
        },
      }),
      doc('Role', 'r1', { trustPolicy: trustRoot, inlinePolicies: { main: allowSvc } }),
      doc('Role', 'r2', { trustPolicy: trustRoot }),
      doc('Role', 'r3', { trustPolicy: trustRoot, inlinePolicies: { main: allowSvc } }),
      doc('IamPolicy', 'm5', {
        resource: MODEL,
        bindings: [{ role: 'roles/ml.viewer', members: ['user:carol', `serviceAccount:r2@${A}.iam.gatehouse.dev`] }],
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  // A role with a path, made through the IAM API (YAML documents carry no path).
  const iam = server.iam();
  await iam.send(new CreateRoleCommand({ RoleName: 'pathed', Path: '/svc/', AssumeRolePolicyDocument: JSON.stringify(trustRoot) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'pathed', PolicyName: 'main', PolicyDocument: JSON.stringify(allowSvc) }));
  rs = await keyOf('rs');
  await resourcePolicy(DENY_ALICE, { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'svc:*', Resource: '*' });
  await resourcePolicy(DENY_S1, { Effect: 'Deny', Principal: { AWS: `arn:aws:sts::${A}:assumed-role/r1/s1` }, Action: 'svc:*', Resource: '*' });
  await resourcePolicy(DENY_PATHED, { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:role/svc/pathed` }, Action: 'svc:*', Resource: '*' });
});

after(async () => {
  await server?.stop();
});

describe('N1: an ARN in another spelling is decided as the entity it names', () => {
  test('a resource policy denying a user applies whatever the case or dialect of the ARN asked', async () => {
    for (const principal of [`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:user/ALICE`, `arn:aws:iam::${A}:user/Alice`, `acs:ram::${A}:user/alice`]) {
      const a = await answer(server.admin, { principal, action: 'svc:Read', resource: DENY_ALICE });
      assert.equal(a.decision, 'ExplicitDeny', `${principal}: ${JSON.stringify(a)}`);
    }
    // The same question in simulation.
    const s = await answer(server.admin, { principal: `arn:aws:iam::${A}:user/ALICE`, action: 'svc:Read', resource: DENY_ALICE }, '/v1/simulate');
    assert.equal(s.decision, 'ExplicitDeny', JSON.stringify(s));
    // Elsewhere alice is allowed, in any case.
    assert.equal((await answer(server.admin, { principal: `arn:aws:iam::${A}:user/ALICE`, action: 'svc:Read', resource: `arn:aws:svc:us-east-1:${A}:thing/x` })).decision, 'Allow');
  });

  test('a resource policy denying a session applies when the role is named in another case', async () => {
    for (const principal of [`arn:aws:sts::${A}:assumed-role/r1/s1`, `arn:aws:sts::${A}:assumed-role/R1/s1`, `acs:ram::${A}:role/R1/s1`]) {
      const a = await answer(server.admin, { principal, action: 'svc:Read', resource: DENY_S1 });
      assert.equal(a.decision, 'ExplicitDeny', `${principal}: ${JSON.stringify(a)}`);
    }
  });

  test('a role with a path: its ARN in another case is decided as the role; without its path it names no role', async () => {
    const a = await answer(server.admin, { principal: `arn:aws:iam::${A}:role/svc/PATHED`, action: 'svc:Read', resource: DENY_PATHED });
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
    for (const principal of [`arn:aws:iam::${A}:role/pathed`, `arn:aws:iam::${A}:role/other/pathed`]) {
      const r = await ask(server.admin, { principal, action: 'svc:Read', resource: DENY_PATHED });
      assert.equal(r.status, 404, `${principal}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /does not exist/);
    }
    // Its sessions' ARNs carry no path.
    const s = await answer(server.admin, { principal: `arn:aws:sts::${A}:assumed-role/Pathed/s`, action: 'svc:Read', resource: DENY_PATHED });
    assert.equal(s.decision, 'ExplicitDeny', JSON.stringify(s));
  });

  test('a user ARN with a path that is not the user\'s names no user', async () => {
    for (const principal of [`arn:aws:iam::${A}:user/p/alice`, `arn:aws:iam::${A}:user/p/frank`, `acs:ram::${A}:user/p/alice`]) {
      const r = await ask(server.admin, { principal, action: 'svc:Read', resource: DENY_ALICE });
      assert.equal(r.status, 404, `${principal}: ${JSON.stringify(r.json)}`);
    }
  });

  test('the asker\'s deny on the canonical ARN refuses the question, whatever the spelling', async () => {
    const other = { action: 'svc:Read', resource: `arn:aws:svc:us-east-1:${A}:thing/x` };
    // Denied on the ARN as asked: refused before anything is looked up.
    // So is the same ARN in the other dialect's spelling: a Deny applies in either (review jh, 3), and it depends on the
    // spelling asked and the asker's policies alone, not on whether anyone has that name.
    for (const principal of [`arn:aws:iam::${A}:user/frank`, `arn:aws:sts::${A}:assumed-role/r1/s`, `arn:aws:iam::${A}:role/r1`, `acs:ram::${A}:user/frank`]) {
      const r = await ask(rs, { principal, ...other });
      assert.equal(r.status, 403, `${principal}: ${JSON.stringify(r.json)}`);
    }
    // Allowed on the spelling but denied on the entity it resolves to: answered as an ARN that names no one, so the
    // refusal does not tell the asker that the entity exists.
    const nobody = await ask(rs, { principal: `arn:aws:iam::${A}:user/NOBODY`, ...other });
    assert.equal(nobody.status, 404, JSON.stringify(nobody.json));
    const roleless = await ask(rs, { principal: `arn:aws:sts::${A}:assumed-role/NOROLE/s`, ...other });
    assert.equal(roleless.status, 404, JSON.stringify(roleless.json));
    const shape = (j: Record<string, unknown>, name: string): string => JSON.stringify(j).replaceAll(name, '<name>');
    for (const [principal, name, like, likeName] of [
      [`arn:aws:iam::${A}:user/FRANK`, 'FRANK', nobody, 'NOBODY'],
      [`arn:aws:sts::${A}:assumed-role/R1/s`, 'R1', roleless, 'NOROLE'],
      [`acs:ram::${A}:role/R1/s`, 'R1', roleless, 'NOROLE'],
      [`arn:aws:iam::${A}:role/R1`, 'R1', roleless, 'NOROLE'],
    ] as const) {
      const r = await ask(rs, { principal, ...other });
      assert.equal(r.status, 404, `${principal}: ${JSON.stringify(r.json)}`);
      const said = JSON.stringify(r.json);
      for (const canonical of [`arn:aws:iam::${A}:user/frank`, `arn:aws:iam::${A}:role/r1`, `arn:aws:sts::${A}:assumed-role/r1/`, 'gatehouse:Authorize']) {
        assert.ok(!said.includes(canonical), `${principal}: names nothing of the entity (${canonical}): ${said}`);
      }
      if (!principal.startsWith('acs:')) assert.equal(shape(r.json, name), shape(like.json, likeName), principal);
    }
    // A path that is not frank's names no one: never frank's answer.
    const p = await ask(rs, { principal: `arn:aws:iam::${A}:user/p/frank`, ...other });
    assert.equal(p.status, 404, JSON.stringify(p.json));
    // What rs may ask about is still answered.
    const g = await ask(rs, { principal: `arn:aws:iam::${A}:user/GINA`, ...other });
    assert.equal(g.status, 200, JSON.stringify(g.json));
    assert.equal(g.json['decision'], 'Allow');
  });
});

describe('N5: principals that enforcement refuses are not allowed', () => {
  test('a disabled user: an implicit deny saying so; enabled again, allowed', async () => {
    const q = { principal: `arn:aws:iam::${A}:user/gina`, action: 'svc:Read', resource: `arn:aws:svc:us-east-1:${A}:thing/x` };
    assert.equal((await answer(server.admin, q)).decision, 'Allow');
    const d = await gatehouseJson(server.url, server.admin, 'POST', '/v1/users/gina/disable');
    assert.equal(d.status, 200, JSON.stringify(d.json));
    for (const principal of [q.principal, `arn:aws:iam::${A}:user/GINA`]) {
      const a = await answer(server.admin, { ...q, principal });
      assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
      assert.ok(a.reasons[0]?.includes('is disabled'), JSON.stringify(a));
      const s = await answer(server.admin, { ...q, principal }, '/v1/simulate');
      assert.equal(s.decision, 'ImplicitDeny', JSON.stringify(s));
    }
    const e = await gatehouseJson(server.url, server.admin, 'POST', '/v1/users/gina/enable');
    assert.equal(e.status, 200, JSON.stringify(e.json));
    assert.equal((await answer(server.admin, q)).decision, 'Allow');
  });

  test('a session named by ARN whose sessions were revoked: an implicit deny; another session and the role are allowed', async () => {
    const resource = `arn:aws:svc:us-east-1:${A}:thing/x`;
    const s1 = `arn:aws:sts::${A}:assumed-role/r3/s1`;
    assert.equal((await answer(server.admin, { principal: s1, action: 'svc:Read', resource })).decision, 'Allow');
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/sts/revoke-sessions', { sessionArn: s1 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const principal of [s1, `arn:aws:sts::${A}:assumed-role/R3/s1`, `acs:ram::${A}:role/r3/s1`]) {
      const a = await answer(server.admin, { principal, action: 'svc:Read', resource });
      assert.equal(a.decision, 'ImplicitDeny', `${principal}: ${JSON.stringify(a)}`);
      assert.ok(a.reasons[0]?.includes('were revoked'), JSON.stringify(a));
    }
    assert.equal((await answer(server.admin, { principal: `arn:aws:sts::${A}:assumed-role/r3/s2`, action: 'svc:Read', resource })).decision, 'Allow');
    // Every session of the role: each session ARN refused, the role itself (its rights) still answered.
    const all = await gatehouseJson(server.url, server.admin, 'POST', '/v1/sts/revoke-sessions', { roleArn: `arn:aws:iam::${A}:role/r3` });
    assert.equal(all.status, 200, JSON.stringify(all.json));
    assert.equal((await answer(server.admin, { principal: `arn:aws:sts::${A}:assumed-role/r3/s2`, action: 'svc:Read', resource })).decision, 'ImplicitDeny');
    assert.equal((await answer(server.admin, { principal: `arn:aws:iam::${A}:role/r3`, action: 'svc:Read', resource })).decision, 'Allow');
  });
});

describe('N9: deniedBy names what cut a binding\'s grant', () => {
  test('the permissions boundary', async () => {
    const a = await answer(server.admin, { principal: `arn:aws:iam::${A}:user/carol`, action: 'training:GetModel', resource: MODEL });
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.equal(a.deniedBy, 'boundary', JSON.stringify(a));
  });

  test('the session policy of the session that asks', async () => {
    const sts = server.sts(server.admin);
    const r = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/r2`, RoleSessionName: 'narrow', Policy: JSON.stringify(inline({ Effect: 'Allow', Action: 'svc:Read', Resource: '*' })) }));
    const c = r.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    const session: Credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const a = await answer(session, { action: 'training:GetModel', resource: MODEL });
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.equal(a.deniedBy, 'session', JSON.stringify(a));
    // Without the session policy, the binding allows.
    assert.equal((await answer(server.admin, { principal: `arn:aws:iam::${A}:role/r2`, action: 'training:GetModel', resource: MODEL })).decision, 'Allow');
  });
});
