/**
 * Review vo, 2: `GET /v1/audit?action=` (and `audit query --action`, the console's Action filter) reads IAM's
 * wildcards, and the filter also lists records kept under an action's former name (`actionFilterNames`): each former
 * name was tested against the pattern turned into a regular expression, one `.*` per `*`. A pattern of many `*` and a
 * character no former name ends with (`**********a`, 11 characters) made V8 backtrack through every way of splitting a
 * former name (`ram:createopenidconnectprovider`…) among the `.*`s: 47 s of the server's one thread for nine `*`,
 * beyond any wait for twenty, while no decision, session or health probe was answered. A principal of any account
 * allowed to read its own account's records could send it. Now the pattern is matched by a loop that backtracks to the
 * last `*` only (linear in practice, at most pattern × name steps). A `gatehouse server` in its own process, so that a
 * frozen one fails the test instead of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { throwawayServer, within, type Keys, type ServerProcess } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';

let world: Awaited<ReturnType<typeof throwawayServer>>;
let s: ServerProcess | undefined;
let admin: Keys;

before(async () => {
  world = await throwawayServer('review-vo2');
  ({ server: s, admin } = world);
});
after(async () => world?.stop());

test('an action pattern of many wildcards is answered at once, and the server goes on answering', async () => {
  const url = (s as ServerProcess).url;
  for (const action of [`${'*'.repeat(12)}a`, `${'*'.repeat(40)}x`, `${'?*'.repeat(30)}z`, `iam:${'*'.repeat(30)}openidconnectproviderx`]) {
    const r = await within(gatehouseJson(url, admin, 'GET', `/v1/audit?action=${encodeURIComponent(action)}`), 10_000);
    assert.notEqual(r, 'late', `GET /v1/audit?action=${action} was not answered within 10 s`);
    if (r === 'late') return;
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  const health = await within(fetch(`${url}/healthz`), 5_000);
  assert.ok(health !== 'late' && health.status === 200, 'the server answers its health probe');
  // The wildcards still mean what they did: the root account's creation at first start is `iam:CreateAccount`.
  for (const [pattern, found] of [['IAM:*Account', true], ['*create?ccount', true], ['**c*r*e*a*t*e*a*c*c*o*u*n*t**', true], ['iam:*accounts', false]] as const) {
    const r = await gatehouseJson(url, admin, 'GET', `/v1/audit?action=${encodeURIComponent(pattern)}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((r.json['records'] as { action: string }[]).some((x) => x.action === 'iam:CreateAccount'), found, `${pattern}: ${JSON.stringify(r.json)}`);
  }
});
