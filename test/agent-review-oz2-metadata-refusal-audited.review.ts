/**
 * Review oz, 2: a process of another user refused at a job's metadata endpoint left no audit record. Issue 7 asks the
 * audit log to record "every denial with its explanation", and DESIGN.md's auditor asks "who did what … from which job".
 * A job's metadata endpoint serves only its launcher's uid (review H, 1); another user's process reaching for the job's
 * credentials there is refused 403 and was said in the server's log and, since review iz, 4, in the job's events, but
 * not in the audit log, where a capability guessed at the job's other endpoints is recorded (review V, P6; review oa, 3):
 * `gatehouse audit query --job ID` showed nothing of it. Now it is a refused authentication of the job's credentials
 * (`gatehouse:GetJobCredentials`, Deny) in the job's account, with the job's id and ARN, from 127.0.0.1, saying why and
 * naming the refused uid, once per uid as the log and the events say it.
 *
 * A real server on 127.0.0.1; the job is submitted as launched by another uid than this process's (`launcherUid`), so
 * this process is the other user (Linux only: the socket table). Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, type TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

let server: TestServer;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, stop } = await startWorkspaceServer('gh-oz2-'));
});
after(async () => stop?.());

const linux = existsSync('/proc/net/tcp') && process.getuid !== undefined;

test("oz2: another uid refused at a job's metadata endpoint is in the audit log, with the job, once per uid", { skip: !linux && 'needs /proc/net/tcp' }, async () => {
  const me = process.getuid?.() ?? 0;
  const launcherUid = me === 4242 ? 4243 : 4242;
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', launcherUid });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string; arn?: string }).id;
  const base = (submitted.json['environment'] as Record<string, string>)['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '';
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${base}latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
    assert.equal(r.status, 403, await r.text());
    const c = await fetch(`${base}latest/meta-data/ram/security-credentials/`);
    assert.equal(c.status, 403, await c.text());
  }
  // The record is written in the background: read until it is there, to a bound of time (settle.ts), not 40 tries.
  const refused = await settled(
    async () => (await auditRecords(server, { job: id, decision: 'Deny' })).filter((r) => r.action === 'gatehouse:GetJobCredentials'),
    (got) => got.length > 0,
    SETTLE_MS,
    50,
  );
  // Before the fix: none.
  assert.equal(refused.length, 1, JSON.stringify(refused));
  const rec = refused[0] as (typeof refused)[number] & { resource?: string; sourceIp?: string; detail?: Record<string, unknown> };
  assert.equal(rec.account, '000000000000');
  assert.equal(rec.principal, 'anonymous');
  assert.equal(rec.resource, `arn:aws:training::000000000000:job/${id}`);
  assert.equal(rec.sourceIp, '127.0.0.1');
  assert.equal(rec.detail?.['peerUid'], me);
  assert.match(String(rec.detail?.['message']), /metadata endpoint serves only the processes of its launcher's uid/);
  const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {});
  assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
});
