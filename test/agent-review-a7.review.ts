/**
 * Review agent, A7: `gatehouse agent` says so when it listens on an unprivileged port. The job's SDKs send its
 * capability in `Authorization` to the agent's port (`AWS_CONTAINER_CREDENTIALS_FULL_URI` +
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN`, and the launcher's calls); any user of the node may bind a port from 1024 up
 * while the agent is not running, and would collect those capabilities. The start now warns, naming the port and
 * what to do; a port under 1024 (root only) starts without the warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startAgent } from '../src/main/agent.ts';

const options = (listen: string, logs: string[]) => ({ upstream: 'http://127.0.0.1:9', listen, revalidateSeconds: 30, metadataHost: '127.0.0.1', log: (l: string) => logs.push(l) });

test('A7: listening on a port from 1024 up, the agent warns that any user could take it meanwhile', async () => {
  const logs: string[] = [];
  const agent = await startAgent(options('127.0.0.1:0', logs));
  try {
    const port = Number(new URL(agent.url).port);
    assert.ok(port >= 1024);
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.match(logs[0] ?? '', new RegExp(`^gatehouse agent: warning: port ${port} \\(--listen\\) is one any user of this node may listen on .* capability .* under 1024`));
  } finally {
    await agent.stop();
  }
});

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

test('A7: on a port under 1024 (as root) no warning', { skip: process.getuid?.() !== 0 && 'needs root to bind a port under 1024' }, async () => {
  let port = 0;
  for (let p = 999; p > 900 && port === 0; p--) if (await bindable(p)) port = p;
  assert.ok(port !== 0, 'no free port under 1024');
  const logs: string[] = [];
  const agent = await startAgent(options(`127.0.0.1:${port}`, logs));
  try {
    assert.equal(agent.url, `http://127.0.0.1:${port}`);
    assert.deepEqual(logs, []);
  } finally {
    await agent.stop();
  }
});
