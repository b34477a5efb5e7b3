/**
 * Review ps, finding 1: a job's session issued while the job was being ended elsewhere (the job live as the fetch read
 * it, ended as it read again after issuing: src/app/jobs.ts `issueIfLive`) was revoked by its session id, an entry the
 * prune keeps 36 h 15 min (`RETIRED_KEEP_MS`, the longest any session lasts), though the session it refuses expires
 * with its own `exp`. Every job end that met a fetch in flight (a job's processes fetch credentials at will, and the job
 * itself reports its own exit) left one, loaded whole by every instance for a day and a half.
 *
 * The contract: src/app/live.ts `pruneRevocations` (stop 29) and review pm, 2 (`signInRevocationId`): an entry is kept
 * while a session it refuses may still be presented, its expiry plus the clock skew allowed (15 min, `CLOCK_SKEW_MS`),
 * and no longer. Now the entry names the session's expiry (`revoke/signin/<exp>/<sid>`, pm2's kind), refuses the
 * session until then, and the prune deletes it once that and the skew have passed.
 *
 * An instance beside the test server (its SQLite store) whose store ends the job, through the server's API, just after
 * the fetch's session is shared (the race made certain); the prune run at instants as the hourly prune would run it.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Store, WriteTx } from '../src/app/ports/store.ts';
import type { App } from '../src/app/index.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { agentBeside, closeBeside, submitJob, workspaceW, type AgentBeside } from './support/job-agent-beside.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const MIN = 60_000;
let server: TestServer;
let beside: AgentBeside | undefined;

before(async () => {
  server = await startTestServer();
  await workspaceW(server);
});
after(async () => {
  await closeBeside(beside);
  await server?.stop();
});

describe("a session issued as its job ended (review ps, 1)", () => {
  it('is refused until it expires, and its entry is pruned then, not 36 h on', async () => {
    let endJob: (() => Promise<void>) | undefined;
    const racing = (raw: Store): Store =>
      Object.assign(Object.create(raw) as Store, {
        write: async <T>(fn: (tx: WriteTx) => Promise<T>, o?: Parameters<Store['write']>[1]): Promise<T> => {
          const r = await raw.write(fn, o);
          const end = endJob;
          endJob = undefined;
          await end?.();
          return r;
        },
      });
    const made = (beside = await agentBeside(server, racing));
    const app: App = made.app;
    const { capability, id } = await submitJob(server);
    const job = { id };
    assert.ok(await app.jobs.jobByCapability(capability));
    endJob = async () => {
      const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${job.id}/stop`, {});
      assert.ok(stopped.status < 300, JSON.stringify(stopped.json));
    };
    const r = await fetch(`http://127.0.0.1:${made.port}/v1/container-credentials`, { headers: { authorization: capability } });
    await r.text();
    assert.equal(endJob, undefined, 'the job was ended during the fetch');

    const keys = await made.store.read((tx) => tx.kv.list('revoke/'));
    const own = keys.map((e) => e.key).filter((k) => !k.startsWith('revoke/job/'));
    assert.equal(own.length, 1, `the lost session's entry: ${keys.map((e) => e.key).join(', ')}`);
    const m = /^revoke\/signin\/(\d+)\/([^/]+)$/.exec(own[0] as string);
    // Before the fix: revoke/sid/<sid>, kept 36 h 15 min.
    assert.ok(m, `an entry naming the session's expiry: ${own[0]}`);
    const exp = Number(m[1]);
    const sid = m[2] as string;
    assert.ok(exp > Date.now() && exp < Date.now() + 36 * 60 * MIN, `expiry ${new Date(exp).toISOString()}`);

    // The job's own entry put aside: the session's entry alone refuses it, until its expiry and the skew have passed.
    await made.store.write(async (tx) => {
      await tx.kv.delete(`revoke/job/${job.id}`);
    });
    await app.live.refresh();
    const claims = { sid, exp, iat: Date.now() - 1000, job: job.id } as unknown as SessionClaims;
    assert.equal(app.live.isRevoked(claims), true, 'refused');
    assert.equal(await app.live.pruneRevocations(exp), 0, 'kept while the session may be presented');
    assert.equal(await app.live.pruneRevocations(exp + 14 * MIN), 0, 'kept within the skew');
    assert.equal(app.live.isRevoked(claims), true, 'still refused');
    assert.equal(await app.live.pruneRevocations(exp + 16 * MIN), 1, 'pruned once expired and the skew passed');
    assert.equal((await made.store.read((tx) => tx.kv.list('revoke/'))).length, 0);
  });
});
