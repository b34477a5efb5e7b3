/**
 * Review pq, finding 2: `POST /v1/jobs` with a `workspace` that is no string (`5`, `true`, `["ml"]`, `{}`) was refused
 * "`workspace` is required", the words of a body that gives none: the caller (a script building the body, a client in
 * another language) was told to add the field it had sent. Each other field of the submission says what it must be
 * (`role`, `replicas`, `name`, `imds`, `launcherUid`); `workspace` now does too, naming what it was given, and an
 * absent one is still "required". Contract: DESIGN.md "Errors" (clear, naming what is wrong and where) and the admin
 * API's own string fields (src/adapters/http/admin-api.ts `str`: "must be a string" when given, "is required" when not).
 *
 * A real server; the requests signed and sent as the CLI sends them.
 *
 * Before the fix 1 of 2 tests failed.
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

const submit = (body: Record<string, unknown>) => call(connectionAs(s, s.admin), 'POST', ['jobs'], { body: { role: 'none', imds: false, ...body } });

test('pq2: a workspace that is no string is refused as such, naming what was given, never as missing', async () => {
  for (const [given, shown] of [[5, '5'], [true, 'true'], [['ml'], '["ml"]'], [{}, '{}']] as const) {
    const r = await submit({ workspace: given });
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.path, 'workspace');
    assert.doesNotMatch(r.message, /required/, `${shown}: ${r.message}`);
    assert.match(r.message, /`workspace` must be .*string/, `${shown}: ${r.message}`);
    assert.ok(r.message.includes(shown), `${shown}: ${r.message}`);
  }
});

test('pq2: an absent or null workspace is still required', async () => {
  for (const body of [{}, { workspace: null }]) {
    const r = await submit(body);
    assert.ok(!r.ok);
    assert.match(r.message, /`workspace` is required/);
    assert.equal(r.errors[0]?.path, 'workspace');
  }
});
