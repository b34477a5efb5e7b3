/**
 * A job's own metadata endpoint (`AWS_EC2_METADATA_SERVICE_ENDPOINT`) across a server restart: the agent records
 * it with the job (`metadataEndpoint`: the agent's host name and address, and the port), and the new instance
 * opens it again on the same port for live jobs only, still serving only the uid the job's launcher reported. A
 * port another process took meanwhile is logged and does not stop the server. (The whole life of a job across a restart, with the real SDKs, is in jobs-pai.test.ts.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, freePort, keysOf, type Keys } from './support/processes.ts';

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-metadata-restart-'));
});
after(async () => {
  await rm(home, { recursive: true, force: true });
});

/** IMDSv2 as SDKs do it: a token, the role name, the role's document. */
async function imdsRole(endpoint: string): Promise<{ status: number; role?: string; key?: string }> {
  try {
    const token = await (await fetch(`${endpoint}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
    const headers = { 'x-aws-ec2-metadata-token': token };
    const list = await fetch(`${endpoint}/latest/meta-data/iam/security-credentials/`, { headers });
    if (list.status !== 200) return { status: list.status };
    const role = await list.text();
    const doc = (await (await fetch(`${endpoint}/latest/meta-data/iam/security-credentials/${role}`, { headers })).json()) as { AccessKeyId: string };
    return { status: 200, role, key: doc.AccessKeyId };
  } catch {
    return { status: 0 };
  }
}

interface Submitted {
  readonly job: { readonly id: string };
  readonly capability: string;
  readonly environment: Record<string, string>;
}

test('live jobs get their metadata port back after a restart; ended jobs do not; a taken port is logged', async () => {
  const dataDir = join(home, 'data');
  const listen = `127.0.0.1:${await freePort()}`;
  const agentListen = `127.0.0.1:${await freePort()}`;
  const logs: string[] = [];
  const start = () => startServer({ dataDir, listen, agentListen, env: {}, log: (l) => logs.push(l) });
  let server: RunningServer = await start();
  let squatter: Server | undefined;
  try {
    assert.ok(server.adminCredentials);
    const admin: Keys = keysOf(server.adminCredentials);
    const conn = connectionTo(server.url, admin);
    assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
    const me = process.getuid?.() ?? 0;
    // A metadata endpoint by default; `launcherUid` is the uid it serves, as `jobs run` reports its own.
    const submit = async (launcherUid = me): Promise<Submitted> => {
      const r = await call(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid } });
      assert.ok(r.ok, JSON.stringify(r));
      return r.value as unknown as Submitted;
    };
    const live = await submit();
    const ended = await submit();
    const taken = await submit();
    // Another user's job, for this process.
    const foreign = await submit(me + 1);
    const endpoint = (s: Submitted): string => s.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
    for (const s of [live, ended, taken]) assert.equal((await imdsRole(endpoint(s))).status, 200);
    assert.equal((await imdsRole(endpoint(foreign))).status, 403);
    // Said in the log, with the job and the uids only: never a capability or a credential.
    assert.ok(logs.some((l) => l.includes(`refused job ${foreign.job.id}'s metadata endpoint to uid ${me} (its launcher runs as uid ${me + 1})`)), logs.join('\n'));
    // A launcher that reports no uid (an older CLI, a client of the API) gets an endpoint that serves any local
    // process, as before, and the log says so.
    const unchecked = await call(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default' } });
    assert.ok(unchecked.ok, JSON.stringify(unchecked));
    const uncheckedJob = unchecked.value as unknown as Submitted;
    assert.equal((await imdsRole(endpoint(uncheckedJob))).status, 200);
    assert.ok(logs.some((l) => l.includes(`job ${uncheckedJob.job.id} was submitted without its launcher's uid`)), logs.join('\n'));
    for (const bad of [{ launcherUid: -1 }, { launcherUid: '0' }, { launcherUid: 4294967295 }, { imds: 'yes' }]) {
      const r = await call(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', ...bad } });
      assert.equal(r.ok ? 201 : r.httpStatus, 400, JSON.stringify(bad));
    }
    // `"imds": false`: no metadata endpoint, and instance metadata turned off for the AWS SDKs.
    const off = await call(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false, launcherUid: me } });
    assert.ok(off.ok, JSON.stringify(off));
    const offEnv = (off.value as unknown as Submitted).environment;
    assert.deepEqual([offEnv['AWS_EC2_METADATA_SERVICE_ENDPOINT'], offEnv['AWS_EC2_METADATA_DISABLED']], [undefined, 'true']);
    for (const sub of [live, ended, taken, foreign, uncheckedJob]) for (const l of logs) assert.ok(!l.includes(sub.capability), `a capability in the log: ${l}`);

    // Recorded with the job: which agent serves it, on which port.
    const got = await call(conn, 'GET', ['jobs', live.job.id]);
    assert.ok(got.ok);
    assert.deepEqual((got.value as { metadataEndpoint?: unknown }).metadataEndpoint, { agent: `${hostname()} ${agentListen}`, port: Number(new URL(endpoint(live)).port) });

    assert.ok((await call(conn, 'POST', ['jobs', ended.job.id, 'stop'])).ok);
    await server.stop();
    for (const s of [live, ended, taken]) assert.equal((await imdsRole(endpoint(s))).status, 0, 'the stopped server still answers');

    // Another process takes one job's port while the server is down.
    squatter = createServer();
    await new Promise<void>((resolve, reject) => {
      squatter?.once('error', reject);
      squatter?.listen(Number(new URL(endpoint(taken)).port), '127.0.0.1', resolve);
    });

    logs.length = 0;
    server = await start();
    const before = await imdsRole(endpoint(live));
    assert.equal(before.status, 200, 'the live job’s metadata port is served again');
    assert.equal(before.role, 'GatehouseTrainingDefaultRole');
    assert.match(before.key ?? '', /^ASIA/);
    assert.equal((await imdsRole(endpoint(ended)).then((r) => r.status)), 0, 'an ended job’s port stays closed');
    assert.equal((await imdsRole(endpoint(foreign))).status, 403, 'a port opened again still serves only its launcher’s uid');
    assert.ok(
      logs.some((l) => l.includes(`cannot open the metadata endpoint of job ${taken.job.id} again on 127.0.0.1:${new URL(endpoint(taken)).port}`)),
      logs.join('\n'),
    );
    assert.ok(logs.some((l) => l.includes('reopened the metadata endpoints of 3 live job(s); 1 could not be')), logs.join('\n'));
    // The server serves all the same.
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

    // Ending the live job closes its reopened port like any other (410 for a few seconds, then nothing).
    assert.ok((await call(connectionTo(server.url, admin), 'POST', ['jobs', live.job.id, 'stop'])).ok);
    assert.equal((await imdsRole(endpoint(live))).status, 410);
  } finally {
    await new Promise<void>((r) => (squatter ? squatter.close(() => r()) : r()));
    await server.stop();
  }
});
