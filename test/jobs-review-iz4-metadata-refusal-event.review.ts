/**
 * Review iz, finding 4: a job's metadata endpoint serves only the processes of its launcher's uid, and refuses any
 * other with 403 (review H, 1). Such a refusal, another user's process on the node reaching for the job's
 * credentials, went to the server's log alone: `gatehouse jobs events ID`, which the issue says records "every credential
 * issuance and every denial with its explanation", said nothing of it, so the job's owner or an auditor reading its
 * events never learnt of it. Now it is a `denied` event of the job, naming the uid refused and the one served, once per
 * uid as the log says it.
 *
 * A real server on 127.0.0.1; the job is submitted as launched by another uid than this process's (`launcherUid`), so
 * this process is the other user. Linux only (the socket table). Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

let server: TestServer;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, stop } = await startWorkspaceServer('gh-iz4-'));
});
after(async () => stop?.());

const linux = existsSync('/proc/net/tcp') && process.getuid !== undefined;

test('iz4: another uid refused at the job\'s metadata endpoint is a denied event of the job, once per uid', { skip: !linux && 'needs /proc/net/tcp' }, async () => {
  const me = process.getuid?.() ?? 0;
  const launcherUid = me === 4242 ? 4243 : 4242;
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', launcherUid });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const base = (submitted.json['environment'] as Record<string, string>)['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '';
  const port = new URL(base).port;
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${base}latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
    assert.equal(r.status, 403, await r.text());
  }
  // The event is written in the background: read until it is there, to a bound of time (settle.ts), not 40 tries.
  const denied = await settled(
    async () => {
      const events = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}/events`);
      return (events.json['events'] as { type: string; message: string }[]).filter((e) => e.type === 'denied');
    },
    (got) => got.length > 0,
    SETTLE_MS,
    50,
  );
  assert.equal(denied.length, 1, JSON.stringify(denied));
  assert.equal(denied[0]?.message, `credentials refused at its metadata endpoint (127.0.0.1:${port}) to a process of uid ${me}: it serves only the processes of uid ${launcherUid}, its launcher's`);
  const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {});
  assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
});
