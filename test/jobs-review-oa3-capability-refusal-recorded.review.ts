/**
 * Review oa, finding 3: a refused job capability was recorded as a refused signature, and a job's own ranks acting as
 * its launcher were recorded as nobody's.
 *
 * The contract: DESIGN.md ("Every decision can explain itself"; the auditor "asks who did what, with which role, from
 * which job"); STYLE.md habit 5 (every decision explains itself); docs/decisions.md (review nn, 1 and 3): a job's
 * ranks' capability, and a pod's, "is refused 403 as a launcher" at `/v1/launcher/heartbeat` and `/end`. The server's
 * credential endpoints record each refusal as a refused authentication (review V, P6), with the message
 * `no job holds this capability`; the recorder keeps only fixed texts it recognises and replaced it with the one of
 * `AccessDenied`, "the request is not signed or its signature is no longer valid": false, nothing there is signed.
 * And a rank's (or a pod's) token at a launcher's route was recorded the same way, anonymous, in the root account: the
 * job whose process tried to heartbeat or end it as its launcher (code in a rank keeping a job alive, or ending it
 * for all, the very thing review nn, 1 refuses) was named nowhere, and `audit query --job` did not find it. Now the
 * record says what was refused, and a known job's capability refused as a launcher's is recorded in the job's account
 * with its id (never the capability itself).
 *
 * A real server (SQLite), its credential endpoints fetched as the launcher and the SDKs do, the audit log read as
 * `gatehouse audit query` reads it.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;

before(async () => {
  s = await startTestServer();
  assert.ok((await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await s?.stop();
});

const post = (path: string, token: string, body = ''): Promise<Response> =>
  fetch(`${s.running.agentUrl}${path}`, { method: 'POST', headers: { authorization: token, 'content-type': 'application/json' }, body });

test('oa3: a capability no job holds is recorded as that, not as a refused signature', async () => {
  const guess = 'oa3-guessed-capability-0123456789abcdef';
  const r = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: guess } });
  assert.equal(r.status, 403);
  const beat = await post('/v1/launcher/heartbeat', guess);
  assert.equal(beat.status, 403);
  const records = (await auditRecords(s, { decision: 'Deny' })).filter((x) => x.action === 'gatehouse:GetJobCredentials' || x.action === 'POST /v1/launcher/heartbeat');
  assert.equal(records.length, 2, JSON.stringify(records));
  for (const x of records) {
    const message = String(x.detail['message']);
    assert.doesNotMatch(message, /sign/, `a refused capability recorded as a refused signature: ${message}`);
    assert.match(message, /capability/);
  }
  assert.ok(!JSON.stringify(records).includes(guess), 'the capability is never recorded');
});

test("oa3: a job's ranks' token refused as its launcher's is recorded with the job, in its account", async () => {
  const submitted = await call<{ job: { id: string; account: string }; capability: string; environment: Record<string, string> }>(connectionTo(s.url, s.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  const { job, environment } = submitted.value;
  const rank = environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? assert.fail('no token');
  const end = await post('/v1/launcher/end', rank, '{"exitCode":0}');
  assert.equal(end.status, 403, await end.text());
  const found = await auditRecords(s, { job: job.id, decision: 'Deny' });
  const refused = found.filter((x) => x.action === 'POST /v1/launcher/end');
  assert.equal(refused.length, 1, `audit query --job ${job.id} does not find its rank's refused end: ${JSON.stringify(found)}`);
  const x = refused[0]!;
  assert.equal(x.account, job.account);
  assert.match(String(x.detail['message']), /launcher/);
  assert.ok(!JSON.stringify(found).includes(rank), 'the capability is never recorded');
});
