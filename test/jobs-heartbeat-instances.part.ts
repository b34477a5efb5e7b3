/**
 * Review bf: two instances on one PostgreSQL, a job whose launcher talks to one of them. Each instance sweeps the live
 * jobs and marks Failed those unheard for the heartbeat timeout; the heartbeats were kept in each instance's memory,
 * so the instance the launcher did not talk to failed the job after the timeout (here 2 s; 30 s by default), its
 * sessions revoked and its ranks told to stop, while the launcher was beating all along.
 *
 * Now each instance writes the beats it hears to the store (a note that moves no change head, every sixth of the
 * timeout) and sweeps on the later of what it heard and what the others wrote. Shown: beats to A only, for three
 * timeouts, and the job stays Running on both; then silence, and it is Failed (the sweep still works).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('a launcher heard by one instance keeps its job alive on all (review bf)', { skip: skip ?? false }, () => {
  const schema = `gh_bf_beats_${randomBytes(5).toString('hex')}`;
  const key = randomBytes(32).toString('base64');
  let dir = '';
  let a: RunningServer;
  let b: RunningServer;
  const start = (name: string) =>
    startServer({ dataDir: join(dir, name), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', databaseUrl: PG_URL, databaseSchema: schema, env: { GATEHOUSE_MASTER_KEY: key }, log: () => undefined, jobHeartbeatTimeoutMs: 2000 });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-bf-beats-'));
    a = await start('a');
    b = await start('b');
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('beats to A only: Running on A and B for three timeouts; then silence: Failed', async () => {
    const file = JSON.parse(await readFile(join(dir, 'a', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    assert.equal((await gatehouseJson(a.url, admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status, 200);
    const submitted = await gatehouseJson(a.url, admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    const { job, capability } = submitted.json as { job: { id: string }; capability: string };
    const beat = async (): Promise<void> => {
      const r = await fetch(`${a.agentUrl}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: capability }, body: '' });
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { stop: boolean }).stop, false, 'the launcher is not told to stop');
    };
    const stateOn = async (s: RunningServer): Promise<string> => String((await gatehouseJson(s.url, admin, 'GET', `/v1/jobs/${job.id}`)).json['state']);
    // Three timeouts of 2 s (1 s was one stall of a loaded machine from a false Failed).
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      await beat();
      await sleep(250);
    }
    assert.equal(await stateOn(a), 'Running');
    assert.equal(await stateOn(b), 'Running', 'the instance the launcher never talked to kept the job');
    // Silent past the timeout: swept (by either) and Failed.
    const deadline = Date.now() + 10_000;
    let state = '';
    while (Date.now() < deadline && state !== 'Failed') {
      await sleep(200);
      state = await stateOn(b);
    }
    assert.equal(state, 'Failed');
  });
});
