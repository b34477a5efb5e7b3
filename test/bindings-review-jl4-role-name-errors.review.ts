/**
 * Review jl, 4: a binding's role name that is not one was refused with one message whatever was wrong with it —
 * "role `accounts/000000000000/roles/r1` is not `roles/<name>` (predefined) or `accounts/<12-digit id>/roles/<name>`
 * (custom)" — though that role is spelt exactly so: its id is too short (custom role ids are 3 to 64 letters, digits,
 * `_` and `.`, as GCP's). GCP's own custom role names (`projects/p/roles/x`, `organizations/1/roles/x`), an account id
 * that is not 12 digits, and a predefined name with a character no role has (`roles/ml-developer`) got the same words,
 * which named nothing to change. Now each says what is wrong and what to write. Still `BINDINGS_INVALID_ROLE` at
 * `bindings[i].role`.
 *
 * Before the fix 1 of 1 tests failed.
 *
 * Real server, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { details } from './support/bindings-conditions.ts';

const A = '000000000000';
let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
});
after(async () => {
  await server?.stop();
});

test('each malformed role name is refused saying what is wrong with it', async () => {
  const cases: [string, RegExp][] = [
    [`accounts/${A}/roles/r1`, /custom role id `r1`.*3 to 64 letters, digits, `_` and `\.`/],
    [`accounts/${A}/roles/ml-trainer`, /custom role id `ml-trainer`.*3 to 64 letters, digits, `_` and `\.`/],
    ['accounts/1234/roles/trainer', /12-digit/],
    ['projects/my-project/roles/trainer', /GCP's.*`accounts\/<12-digit id>\/roles\/trainer`/],
    ['organizations/1/roles/trainer', /GCP's.*`accounts\/<12-digit id>\/roles\/trainer`/],
    ['roles/ml-developer', /predefined role name.*letters, digits, `_` and `\.`/],
  ];
  for (const [role, why] of cases) {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: `account/${A}`, bindings: [{ role, members: ['user:dora'] }] });
    assert.equal(r.status, 400, `${role}: ${JSON.stringify(r.json)}`);
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_ROLE', role);
    assert.equal(e?.path, 'bindings[0].role', role);
    assert.match(e?.message ?? '', why, role);
  }
});
