/**
 * Review iq, 3: through a server outage the credentials file of `gatehouse jobs run` keeps saying when its session
 * really ends, advancing its `Expiration` as the server would (review agent, cf3), but only while the endpoint cannot
 * be reached or answers 5xx: any 4xx was taken for the server's word that the job has no credentials any more, and a
 * 200 that was not a credentials document failed the refresh. A proxy in front of a remote server answers for it while
 * it is not there (an ingress's `404 page not found`, a firewall's 403 page, a maintenance page served 200), so
 * through such an outage the file stopped advancing, and about 3 h into it said its credentials had expired while the
 * session was good for hours more: a reader that honours `Expiration` dropped them. Now only the endpoint's own refusal
 * (JSON with `Code` and `Message`: imds.ts `isGatehouseAnswer`) stops the advance; anything else is the server out of
 * reach.
 *
 * A stand-in for the server's credential endpoints serves a session whose served `Expiration` is 10 minutes ahead and
 * whose real end is 12 h ahead (what a served value looks like 3 h into an outage), then a proxy's page answers in its
 * place; the real launcher (`launch`) runs a rank meanwhile. Before the fix 2 of 3 tests failed (the server's own 410
 * stopped the advance before and after).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../src/adapters/launcher/run.ts';
import { servedExpiration } from '../src/core/jobs/jobs.ts';

const iso = (t: number): string => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const stands: Server[] = [];
const homes: string[] = [];

after(async () => {
  for (const s of stands) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  for (const h of homes) await rm(h, { recursive: true, force: true });
});

interface Page {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}
const NGINX_404: Page = { status: 404, contentType: 'text/html', body: '<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>' };
const MAINTENANCE_200: Page = { status: 200, contentType: 'text/html', body: '<html><body>Down for maintenance</body></html>' };
const JOB_ENDED_410: Page = { status: 410, contentType: 'application/json', body: JSON.stringify({ Code: 'JobEnded', Message: 'job iq3 has ended' }) };

/** The file's `Expiration` after the credentials URI answers `page` in place of the session, and what it should say. */
async function fileThrough(page: Page, advances: boolean): Promise<{ expiration: string | undefined; served: string; advanced: string }> {
  const home = await mkdtemp(join(tmpdir(), 'gh-agent-review-iq3-'));
  homes.push(home);
  const cap = 'c'.repeat(43);
  const stop = join(home, 'stop');
  const start = Date.now();
  const served = start + 10 * 60_000;
  const real = start + 12 * 3600_000;
  let answering: Page | undefined;
  const stand = createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/v1/credentials/${cap}`) {
      if (answering !== undefined) {
        res.writeHead(answering.status, { 'content-type': answering.contentType });
        res.end(answering.body);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-gatehouse-session-expiration': iso(real) });
      res.end(JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIASTANDIN', AccessKeySecret: 's', SecurityToken: 't', Expiration: iso(served), LastUpdated: iso(start) }));
      return;
    }
    // The launcher's heartbeat and end.
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"stop":false,"state":"Running"}');
  });
  stands.push(stand);
  const port = await new Promise<number>((resolve) => stand.listen(0, '127.0.0.1', () => resolve((stand.address() as { port: number }).port)));
  const agentUrl = `http://127.0.0.1:${port}`;
  const file = join(home, 'credentials');
  const running = launch({
    jobId: 'iq3',
    capability: cap,
    agentUrl,
    environment: { ALIBABA_CLOUD_CREDENTIALS_URI: `${agentUrl}/v1/credentials/${cap}` },
    // The rank runs until the test has read the file (at most 60 s): a rank of a fixed 1.5 s could end, and its file
    // go, before a loaded host had refreshed it (stop 56's CI).
    command: [process.execPath, '-e', `const fs = require('node:fs'); const end = Date.now() + 60000; const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(stop)}) || Date.now() > end) clearInterval(t); }, 50);`],
    replicas: 1,
    credentialsFile: file,
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '' },
    log: () => {},
    heartbeatMs: 100,
  });
  const expiration = async (): Promise<string | undefined> => {
    try {
      return (JSON.parse(await readFile(file, 'utf8')) as { Expiration?: string }).Expiration;
    } catch {
      return undefined;
    }
  };
  const end = Date.now() + 30_000;
  while ((await expiration()) !== iso(served)) {
    if (Date.now() > end) assert.fail('the file was never written');
    await new Promise((r) => setTimeout(r, 25));
  }
  answering = page;
  // Several refreshes (one a heartbeat) with the page answering, before the rank exits and the file goes: where the
  // file should advance, until it has (at most 20 s on a loaded host); where it should not, 600 ms of them.
  if (advances) {
    const until = Date.now() + 20_000;
    while ((await expiration()) === iso(served) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  } else await new Promise((r) => setTimeout(r, 600));
  const got = await expiration();
  await writeFile(stop, '');
  assert.equal(await running, 0);
  return { expiration: got, served: iso(served), advanced: iso(servedExpiration(real, Date.now())) };
}

test("iq3: an ingress's 404 page in place of the server: the file's Expiration still advances to what the server would serve", async () => {
  const r = await fileThrough(NGINX_404, true);
  assert.notEqual(r.expiration, r.served, `the file kept Expiration ${r.served}, 10 minutes ahead, for a session good for 12 h`);
  assert.equal(r.expiration, r.advanced);
});

test('iq3: a maintenance page served 200: the same', async () => {
  const r = await fileThrough(MAINTENANCE_200, true);
  assert.notEqual(r.expiration, r.served, `the file kept Expiration ${r.served}, 10 minutes ahead, for a session good for 12 h`);
  assert.equal(r.expiration, r.advanced);
});

test('iq3: the server’s own refusal (410 JobEnded) still stops the advance', async () => {
  const r = await fileThrough(JOB_ENDED_410, false);
  assert.equal(r.expiration, r.served);
});
