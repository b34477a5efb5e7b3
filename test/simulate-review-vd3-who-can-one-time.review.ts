/**
 * Review vd, 3: who-can decided the account's principals at the question's time (`aws:CurrentTime`, else
 * `aws:EpochTime`: review ej, 2; a binding's `request.time` too, review ke, 2), but the grants of a resource policy to
 * other accounts (`grantedByResourcePolicy`), the trust beyond the account (`trustedBeyond`) and the default-role jobs
 * at the server's clock. A condition on the key the question did not give was read at now: asked at `aws:EpochTime`
 * 2031, a queue policy's grant to a partner account "until 2030" written on `aws:CurrentTime` was still listed, and
 * asked at `aws:CurrentTime` 2031 one written on `aws:EpochTime`, while the account's own user granted the same way was
 * (rightly) left out, its condition not met: one answer at two times. Now every part is decided at the question's time.
 * Real server, SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { createdAccount, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const Q = `arn:aws:sqs:us-east-1:${A}:q`;
const P1 = 'arn:aws:iam::111111111111:root';
const P2 = 'arn:aws:iam::222222222222:root';
const epoch = (y: number) => String(Date.UTC(y, 0, 1) / 1000);
const until2030 = (key: string) => ({ DateLessThan: { [key]: '2030-01-01T00:00:00Z' } });

interface WhoCan {
  allowed: { name: string }[];
  conditionallyExcluded: { name: string }[];
  grantedByResourcePolicy: { principal: string }[];
}

describe('review vd3: who-can decides every part at the question’s time', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await createdAccount(s, '111111111111', 'one');
    await createdAccount(s, '222222222222', 'two');
    await s.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['resource-policies', Q], {
      body: {
        document: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: P1 }, Action: 'sqs:SendMessage', Resource: Q, Condition: until2030('aws:CurrentTime') },
            { Effect: 'Allow', Principal: { AWS: P2 }, Action: 'sqs:SendMessage', Resource: Q, Condition: until2030('aws:EpochTime') },
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/bob` }, Action: 'sqs:SendMessage', Resource: Q, Condition: until2030('aws:EpochTime') },
          ],
        },
      },
    });
    assert.ok(put.ok, JSON.stringify(put));
  });
  after(() => s?.stop());

  const whoCan = async (context: Record<string, string>) => {
    const r = await call<WhoCan>(connectionTo(s.url, s.admin), 'POST', ['who-can'], { body: { action: 'sqs:SendMessage', resource: Q, context } });
    assert.ok(r.ok, JSON.stringify(r));
    return { allowed: r.value.allowed.map((a) => a.name), excluded: r.value.conditionallyExcluded.map((a) => a.name), foreign: r.value.grantedByResourcePolicy.map((g) => g.principal).sort() };
  };

  for (const [key, value] of [['aws:CurrentTime', '2031-01-01T00:00:00Z'], ['aws:EpochTime', epoch(2031)]] as const) {
    it(`asked at ${key} 2031: no grant "until 2030" is listed, whichever key it is written on`, async () => {
      const w = await whoCan({ [key]: value });
      assert.ok(!w.allowed.includes('bob'), JSON.stringify(w));
      assert.ok(w.excluded.includes('bob'), JSON.stringify(w));
      assert.deepEqual(w.foreign, [], JSON.stringify(w));
    });
  }

  it('asked at 2029, every grant is listed, as before', async () => {
    for (const context of [{ 'aws:CurrentTime': '2029-01-01T00:00:00Z' }, { 'aws:EpochTime': epoch(2029) }]) {
      const w = await whoCan(context);
      assert.ok(w.allowed.includes('bob'), JSON.stringify(w));
      assert.deepEqual(w.foreign, [P1, P2], JSON.stringify(w));
    }
  });
});
