/**
 * Review cb, finding 1: a caller with no grant on jobs but an explicit deny on one workspace (`Deny training:* on
 * workspace/merger-talks`) asked about a job of that workspace was told "explicit deny ... (on
 * arn:aws:training::…:workspace/merger-talks)", and about a job id that is not there "not allowed" on the job's ARN: it
 * learnt that the job exists and which workspace holds it (review ag, 1 had closed this for callers without a deny).
 * Now such a caller gets for a job there the refusal a job not there gets, from `jobs get|events|stop` and
 * `sts revoke-sessions --job` alike; the audit log still records the explicit deny on the workspace. A caller that may
 * act on the job's ARN, and so is told when a job is not there, is still told the workspace's deny.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobAnswers, mergerTalksJob, userWithStatements } from './support/job-existence.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const MISSING = 'nosuchjob0001';
const WS = `arn:aws:training::${A}:workspace/merger-talks`;

let server: TestServer;
let id = '';
const who: Record<string, Credentials> = {};

async function user(name: string, ...statements: object[]): Promise<void> {
  who[name] = await userWithStatements(server, name, ...statements);
}

/** The four ways of asking about job `jobId`: status and answer, the job id replaced by `ID`. */
async function answers(name: string, jobId: string): Promise<{ status: number; message: string }[]> {
  return jobAnswers(server, who[name] as Credentials, jobId);
}

before(async () => {
  server = await startTestServer();
  id = await mergerTalksJob(server);
  // A deny on the workspace, and nothing allowed.
  await user('dana', { Effect: 'Deny', Action: 'training:*', Resource: WS });
  // Allowed on every job's ARN, denied on the workspace.
  await user('dora', { Effect: 'Allow', Action: 'training:*', Resource: `arn:aws:training::${A}:job/*` }, { Effect: 'Deny', Action: 'training:*', Resource: WS });
});
after(async () => {
  await server?.stop();
});

describe('review cb1: a deny on a job\'s workspace does not tell a caller without rights that the job exists', () => {
  test('the same refusal for the job there and for a job not there, naming no workspace', async () => {
    const [there, absent] = await Promise.all([answers('dana', id), answers('dana', MISSING)]);
    assert.deepEqual(there.map((a) => a.status), [403, 403, 403, 403], JSON.stringify(there));
    // Before the fix: "explicit deny … (on …:workspace/merger-talks)" for the job there.
    assert.deepEqual(there, absent);
    assert.doesNotMatch(JSON.stringify(there), /merger-talks/);
  });

  test('the CLI says the same for both', async () => {
    for (const args of [['jobs', 'get'], ['sts', 'revoke-sessions', '--job']]) {
      const [there, absent] = await Promise.all([cliAgainst(server, [...args, id], who['dana']), cliAgainst(server, [...args, MISSING], who['dana'])]);
      assert.equal(there.status, 9, there.err);
      // Each refusal says the id of its own answer (review sp, 1): drawn at random, it tells nothing of the job.
      const same = (err: string, job: string): string => err.replaceAll(job, 'ID').replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<request id>');
      assert.equal(same(absent.err, MISSING), same(there.err, id));
    }
  });

  test('the audit log records the explicit deny on the workspace', async () => {
    const records = await auditRecords(server, { principal: `arn:aws:iam::${A}:user/dana`, action: 'training:GetJob' });
    const onWorkspace = records.filter((r) => r.resource === WS);
    assert.ok(onWorkspace.length >= 1, JSON.stringify(records));
    assert.ok(onWorkspace.every((r) => r.decision === 'ExplicitDeny'), JSON.stringify(onWorkspace));
  });

  test('a caller allowed on the job\'s ARN is told the workspace\'s deny, and that a missing job is not there', async () => {
    const [there, absent] = await Promise.all([answers('dora', id), answers('dora', MISSING)]);
    assert.deepEqual(there.map((a) => a.status), [403, 403, 403, 403], JSON.stringify(there));
    for (const a of there) assert.match(a.message, /merger-talks/);
    assert.deepEqual(absent.map((a) => a.status), [404, 404, 404, 404], JSON.stringify(absent));
  });
});
