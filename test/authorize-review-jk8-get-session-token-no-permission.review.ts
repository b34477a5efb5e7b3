/**
 * Review jk, 8. `sts:GetSessionToken` is an authentication operation that no policy controls: AWS's STS API reference
 * says "No permissions are required for users to perform this operation … You cannot use policies to control
 * authentication operations", and Gatehouse's STS issues the session to any user signing with its long-term key, deciding
 * nothing (session credentials are refused: review jk, 6). The authorize API decided it by the user's policies:
 * ImplicitDeny for a user with no policy, ExplicitDeny for one whose policy denies `sts:*`, both of whom STS serves.
 *
 * Now a user's long-term key is allowed GetSessionToken whatever its policies say, with a reason saying so. Before the fix
 * 1 of 2 tests failed. Real server (SQLite), `@aws-sdk/client-sts`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const Q = { action: 'sts:GetSessionToken', resource: '*' };
let s: TestServer;
const keys: Record<string, Credentials> = {};

before(async () => {
  s = await startTestServer();
  keys['plain'] = await userWithKey(s, 'plain');
  keys['denied'] = await userWithPolicy(s, 'denied', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:*', Resource: '*' }] }));
});
after(() => s?.stop());

test('STS issues a session token to a user with no policy and to one whose policy denies sts:*', async () => {
  for (const who of ['plain', 'denied']) {
    const r = await s.sts(keys[who]).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    assert.ok(r.Credentials?.SessionToken, who);
  }
});

test('the authorize API allows it to both, saying why', async () => {
  for (const who of ['plain', 'denied']) {
    for (const [asker, body] of [[keys[who] as Credentials, Q], [s.admin, { ...Q, principal: `arn:aws:iam::${ROOT}:user/${who}` }]] as const) {
      const r = await gatehouseJson(s.url, asker, 'POST', '/v1/authorize', body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['decision'], 'Allow', `${who}: ${JSON.stringify(r.json)}`);
      assert.ok((r.json['reasons'] as string[]).some((x) => x.includes('GetSessionToken needs no permission')), JSON.stringify(r.json));
    }
  }
});
