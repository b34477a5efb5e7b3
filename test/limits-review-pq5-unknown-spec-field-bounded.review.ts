/**
 * Review pq, finding 5: as pq1 found for `onlyFields`, the parsers of a document's fields named an unknown field in
 * full, in its message and in its path (`spec.<key>`), and `apply` a third time in the answer's top message: a 200 KB
 * key in a workspace's or a cluster's spec (`PUT /v1/workspaces/{name}`, `PUT /v1/clusters/{name}`, `apply`), a compute
 * config, a binding (`PUT /v1/iam-policies`) or any apply document was echoed 400–600 KB back, and a key holding
 * control characters (an ANSI escape) reached the printed message raw. Each now quotes it as a bounded, escaped prefix
 * and names it in the path only when it is a key a reader could use (src/core/directory/rules.ts `shownKey`,
 * `keyPath`). Contract: DESIGN.md "Errors" (clear, naming what is wrong and where) and review Z, 6 (`shortName`: a
 * refused value is not echoed back in full).
 *
 * A real server (SQLite); the requests signed and sent as the CLI sends them.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

const KEY = `x${'k'.repeat(200_000)}`;
const CONTROL = 'bad\u001b[31mred';

const cases = (key: string): [string, string, Record<string, unknown>][] => [
  ['PUT', '/v1/workspaces/pq5', { members: [], [key]: 1 }],
  ['PUT', '/v1/clusters/pq5', { instanceRole: 'r', [key]: 1 }],
  ['PUT', '/v1/clusters/pq5', { instanceRole: 'r', computeConfigs: { big: { instanceRole: 'r', [key]: 1 } } }],
  ['PUT', '/v1/iam-policies', { resource: 'account/000000000000', bindings: [{ role: 'roles/viewer', members: ['user:admin'], [key]: 1 }] }],
  ['POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name: 'pq5' }, spec: { members: [], [key]: 1 } }] }],
  ['POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'pq5' }, [key]: 1 }] }],
];

test('pq5: a 200 KB unknown field of a document is named by a bounded prefix', async () => {
  for (const [method, path, body] of cases(KEY)) {
    const r = await gatehouseJson(server.url, server.admin, method, path, body);
    const text = JSON.stringify(r.json);
    assert.equal(r.status, 400, `${method} ${path}: ${text.slice(0, 300)}`);
    assert.match(text, /xkkk/, `${method} ${path}: the key's start is named`);
    assert.ok(text.length < 4_000, `${method} ${path}: ${text.length} characters answered for one unknown field`);
  }
});

test('pq5: an unknown field holding control characters is quoted escaped, and no path is made of it', async () => {
  for (const [method, path, body] of cases(CONTROL)) {
    const r = await gatehouseJson(server.url, server.admin, method, path, body);
    assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.json)}`);
    const error = r.json['error'] as { message: string; details: { message: string; path: string }[] };
    for (const m of [error.message, ...error.details.flatMap((d) => [d.message, d.path])]) {
      assert.doesNotMatch(m, /[\u0000-\u001f]/, `${method} ${path}: ${JSON.stringify(m)}`);
    }
    assert.match(error.message, /bad\\u001b\[31mred/, `${method} ${path}: ${error.message}`);
  }
});
