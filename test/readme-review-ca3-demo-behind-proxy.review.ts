/**
 * Review of `gatehouse demo` (review ca, 3): behind an HTTP proxy, the demo failed at its second step.
 *
 * What was wrong: README promises the demo "with nothing to set up", and it keeps the machine's AWS and Gatehouse
 * variables away from its commands; but a machine behind a proxy (HTTP_PROXY / HTTPS_PROXY set, as on many company
 * laptops, with NO_PROXY not naming 127.0.0.1) gave the demo's own CLI calls that proxy, as the CLI reads it like the
 * aws CLI: `gatehouse apply` to the demo's server on 127.0.0.1 went to the proxy, which cannot reach a loopback port
 * of this machine, and 8 of the 10 steps failed (`cannot reach the Gatehouse server at http://127.0.0.1:…`).
 *
 * What is now so: every listener of the demo is on 127.0.0.1, so its commands and ranks reach it directly: the demo
 * adds 127.0.0.1 and localhost to NO_PROXY / no_proxy of what it runs, keeping whatever they already name.
 *
 * The proxy here is a port nothing listens on, so a request sent there fails at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));

/** A port of 127.0.0.1 that nothing listens on (one was bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('gatehouse demo behind an HTTP proxy that cannot reach this machine: every step has its outcome', { timeout: 120_000 }, async () => {
  const proxy = `http://127.0.0.1:${await closedPort()}`;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|ALIBABA_CLOUD_|GATEHOUSE_|NODE_TEST_CONTEXT|NO_PROXY$|no_proxy$)/i.test(k)) env[k] = v;
  Object.assign(env, { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, NO_PROXY: 'internal.example' });
  const child = spawn(process.execPath, [BIN, 'demo', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => void (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const report = JSON.parse(out) as { ok: boolean; steps: { id: string; ok: boolean; summary: string }[] };
  assert.deepEqual(report.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.summary}`), [], `stderr:\n${err}`);
  assert.equal(code, 0);
});
