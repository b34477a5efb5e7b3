/**
 * Review bq, 1: what one instance holds of a job that ended through another. Each instance keeps per job, in memory,
 * its cached credentials (`deliveries`), the job's document by capability and by id, its heartbeats; and its agent
 * the job's metadata port. All of it went only with an end made here (`forget`, the agent's `onJobEnded`); the
 * sweep dropped its own heartbeat entries of jobs ended elsewhere, nothing else. So an instance serving jobs that
 * other instances (or workers) end — a stop, an end reported to another, a sweep failing it, its submitter disabled —
 * kept every such job's credentials and documents for the life of the process, and its agent kept the job's port open
 * answering 410: past `maxMetadataEndpoints` of them (1,000) it refused every job asking for a metadata endpoint.
 *
 * Now the sweep, and on a worker that does not sweep its own pass (`forgetEnded`), reads which of the jobs held have
 * ended and drops them, telling `onJobEnded` listeners of each (the agent closes the port).
 *
 * Instances here are Apps on the test server's SQLite store (as instances on one PostgreSQL, or workers on one file),
 * each with its own clock; the job is submitted through the test server, heard and ended through A, served by B.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { createAgent, type Agent } from '../src/adapters/agent/server.ts';
import { instanceBeside } from './support/instances.ts';
import { submitJob, workspaceW } from './support/job-agent-beside.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
const stores: Store[] = [];
const agents: Agent[] = [];

interface Instance {
  readonly app: App;
  clock: number;
}

async function instance(): Promise<Instance> {
  const self = { clock: Date.now() } as Instance;
  const { app, store } = await instanceBeside(server, { now: () => self.clock });
  stores.push(store);
  return Object.assign(self, { app });
}

/** Whether something listens on 127.0.0.1:`port`. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/**
 * A job heard through A, its credentials fetched through B (unless not `fetched`), whose agent holds its metadata port
 * (one at most); ended through A. Then `pass` on B (its sweep, or the pass of a worker that does not sweep).
 */
async function endedThroughA(pass: (b: Instance) => Promise<unknown>, fetched = true): Promise<void> {
  const a = await instance();
  const b = await instance();
  const agent = createAgent({ app: b.app, maxMetadataEndpoints: 1 });
  agents.push(agent);
  const { id, capability } = await submitJob(server);
  assert.ok((await a.app.jobs.heartbeat(id)).ok);
  const port = await agent.openMetadata(id);
  if (fetched) {
    const served = await b.app.jobs.credentialsFor(capability);
    assert.ok(served.ok, JSON.stringify(served));
    assert.ok((await b.app.jobs.credentialsForJob(id)).ok);
    assert.equal(b.app.jobs.stats().jobs, 1, 'B holds the job it serves');
  }
  assert.ok(agent.metadataFull());

  const end = await a.app.jobs.endJob(capability, 0);
  assert.ok(end.ok && end.value.state === 'Succeeded', JSON.stringify(end));
  await pass(b);
  const held = b.app.jobs.stats();
  assert.deepEqual(held, { jobs: 0, deliveries: 0, heartbeats: 0, beatsSeen: 0, beatsToWrite: 0, byCapability: 0, byId: 0 }, 'B still holds the job A ended (its credentials, its documents, its heartbeat)');
  assert.equal(agent.metadataFull(), false, 'the port of the ended job still counts against the bound: B refuses jobs asking for a metadata endpoint');
  // B refuses the job's credentials, by capability and by its port's job id (past the second B may hold a job).
  b.clock += 1000;
  const refused = await b.app.jobs.credentialsFor(capability);
  assert.ok(!refused.ok && refused.error.status === 410, JSON.stringify(refused));
  const refusedById = await b.app.jobs.credentialsForJob(id);
  assert.ok(!refusedById.ok && refusedById.error.status === 410, JSON.stringify(refusedById));
  // The port answers 410 a few seconds (a last poll learns the end), then closes.
  const deadline = Date.now() + 8000;
  while (await listening(port)) {
    assert.ok(Date.now() < deadline, `the metadata port ${port} of job ${id}, ended through A, is still open on B`);
    await sleep(100);
  }
  // What the refusals looked up is dropped again at the next pass.
  await pass(b);
  assert.equal(b.app.jobs.stats().jobs, 0);
}

before(async () => {
  server = await startTestServer();
  await workspaceW(server);
});
after(async () => {
  for (const a of agents) await a.close().catch(() => {});
  for (const s of stores) await s.close().catch(() => {});
  await server?.stop();
});

describe('an instance drops what it holds of a job ended through another (review bq, 1)', () => {
  it('at its sweep: the job’s credentials, documents and heartbeat go, and its agent closes the job’s metadata port', async () => {
    await endedThroughA((b) => b.app.jobs.sweep());
  });

  it('on a worker that does not sweep, at its own pass (forgetEnded)', async () => {
    await endedThroughA((b) => b.app.jobs.forgetEnded());
  });

  it('a metadata port whose job B holds nothing else of (opened again after a restart, not yet read) closes too', async () => {
    await endedThroughA((b) => b.app.jobs.sweep(), false);
  });
});
