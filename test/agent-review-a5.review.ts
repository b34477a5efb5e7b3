/**
 * Review agent, A5: the node agent opens no job metadata endpoint on a privileged port (under 1024). A job's
 * launcher names the port it wants (`POST /v1/launcher/metadata {"port": N}`), and the agent, which usually runs as
 * root, bound whatever was asked: with `--metadata-host 169.254.169.254` (or 100.100.100.200) a job asking for 80
 * would become the instance metadata service of every process on the node that reads it by default, and on
 * 127.0.0.1 it takes ports only root may bind. Now 400 naming the port; 1024 and above as before. Against a real
 * server (the job's capability) and the relay.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { submitJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let relay: Relay | undefined;

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

/** Whether 127.0.0.1:`port` can be bound now (nothing listens there; as root, or any port ≥ 1024). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

test('A5: a job\'s metadata endpoint is refused a port under 1024, naming it', async () => {
  const job = await submitJob(s.url, s.admin);
  relay = createRelay({ upstream: job.upstream, revalidateMs: 60_000 });
  const url = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const open = (port: number) => fetch(`${url}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: job.capability }, body: JSON.stringify({ port, uid: process.getuid?.() ?? 0 }) });

  let privileged = 0;
  for (let p = 1000; p > 900 && privileged === 0; p--) if (await bindable(p)) privileged = p;
  for (const port of [1, 80, privileged || 1023, 1023]) {
    const a = await open(port);
    assert.equal(a.status, 400, `port ${port}: ${await a.clone().text()}`);
    assert.match(((await a.json()) as { Message: string }).Message, new RegExp(`^port ${port} is a privileged port \\(under 1024\\)`));
  }
  if (privileged !== 0) assert.equal(await bindable(privileged), true, 'the agent listens on a privileged port');
  assert.equal(relay.stats().metadataEndpoints, 0);

  // A port from 1024 up is still opened as asked.
  let free = 0;
  for (let p = 20_000 + Math.floor(Math.random() * 20_000); free === 0; p++) if (await bindable(p)) free = p;
  const ok = await open(free);
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.equal(((await ok.json()) as { port: number }).port, free);
});
