/**
 * Review ig, finding 3: a job's credentials fetched while the database could not be reached, from an instance holding
 * the job (its first session, or one past its servable time), were answered 503 with the driver's own words:
 * `the job's state cannot be read: PostgreSQL is unavailable: connect ECONNREFUSED 10.0.3.7:5432`. The database's
 * address, and what failed there, went to every process of the job, whatever code it runs; the other doors of an
 * outage (the API, a job not held, a launcher's heartbeat) answer a fixed message and keep the detail for the operator's
 * log (src/adapters/http/server.ts, src/adapters/agent/imds.ts `JOB_ENDPOINT_OUTAGE`). This one does too now.
 *
 * An agent (the server's credential endpoints) over one App on the test server's SQLite store, whose reads fail as
 * PostgreSQL's store fails them when the database refuses connections, once the test says so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReadTx, Store } from '../src/app/ports/store.ts';
import { StoreUnavailableError } from '../src/app/ports/store.ts';
import { agentBeside, closeBeside, submitJob, workspaceW, type AgentBeside } from './support/job-agent-beside.ts';
import { startTestServer, type TestServer } from './support/server.ts';

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

describe("a job's credentials fetched during a database outage (review ig, 3)", () => {
  it('are refused 503 without the database s address or error', async () => {
    let down = false;
    const gated = (raw: Store): Store =>
      Object.assign(Object.create(raw) as Store, {
        read: async <T>(fn: (tx: ReadTx) => Promise<T>, o?: Parameters<Store['read']>[1]): Promise<T> => {
          // As src/adapters/store-postgres/store.ts words a refused connection.
          if (down) throw new StoreUnavailableError('PostgreSQL is unavailable: connect ECONNREFUSED 10.0.3.7:5432');
          return raw.read(fn, o);
        },
      });
    const logs: string[] = [];
    const made = (beside = await agentBeside(server, gated, (l) => void logs.push(l)));
    const { capability } = await submitJob(server);
    // The job as this instance holds it (read a moment ago), and no session of it yet.
    assert.ok(await made.app.jobs.jobByCapability(capability));

    down = true;
    const r = await fetch(`http://127.0.0.1:${made.port}/v1/container-credentials`, { headers: { authorization: capability } });
    const body = await r.text();
    down = false;
    assert.equal(r.status, 503, body);
    assert.equal((JSON.parse(body) as { Code?: string }).Code, 'Unavailable', body);
    assert.doesNotMatch(body, /10\.0\.3\.7|ECONNREFUSED|PostgreSQL/, 'the database s address and error went to the job');
    assert.match(body, /database/, 'says why: the database cannot be reached');
    // The operator's log has it.
    assert.ok(logs.some((l) => l.includes('10.0.3.7:5432')), logs.join('\n'));
  });
});
