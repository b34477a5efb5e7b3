/**
 * Review agent, cf4: a job whose launcher is gone is failed even while the node agent serves its metadata endpoint.
 * The server counts a credential fetch of a job as a sign of life (a launcher's heartbeat), and the agent checks each
 * open metadata endpoint's job with the server every `--revalidate` seconds on its own, whether or not any process
 * reads it, to close the port of a job that ended. So with `jobs run --agent`, a launcher killed (SIGKILL, the OOM
 * killer) left its job Running with live credentials for as long as the agent ran: with `--revalidate` under the
 * heartbeat timeout always, at the defaults (30 s each) at random. Now the agent's own checks say so
 * (`x-gatehouse-agent-sweep`) and the server does not count them as the job's; a process's reads still do.
 *
 * A real server with a 3 s heartbeat timeout and the relay checking every second: two jobs whose launcher beat once
 * through the agent, one with a metadata endpoint opened on the agent; both are Failed, and that endpoint closes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { jobState, startWorkspaceServer, type WorkspaceServer } from './support/jobs-world.ts';
import { connectionTo } from './support/processes.ts';
import { SETTLE_MS } from './support/settle.ts';

let world: WorkspaceServer;
let relay: Relay | undefined;
let conn: Connection;

before(async () => {
  world = await startWorkspaceServer('gh-agent-review-cf4-', { jobHeartbeatTimeoutMs: 3000 });
  conn = connectionTo(world.server.url, world.server.admin);
});
after(async () => {
  await relay?.close();
  await world?.stop();
});

test('cf4: the node agent\'s own checks of a metadata endpoint keep no job alive', async () => {
  const submit = async () => {
    const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };
  const withEndpoint = await submit();
  const without = await submit();
  relay = createRelay({ upstream: (withEndpoint.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, ''), revalidateMs: 1000, metadataGraceMs: 100 });
  const url = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  for (const j of [withEndpoint, without]) {
    const beat = await fetch(`${url}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: j.capability } });
    assert.equal(beat.status, 200, await beat.text());
  }
  const opened = await fetch(`${url}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: withEndpoint.capability }, body: JSON.stringify({ uid: process.getuid?.() ?? 0 }) });
  assert.equal(opened.status, 200, await opened.text());
  assert.equal(relay.stats().metadataEndpoints, 1);

  // The launchers are gone: no heartbeat from here on, and no process reads anything.
  const state = (id: string): Promise<string> => jobState(conn, id);
  const deadline = Date.now() + SETTLE_MS; // (settle.ts: the sweep may take long on a loaded host)
  let states = { withEndpoint: '', without: '' };
  while (Date.now() < deadline) {
    states = { withEndpoint: await state(withEndpoint.job.id), without: await state(without.job.id) };
    if (states.withEndpoint === 'Failed' && states.without === 'Failed') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(states.without, 'Failed', 'the job without a metadata endpoint was not failed either: the test proves nothing');
  assert.equal(states.withEndpoint, 'Failed', 'the node agent\'s checks of its metadata endpoint kept a job without a launcher Running');
  // And the agent learns of the end at its next check: the port closes.
  const closing = Date.now() + SETTLE_MS;
  while (relay.stats().metadataEndpoints > 0 && Date.now() < closing) await new Promise((r) => setTimeout(r, 100));
  assert.equal(relay.stats().metadataEndpoints, 0, 'the ended job\'s metadata endpoint stayed open');
});
