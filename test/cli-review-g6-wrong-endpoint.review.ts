/**
 * An endpoint that is not the admin API (review cli, G6): pointed at the server's agent port by mistake,
 * `gatehouse iam users get bob` answered `Http404: the server answered 404` and exit 6 — "bob does not exist" to a
 * script that creates what is missing — and at a port answering 400 in XML, exit 8 "the server rejected the input".
 * An answer without the API's `{"error": {"code"}}` now says the endpoint may be the agent's or the S3 gateway's, and
 * exits 10 (the Gatehouse API was not reached). The CLI's program in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1: its API,
 * its agent port, its S3 gateway.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('an endpoint that is not the Gatehouse API', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const usersGet = (endpoint: string) =>
    gatehouseInProcess(['iam', 'users', 'get', 'bob', '--endpoint', endpoint], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey });

  it('the API itself: bob does not exist, exit 6', async () => {
    const r = await usersGet(s.url);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /NoSuchEntity/);
  });

  it('the agent port (404 in another JSON shape): exit 10, naming the likely mistake', async () => {
    const r = await usersGet(s.running.agentUrl);
    assert.equal(r.code, 10, r.stderr);
    // Since review readme iv4 the port says what it is and where the API is, and the CLI says so.
    assert.match(r.stderr, /is Gatehouse's credential endpoint for jobs \(--agent-listen\), not its API: give the API's address/);
  });

  it('the S3 gateway (an S3 XML error): exit 10, not 8 or 9', async () => {
    const r = await usersGet(s.running.s3Url);
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /is Gatehouse's S3 gateway, not its API: give the API's address/);
  });
});
