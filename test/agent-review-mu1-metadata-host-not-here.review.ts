/**
 * Review mu, 1: `gatehouse agent --metadata-host` given an address that is not this node's started, said it served, and every job's metadata endpoint then failed unsaid in its log.
 *
 * Before the fix 2 of 2 tests failed.
 *
 * `--metadata-host` was only checked to be an IP address. With one the node does not hold (a typo, another node's
 * address, a link-local one not yet put on an interface), `gatehouse agent` started and logged "serving job
 * credentials", and each `gatehouse jobs run --agent` was answered 409 `cannot listen on <ip>:0 (EADDRNOTAVAIL)` at
 * `POST /v1/launcher/metadata`: its ranks ran with no instance metadata, and the agent's log said nothing of it. As a
 * `--listen` address it cannot bind, the start now fails, exit 10, naming `--metadata-host`, before anything is served.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startAgent } from '../src/main/agent.ts';
import { StartError, startExitCode } from '../src/main/server.ts';

/** TEST-NET-1 (RFC 5737): documentation only, held by no interface of a test host. */
const NOT_HERE = '192.0.2.1';

function bindable(host: string, port = 0): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

const skip = (await bindable(NOT_HERE)) && `${NOT_HERE} is an address of this host`;

test('mu1: an agent whose --metadata-host is not an address of this node does not start; exit 10, naming the option', { skip }, async () => {
  const logs: string[] = [];
  let started: { stop(): Promise<void> } | undefined;
  try {
    started = await startAgent({ upstream: 'http://127.0.0.1:9', listen: '127.0.0.1:0', revalidateSeconds: 30, metadataHost: NOT_HERE, log: (l) => logs.push(l) });
  } catch (e) {
    assert.ok(e instanceof StartError, String(e));
    assert.equal(startExitCode(e), 10);
    assert.match(e.message, new RegExp(`${NOT_HERE.replaceAll('.', '\\.')} \\(--metadata-host\\).*EADDRNOTAVAIL`));
    assert.match(e.message, /address of this node/);
    return;
  } finally {
    await started?.stop();
  }
  assert.fail(`the agent started with --metadata-host ${NOT_HERE}; logs: ${logs.join('\n')}`);
});

test('mu1: the agent port is free again after such a start (nothing was left listening)', { skip }, async () => {
  const probe = createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  let started: { stop(): Promise<void> } | undefined;
  try {
    started = await startAgent({ upstream: 'http://127.0.0.1:9', listen: `127.0.0.1:${port}`, revalidateSeconds: 30, metadataHost: NOT_HERE, log: () => {} });
  } catch {
    // The refusal of the first test.
  } finally {
    await started?.stop();
  }
  assert.equal(started, undefined, 'the agent started');
  assert.ok(await bindable('127.0.0.1', port), `port ${port} is still held`);
});
