/**
 * Review px, 2: `POST /v1/jobs` (and `POST /v1/clusters/C/nodes`) read `null` differently field by field. `"role":
 * null`, `"replicas": null`, `"name": null` and `"computeConfig": null` are the field absent (its default), but
 * `"imds": null` was refused "`imds` must be true or false" and `"launcherUid": null` "must be the uid the launcher
 * runs as": a client in another language that writes an unset optional field as `null` (Python's `None`, a Go
 * pointer, a generated SDK) could not submit a job at all. Now `null` is the field absent for these two as well
 * (`imds`: a metadata endpoint, the default DESIGN.md pins; `launcherUid`: none), and any other value that is not a
 * boolean / uid is refused as before.
 *
 * Contract: docs/decisions.md, review gx (4) (`null` for an optional field is the field absent, proto3's JSON mapping),
 * and the body's own other fields (src/adapters/http/jobs-api.ts: `role`, `replicas`, `name`, `computeConfig`);
 * DESIGN.md "Errors" (clear, naming what is wrong and where).
 *
 * A real server; the requests signed and sent as the CLI sends them.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionAs } from './support/default-role-jobs.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

const submit = (body: Record<string, unknown>) => call(connectionAs(s, s.admin), 'POST', ['jobs'], { body: { workspace: 'px2-none', role: 'none', ...body } });

test('px2: "imds": null and "launcherUid": null at POST /v1/jobs are the fields absent', async () => {
  for (const body of [{ imds: null }, { launcherUid: null }, { imds: null, launcherUid: null, name: null, replicas: null }]) {
    const r = await submit(body);
    assert.ok(!r.ok, 'the workspace does not exist');
    assert.ok(!['imds', 'launcherUid'].includes(String(r.errors[0]?.path)), `${JSON.stringify(body)}: ${r.message}`);
    assert.match(r.message, /px2-none/, `${JSON.stringify(body)}: refused for its workspace, not its fields: ${r.message}`);
  }
});

test('px2: the same at POST /v1/clusters/C/nodes', async () => {
  const r = await call(connectionAs(s, s.admin), 'POST', ['clusters', 'px2-none', 'nodes'], { body: { imds: null, launcherUid: null, computeConfig: null } });
  assert.ok(!r.ok, 'the cluster does not exist');
  assert.ok(!['imds', 'launcherUid'].includes(String(r.errors[0]?.path)), r.message);
});

test('px2: values that are neither null nor of their type are still refused', async () => {
  for (const [body, path] of [[{ imds: 'false' }, 'imds'], [{ imds: 0 }, 'imds'], [{ launcherUid: '1000' }, 'launcherUid'], [{ launcherUid: -1 }, 'launcherUid']] as const) {
    const r = await submit(body);
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.path, path, `${JSON.stringify(body)}: ${r.message}`);
  }
});
