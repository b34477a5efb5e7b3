/**
 * Review ic, 5. `GET /v1/audit?role=trainer` answered 200 with no records: records name a role by its ARN (and the role
 * of a session, of a change to a role, the role whose session acted, all the same), so a role's name matches no record
 * whatever the role did, and a script or the console that passed the name read "the role did nothing". The CLI refuses
 * `--role trainer` with the ARN to use instead (review readme, bn2), and the API refuses a `decision` no record can
 * carry for the same reason ("anything else is refused, not matched to nothing"); its `role` took anything.
 *
 * Now a `role` that is not an ARN is refused, 400 naming `role`, with the ARN form to use, as the CLI says it.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test('a role filter that is not an ARN is refused naming role', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?role=trainer');
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const e = (r.json as { error: { code: string; message: string; details: { path: string }[] } }).error;
  assert.equal(e.code, 'ValidationError');
  assert.equal(e.details[0]?.path, 'role');
  assert.equal(e.message, '`role` takes a role\'s ARN, as records name it, got `trainer`; for the role named `trainer`: role=arn:aws:iam::<account>:role/trainer (its path too, if it has one)');
});

test('a role ARN in either dialect is taken as before', async () => {
  for (const role of ['arn:aws:iam::000000000000:role/trainer', 'acs:ram::123456789012:role/trainer']) {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?role=${encodeURIComponent(role)}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
});
