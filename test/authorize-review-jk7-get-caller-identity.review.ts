/**
 * Review jk, 7. `sts:GetCallerIdentity` needs no permission: AWS's STS API reference says "No permissions are required to
 * perform this operation. If an administrator attaches a policy to your identity that explicitly denies access to the
 * sts:GetCallerIdentity action, you can still perform this operation", and Gatehouse's STS answers it for every caller
 * it authenticates, deciding nothing. The engine decided it as any other action: `POST /v1/authorize` answered
 * ImplicitDeny for a user with no policy and ExplicitDeny for one whose policy denies it, both of whom STS answers.
 *
 * Now every signed principal (a user, a root, a role or federated session) is allowed it whatever its policies say, with a
 * reason saying so; an anonymous caller is not (an unsigned request authenticates no one). Before the fix 1 of 2 tests
 * failed. Real server (SQLite), `@aws-sdk/client-sts`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const Q = { action: 'sts:GetCallerIdentity', resource: '*' };
let s: TestServer;
const keys: Record<string, Credentials> = {};

before(async () => {
  s = await startTestServer();
  keys['plain'] = await userWithKey(s, 'plain');
  keys['denied'] = await userWithPolicy(s, 'denied', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:*', Resource: '*' }] }));
});
after(() => s?.stop());

test('STS answers GetCallerIdentity to a user with no policy and to one whose policy denies it', async () => {
  for (const who of ['plain', 'denied']) {
    const r = await s.sts(keys[who]).send(new GetCallerIdentityCommand({}));
    assert.equal(r.Arn, `arn:aws:iam::${ROOT}:user/${who}`);
  }
});

test('the authorize API allows it to both, saying why, and not to an anonymous caller', async () => {
  for (const who of ['plain', 'denied']) {
    for (const [asker, body] of [[keys[who] as Credentials, Q], [s.admin, { ...Q, principal: `arn:aws:iam::${ROOT}:user/${who}` }]] as const) {
      const r = await gatehouseJson(s.url, asker, 'POST', '/v1/authorize', body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['decision'], 'Allow', `${who}: ${JSON.stringify(r.json)}`);
      assert.ok((r.json['reasons'] as string[]).some((x) => x.includes('GetCallerIdentity needs no permission')), JSON.stringify(r.json));
    }
  }
  const anonymous = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { ...Q, principal: 'anonymous' });
  assert.equal(anonymous.json['decision'], 'ImplicitDeny', JSON.stringify(anonymous.json));
});
