/**
 * Review aa3: `gatehouse jobs run` submits the job twice when the server fails after storing it. POST /v1/jobs stores
 * the job, then opens its metadata endpoint, which notes the endpoint in the job's stored document (a write of its
 * own, `noteMetadataEndpoint`); a store failure there is a StoreUnavailableError, answered 503 ServiceUnavailable
 * for a job that exists, and the CLI (H16) sends the submission again: a second job, run by the launcher, while the
 * first stays Queued with a capability nobody holds until its launcher's silence fails it.
 *
 * Repro: a real server on PostgreSQL through a TCP proxy on 127.0.0.1 that cuts the connection of the first statement
 * carrying `metadataEndpoint` (that write); the CLI's program, in this process (test/support/gatehouse-cli.ts), runs
 * `true` as the job.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cutAt, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('review aa3: a job stored is not submitted again', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_aa3');
  });
  after(() => s?.stop());

  it('gatehouse jobs run makes one job', async () => {
    const ws = await s.cli(['workspaces', 'put', 'w1', '--member', 'user:admin']);
    assert.equal(ws.code, 0, ws.stderr);
    s.fault = cutAt((text) => text.includes('metadataEndpoint'));
    const r = await s.cli(['jobs', 'run', '--workspace', 'w1', '--role', 'none', '--', 'true']);
    assert.equal(s.fired, 1, `the proxy cut the write of the metadata endpoint (exit ${r.code}: ${r.stderr.trim()} ${r.stdout.trim()})`);
    const listed = await s.cli(['jobs', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const jobs = (JSON.parse(listed.stdout) as { jobs: { id: string; state: string }[] }).jobs;
    // Before: two jobs (the first Queued, its capability never handed out), the command exit 0.
    assert.equal(jobs.length, 1, `jobs after one run: ${JSON.stringify(jobs)}; exit ${r.code}: ${r.stderr.trim()}`);
  });
});
