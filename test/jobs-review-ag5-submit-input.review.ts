/**
 * Review ag, finding 5: bad input to a job submission (POST /v1/jobs, what `gatehouse jobs run` sends) was not always
 * refused as bad input naming its field. A workspace name no workspace can have (200,000 characters, or with a `/`)
 * went on to the checks and came back whole in a 403 refusal (`workspace … does not exist`, or the CreateJob refusal on
 * its ARN), and in the audit record of the refusal; an empty `role` was answered `role  does not exist in account …`;
 * an out-of-range `replicas` or a malformed `name` named no field. Now each is a 400 ValidationError naming its field,
 * quoting at most a prefix of what was given, before anything is decided or stored. Real server (SQLite), the admin API
 * as the CLI signs it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

describe('review ag5: a submission refuses bad input, naming the field', () => {
  for (const [field, body, size] of [
    ['workspace', { workspace: 'w'.repeat(200_000), role: 'none' }, 2_000],
    ['workspace', { workspace: 'a/b', role: 'none' }, 2_000],
    ['role', { workspace: 'w', role: '' }, 2_000],
    ['role', { workspace: 'w', role: `arn:aws:iam::000000000000:role/${'p/'.repeat(50_000)}x` }, 2_000],
    ['replicas', { workspace: 'w', role: 'none', replicas: 0 }, 2_000],
    ['name', { workspace: 'w', role: 'none', name: `-${'n'.repeat(100_000)}` }, 2_000],
  ] as const) {
    test(`${field}: ${JSON.stringify(body).slice(0, 60)}…`, async () => {
      const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { ...body, imds: false });
      const text = JSON.stringify(r.json);
      assert.equal(r.status, 400, text.slice(0, 500));
      const details = (r.json['error'] as { details?: { path: string }[] }).details ?? [];
      assert.deepEqual(details.map((d) => d.path), [field], text.slice(0, 500));
      assert.ok(text.length < size, `an answer of ${text.length} characters`);
    });
  }

  test('nothing was stored', async () => {
    const jobs = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
    assert.deepEqual(jobs.json['jobs'], []);
  });
});
