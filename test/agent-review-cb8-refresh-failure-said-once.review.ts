/**
 * Review cb, finding 8 (left by review cf). Through a server outage the launcher of `gatehouse jobs run` logged "could
 * not refresh <credentials file>" at every heartbeat, every 5 s, burying the job's own output for as long as the
 * outage lasted. Now it is said once when refreshing starts failing, and once more when it works again.
 * A stand-in for the server's credential endpoints goes down and comes back; the real launcher (`launch`) runs a rank.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../src/adapters/launcher/run.ts';

const iso = (t: number): string => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
let home: string | undefined;
let stand: Server | undefined;

after(async () => {
  stand?.closeAllConnections();
  await new Promise((r) => (stand ? stand.close(r) : r(undefined)));
  if (home) await rm(home, { recursive: true, force: true });
});

test('cb8: a failing refresh of the credentials file is said once, and its end once', async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-cb8-'));
  const cap = 'c'.repeat(43);
  let down = false;
  let asked = 0;
  stand = createServer((req, res) => {
    if (down) return void res.destroy();
    if (req.method === 'GET' && req.url === `/v1/credentials/${cap}`) {
      asked++;
      const now = Date.now();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIASTANDIN', AccessKeySecret: 's', SecurityToken: 't', Expiration: iso(now + 3600_000), LastUpdated: iso(now) }));
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  const port = await new Promise<number>((resolve) => (stand as Server).listen(0, '127.0.0.1', () => resolve(((stand as Server).address() as { port: number }).port)));
  const agentUrl = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const running = launch({
    jobId: 'cb8',
    capability: cap,
    agentUrl,
    environment: { ALIBABA_CLOUD_CREDENTIALS_URI: `${agentUrl}/v1/credentials/${cap}` },
    command: [process.execPath, '-e', 'setTimeout(() => {}, 3500)'],
    replicas: 1,
    credentialsFile: join(home, 'credentials'),
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '' },
    log: (line) => void lines.push(line),
    heartbeatMs: 100,
  });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (what: string, cond: () => boolean): Promise<void> => {
    const end = Date.now() + 3000;
    while (!cond()) {
      if (Date.now() > end) assert.fail(what);
      await wait(25);
    }
  };
  await until('the endpoint was never asked', () => asked > 0);
  down = true;
  stand.closeAllConnections();
  await wait(1200);
  const failed = lines.filter((l) => l.includes('could not refresh'));
  // Before the fix: one line a heartbeat (about a dozen here).
  assert.equal(failed.length, 1, lines.join('\n'));
  down = false;
  await until('the refresh never worked again', () => lines.some((l) => l.includes('refreshed again')));
  assert.equal(await running, 0);
  assert.equal(lines.filter((l) => l.includes('refreshed again')).length, 1, lines.join('\n'));
  assert.equal(lines.filter((l) => l.includes('could not refresh')).length, 1, lines.join('\n'));
});
