/**
 * Review kt, finding 3: an AssumeRole allowed by a role trust policy was explained as "allowed by the role trust policy,
 * which names the caller" however the policy let the caller in: naming the caller itself, naming the role whose session
 * the caller is, or naming everyone (`"AWS": "*"`). A reviewer asking the authorize API (or `policy evaluate`) why a
 * user may assume a role read that the trust policy names that user, when it was open to every principal of every
 * account: the one answer that should alarm was worded as the one that should reassure. A resource policy's allow says
 * which (`open to everyone`, `that names the role`); the trust policy's did not.
 *
 * Now the reason says what the trust policy named: the caller, the caller's role (its session policies applied), or
 * everyone (`*`). Real server (SQLite): roles written by `gatehouse apply`, questions to `POST /v1/authorize`.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/kt3-alice`;
const SESSION = `arn:aws:sts::${ROOT}:assumed-role/kt3-source/s1`;
let s: TestServer;

const role = (name: string, principal: unknown) => ({
  apiVersion: 'gatehouse.dev/v1',
  kind: 'Role',
  metadata: { name },
  spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] } },
});

async function why(principal: string, roleName: string): Promise<string> {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'sts:AssumeRole', resource: `arn:aws:iam::${ROOT}:role/${roleName}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
  return (r.json['reasons'] as string[]).find((x) => x.startsWith('iam: ')) ?? '';
}

before(async () => {
  s = await startTestServer();
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'kt3-alice' }, spec: {} },
      role('kt3-source', { AWS: `arn:aws:iam::${ROOT}:root` }),
      role('kt3-named', { AWS: ALICE }),
      role('kt3-open', { AWS: '*' }),
      role('kt3-by-role', { AWS: `arn:aws:iam::${ROOT}:role/kt3-source` }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
});
after(() => s?.stop());

describe('kt3: the reason of an AssumeRole allowed by a trust policy says whom it names', () => {
  it('a trust policy naming the user: names the caller', async () => {
    assert.match(await why(ALICE, 'kt3-named'), /trust policy, which names the caller\b/);
  });

  it('a trust policy open to everyone: says so, not that it names the caller', async () => {
    const r = await why(ALICE, 'kt3-open');
    assert.doesNotMatch(r, /names the caller/, r);
    assert.match(r, /everyone/, r);
  });

  it('a trust policy naming the session’s role: says the role, not the caller', async () => {
    const r = await why(SESSION, 'kt3-by-role');
    assert.doesNotMatch(r, /names the caller\b(?!’s role)/, r);
    assert.match(r, /role/, r);
    assert.match(r, /names the caller’s role/, r);
  });
});
