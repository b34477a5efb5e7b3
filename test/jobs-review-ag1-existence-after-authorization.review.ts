/**
 * Review ag, finding 1: `gatehouse jobs get ID` (and `jobs events`, `jobs stop`, their routes under /v1/jobs) and
 * `gatehouse sts revoke-sessions --job ID` (POST /v1/sts/revoke-sessions) answered NoSuchEntity for a job id that is not
 * there before asking whether the caller may act on it: a caller with no training rights at all told the ids that
 * exist (AccessDenied) from those that do not (NoSuchEntity), and the refusal of an existing job named the workspace
 * that holds it. AWS answers AccessDenied first to a caller not allowed the action on the named resource. Now a job the
 * caller's account does not hold gets the very refusal a job it may not reach gets, unless the caller may act on any
 * job there (on the job's ARN, or on every workspace): then NoSuchEntity. And `jobs stop` needs training:StopJob only
 * (it asked for training:GetJob first). Real server (SQLite), the admin API as the gatehouse CLI signs it, the CLI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { jobAnswers, mergerTalksJob, userWithStatements } from './support/job-existence.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const MISSING = 'nosuchjob0001';

let server: TestServer;
let id = '';
const who: Record<string, Credentials> = {};

async function user(name: string, ...statements: object[]): Promise<void> {
  who[name] = await userWithStatements(server, name, ...statements);
}

/** The four ways of asking about job `jobId`, each answered: status and error message (the job id replaced by `ID`). */
async function answers(name: string, jobId: string): Promise<{ status: number; message: string }[]> {
  return jobAnswers(server, name === 'admin' ? server.admin : (who[name] as Credentials), jobId);
}

before(async () => {
  server = await startTestServer();
  id = await mergerTalksJob(server);
  // No training rights at all.
  await user('mallory');
  // Another job's ARN only.
  await user('gina', { Effect: 'Allow', Action: 'training:*', Resource: `arn:aws:training::${A}:job/other` });
  // One workspace: its jobs, not every job.
  await user('erin', { Effect: 'Allow', Action: ['training:GetJob', 'training:StopJob'], Resource: `arn:aws:training::${A}:workspace/merger-talks` });
  // Every job, stopping only.
  await user('stella', { Effect: 'Allow', Action: 'training:StopJob', Resource: '*' });
});
after(async () => {
  await server?.stop();
});

describe('review ag1: whether a job exists is told only to a caller allowed to act on it', () => {
  test('a caller with no rights gets the same refusal for a job that exists and for one that does not', async () => {
    for (const name of ['mallory', 'gina']) {
      const [there, absent] = await Promise.all([answers(name, id), answers(name, MISSING)]);
      assert.deepEqual(there.map((a) => a.status), [403, 403, 403, 403], JSON.stringify(there));
      // Before the fix: 404 NoSuchEntity for each, and the refusal of the job there named its workspace.
      assert.deepEqual(absent, there);
      assert.doesNotMatch(JSON.stringify(there), /merger-talks/);
    }
  });

  test('the CLI: jobs get and sts revoke-sessions --job exit 9 (not allowed) for both, saying the same', async () => {
    for (const args of [['jobs', 'get'], ['jobs', 'stop'], ['sts', 'revoke-sessions', '--job']]) {
      const [there, absent] = await Promise.all([cliAgainst(server, [...args, id], who['mallory']), cliAgainst(server, [...args, MISSING], who['mallory'])]);
      assert.equal(there.status, 9, there.err);
      assert.equal(absent.status, 9, absent.err);
      // Each refusal says the id of its own answer (review sp, 1): drawn at random, it tells nothing of the job.
      const same = (err: string, job: string): string => err.replaceAll(job, 'ID').replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<request id>');
      assert.equal(same(absent.err, MISSING), same(there.err, id));
    }
  });

  test('a caller allowed on every job is told the job does not exist (404), and may act on the one that does', async () => {
    const absent = await answers('admin', MISSING);
    assert.deepEqual(absent.map((a) => a.status), [404, 404, 404, 404], JSON.stringify(absent));
    const missing = await cliAgainst(server, ['jobs', 'get', MISSING]);
    assert.equal(missing.status, 6, missing.err);
  });

  test("a grant on one workspace reaches its jobs, and learns nothing of ids outside it", async () => {
    const r = await gatehouseJson(server.url, who['erin'] as Credentials, 'GET', `/v1/jobs/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const absent = await answers('erin', MISSING);
    assert.deepEqual(absent.map((a) => a.status), [403, 403, 403, 403], JSON.stringify(absent));
  });

  test('another account\'s job is answered as a job not there: refused to a caller without rights', async () => {
    const b = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: '333344445555', partition: 'aws', name: 'b' });
    assert.equal(b.status, 201, JSON.stringify(b.json));
    const bAdmin = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
    const iam = server.iam(bAdmin);
    await iam.send(new I.CreateUserCommand({ UserName: 'bo' }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bo' }))).AccessKey!;
    const bo = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    const [there, absent] = await Promise.all([gatehouseJson(server.url, bo, 'GET', `/v1/jobs/${id}`), gatehouseJson(server.url, bo, 'GET', `/v1/jobs/${MISSING}`)]);
    assert.equal(there.status, 403, JSON.stringify(there.json));
    assert.equal(JSON.stringify(absent.json).replaceAll(MISSING, 'ID'), JSON.stringify(there.json).replaceAll(id, 'ID'));
    // B's admin, allowed on every job of B, is told it is not there (review ad3).
    assert.equal((await gatehouseJson(server.url, bAdmin, 'GET', `/v1/jobs/${id}`)).status, 404);
  });

  test('a malformed id is said to be one, naming the field', async () => {
    const bad = 'x'.repeat(129);
    const [got, revoked] = await Promise.all([gatehouseJson(server.url, who['mallory'] as Credentials, 'GET', `/v1/jobs/${bad}`), gatehouseJson(server.url, who['mallory'] as Credentials, 'POST', '/v1/sts/revoke-sessions', { jobId: 'a b' })]);
    assert.equal(got.status, 400, JSON.stringify(got.json));
    assert.match(JSON.stringify(got.json), /is not a job id/);
    assert.equal(revoked.status, 400, JSON.stringify(revoked.json));
    assert.match(JSON.stringify(revoked.json), /jobId/);
  });

  test('jobs stop needs training:StopJob only', async () => {
    const stopped = await gatehouseJson(server.url, who['stella'] as Credentials, 'POST', `/v1/jobs/${id}/stop`, {});
    // Before the fix: 403, training:GetJob.
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    assert.equal(stopped.json['state'], 'Stopped');
  });
});
