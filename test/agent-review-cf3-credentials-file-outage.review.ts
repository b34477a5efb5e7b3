/**
 * Review agent, cf3: while the server cannot be reached, the credentials file of `gatehouse jobs run` keeps saying
 * when its session really ends, as the node agent does for its endpoints. The file holds the `Expiration` the
 * credentials URI serves, at most about 3 h ahead of a session that lasts up to 12 h (core/jobs `servedExpiration`),
 * and the launcher rewrote it only from the server's answers: through an outage of more than 3 h the file said its
 * credentials had expired while they were good for hours more, and a reader that honours `Expiration` dropped them
 * (docs/decisions.md promises the file "never says expired while the session is good"). Now the launcher keeps the
 * session's real end (`x-gatehouse-session-expiration`) and, while the endpoint cannot be reached or answers 5xx,
 * advances the file's `Expiration` as the server would, never past that end.
 *
 * A stand-in for the server's credential endpoints serves a session whose served `Expiration` is 10 minutes ahead
 * and whose real end is 12 h ahead (what a served value looks like 3 h into an outage), then stops answering; the
 * real launcher (`launch`) runs a rank meanwhile.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../src/adapters/launcher/run.ts';
import { servedExpiration } from '../src/core/jobs/jobs.ts';

const iso = (t: number): string => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
let home: string | undefined;
let stand: Server | undefined;

after(async () => {
  stand?.closeAllConnections();
  await new Promise((r) => (stand ? stand.close(r) : r(undefined)));
  if (home) await rm(home, { recursive: true, force: true });
});

test('cf3: through an outage the credentials file advances its Expiration up to the session\'s real end', async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-cf3-'));
  const cap = 'c'.repeat(43);
  const start = Date.now();
  const served = start + 10 * 60_000;
  const real = start + 12 * 3600_000;
  let down = false;
  stand = createServer((req, res) => {
    if (down) return void res.destroy();
    if (req.method === 'GET' && req.url === `/v1/credentials/${cap}`) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-gatehouse-session-expiration': iso(real) });
      res.end(JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIASTANDIN', AccessKeySecret: 's', SecurityToken: 't', Expiration: iso(served), LastUpdated: iso(start) }));
      return;
    }
    // The launcher's heartbeat and end.
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  const port = await new Promise<number>((resolve) => (stand as Server).listen(0, '127.0.0.1', () => resolve(((stand as Server).address() as { port: number }).port)));
  const agentUrl = `http://127.0.0.1:${port}`;
  const file = join(home, 'credentials');
  const running = launch({
    jobId: 'cf3',
    capability: cap,
    agentUrl,
    environment: { ALIBABA_CLOUD_CREDENTIALS_URI: `${agentUrl}/v1/credentials/${cap}` },
    command: [process.execPath, '-e', 'setTimeout(() => {}, 4000)'],
    replicas: 1,
    credentialsFile: file,
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '' },
    log: () => {},
    heartbeatMs: 200,
  });
  const expiration = async (): Promise<string | undefined> => {
    try {
      return (JSON.parse(await readFile(file, 'utf8')) as { Expiration?: string }).Expiration;
    } catch {
      return undefined;
    }
  };
  const until = async (what: string, cond: () => Promise<boolean>): Promise<void> => {
    const end = Date.now() + 3000;
    while (!(await cond())) {
      if (Date.now() > end) assert.fail(what);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until('the file was never written', async () => (await expiration()) === iso(served));
  down = true;
  stand.closeAllConnections();
  const advanced = iso(servedExpiration(real, Date.now()));
  await until(`the file kept Expiration ${iso(served)} through the outage; the session is good until ${iso(real)} (served as ${advanced})`, async () => (await expiration()) === advanced);
  const doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(doc), ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']);
  assert.equal(doc['AccessKeyId'], 'ASIASTANDIN');
  assert.equal(await running, 0);
});
