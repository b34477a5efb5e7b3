/**
 * Review pm, finding 3: `gatehouse server --listen 0.0.0.0:PORT` printed the console's address as
 * `console at http://0.0.0.0:PORT/ui/`. A page opened there is no secure context (W3C Secure Contexts: only
 * `https:`, `localhost` and loopback addresses such as 127.0.0.1 and ::1 are "potentially trustworthy"), so the
 * console, following the address the server gave, refused to take a key (web/console.js: "this page is not a secure
 * context"; docs/decisions.md W2). The server now names a wildcard by its loopback address, 127.0.0.1 (`::` as
 * `[::1]`), as it already names its job credential endpoints on a wildcard (review af, P1), and as other servers print
 * a usable address; an address it listens on otherwise is printed as before.
 *
 * Real server on 0.0.0.0 (port 0), its start-up log read; the printed console address fetched.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';

let home: string;
let server: RunningServer;
const logs: string[] = [];

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-console-review-pm3-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '0.0.0.0:0', agentListen: '127.0.0.1:0', env: {}, log: (line) => void logs.push(line) });
});
after(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

test('pm3: listening on 0.0.0.0, the start-up line names the console at a loopback address the browser trusts', async () => {
  const line = logs.find((l) => l.includes('console at '));
  assert.ok(line, logs.join('\n'));
  const at = /console at (\S+)$/.exec(line)?.[1];
  assert.ok(at, line);
  const u = new URL(at);
  assert.equal(u.hostname, '127.0.0.1', `a browser treats ${u.origin} as a secure context only on loopback: ${line}`);
  assert.equal(u.port, new URL(server.url).port);
  assert.equal(u.pathname, '/ui/');
  const page = await fetch(at);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>[^<]*Gatehouse console<\/title>/);
});
