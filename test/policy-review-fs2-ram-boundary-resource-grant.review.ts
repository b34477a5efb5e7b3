/**
 * Policy review fs, 2: in an `acs` account a permissions boundary did not limit a bucket policy's grant to a role or to
 * everyone. A boundary may be set on a RAM user or role (review fn, 4 takes RAM's ARNs for it), and the reference
 * (§A.1.2, the same-account table) says what it does to a resource policy's grant: not applied when the grant names the
 * user or the session itself, applied when it names the role (any session of it) — and Gatehouse applies it to a grant
 * to everyone (`*`) likewise (docs/semantics.md rule 3). The `acs` path read any grant stronger than the account as
 * enough alone: a role capped by its boundary to reading `models/` had its sessions allowed to read `secret/` by a bucket
 * policy open to everyone or naming the role, where the same role of an `aws` account is refused (ImplicitDeny, by its
 * boundary). Real server, `acs` account made through /v1/apply, SigV4-signed /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '505147604050';
const BUCKET = 'fs2-data';
let s: TestServer;
let admin: Credentials;

const apply = async (caller: Credentials, documents: unknown[]): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, caller, 'POST', '/v1/apply', { documents });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};
const doc = (kind: string, name: string, spec: unknown) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

const decide = async (principal: string, key: string): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'oss:GetObject', resource: `acs:oss:*:*:${BUCKET}/${key}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

before(async () => {
  s = await startTestServer();
  const made = await apply(s.admin, [doc('Account', A, { partition: 'acs' })]);
  const c = (made['credentials'] as { AccessKeyId: string; SecretAccessKey: string }[])[0];
  admin = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '' };
  const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${A}:root`] } }] };
  await apply(admin, [
    // The cap: the role's sessions may at most read models/.
    doc('Policy', 'models-only', { document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: `acs:oss:*:*:${BUCKET}/models/*` }] } }),
    doc('Role', 'trainer', { trustPolicy: trust, permissionsBoundary: 'models-only' }),
    doc('Role', 'free', { trustPolicy: trust }),
  ]);
  const r = await gatehouseJson(s.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(`acs:oss:*:*:${BUCKET}`)}`, {
    document: {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Principal: ['*'], Action: 'oss:GetObject', Resource: [`acs:oss:*:*:${BUCKET}/models/*`, `acs:oss:*:*:${BUCKET}/public/*`] },
        { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:role/trainer`, `acs:ram::${A}:role/free`] }, Action: 'oss:GetObject', Resource: `acs:oss:*:*:${BUCKET}/secret/*` },
        { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:role/trainer/named`] }, Action: 'oss:GetObject', Resource: `acs:oss:*:*:${BUCKET}/session/*` },
      ],
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => s?.stop());

describe('a permissions boundary limits a RAM bucket policy’s grant to the role or to everyone (review fs, 2)', () => {
  it('within the boundary, the bucket policy grants', async () => {
    assert.equal((await decide(`acs:ram::${A}:role/trainer/s1`, 'models/m.bin'))['decision'], 'Allow');
  });

  it('a grant to everyone is limited by the boundary', async () => {
    const d = await decide(`acs:ram::${A}:role/trainer/s1`, 'public/p.txt');
    assert.equal(d['decision'], 'ImplicitDeny', JSON.stringify(d));
    assert.equal(d['deniedBy'], 'boundary');
    assert.equal((await decide(`acs:ram::${A}:role/free/s1`, 'public/p.txt'))['decision'], 'Allow', 'a role without a boundary is granted');
  });

  it('a grant naming the role is limited by the boundary', async () => {
    const d = await decide(`acs:ram::${A}:role/trainer/s1`, 'secret/k.txt');
    assert.equal(d['decision'], 'ImplicitDeny', JSON.stringify(d));
    assert.equal(d['deniedBy'], 'boundary');
    assert.equal((await decide(`acs:ram::${A}:role/free/s1`, 'secret/k.txt'))['decision'], 'Allow');
  });

  it('a grant naming the session itself is not limited by the boundary', async () => {
    assert.equal((await decide(`acs:ram::${A}:role/trainer/named`, 'session/x.txt'))['decision'], 'Allow');
  });
});
