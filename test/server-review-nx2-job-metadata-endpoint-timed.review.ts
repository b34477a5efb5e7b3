/**
 * Review nx, 2 (metrics): `gatehouse_http_request_duration_seconds` times every request the server takes, per API (README
 * section 7), and review ct, 3 put the credential endpoints jobs read their credentials from under `api="agent"`: "a
 * slow delivery, or a run of 403s ... showed nowhere but in the audit log". A job's metadata endpoint (the IMDS port
 * the server opens for it, `AWS_EC2_METADATA_SERVICE_ENDPOINT`) is one of them, the one every SDK's instance-metadata
 * provider and boto3 read, and it was left out: its requests (the IMDSv2 token PUT, the role listing, the credentials,
 * its 403s to another uid and 503s in an outage) were in no series, however many a job's ranks made. Now they are
 * timed under `api="agent"` by status, naming no job and no port, as the other credential endpoints are.
 *
 * Real server (SQLite) with its agent listener; the job's credentials read by the AWS SDK v3 instance-metadata provider
 * (`fromInstanceMetadata`, IMDSv2) from the endpoint its environment names.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromInstanceMetadata } from '@aws-sdk/credential-providers';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo, keysOf } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** Every `_count` of the latency histogram for `api="agent"`, by code. */
const agentCounts = async (url: string): Promise<Map<string, number>> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^gatehouse_http_request_duration_seconds_count\{api="agent",code="(\d+)"\} (\S+)$/gm)) out.set(m[1] as string, Number(m[2]));
  return out;
};

describe('review nx2: a job\'s metadata endpoint is in the latency histogram', () => {
  let s: TestServer;
  let metadataUrl = '';
  before(async () => {
    s = await startTestServer();
    const conn = connectionTo(s.url, keysOf({ AccessKeyId: s.admin.accessKeyId, SecretAccessKey: s.admin.secretAccessKey }));
    assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
    const r = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
    assert.ok(r.ok, JSON.stringify(r));
    metadataUrl = r.value.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '';
    assert.match(metadataUrl, /^http:\/\/127\.0\.0\.1:\d+/);
  });
  after(async () => {
    await s?.stop();
  });

  it('the IMDSv2 reads of an SDK, and a 404, are counted under api="agent" by status', async () => {
    const before = await agentCounts(s.url);
    const previous = process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
    process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = metadataUrl;
    try {
      const c = await fromInstanceMetadata({ ec2MetadataV1Disabled: true, maxRetries: 0, timeout: 10_000 })();
      assert.ok(c.accessKeyId.length > 0);
    } finally {
      if (previous === undefined) delete process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
      else process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = previous;
    }
    const missing = await fetch(`${metadataUrl}/no/such/path`);
    await missing.arrayBuffer();
    assert.equal(missing.status, 404);
    // Timed when each connection closes: waited for, with a generous deadline.
    const end = Date.now() + 10_000;
    let now = await agentCounts(s.url);
    const grew = (code: string): number => (now.get(code) ?? 0) - (before.get(code) ?? 0);
    while ((grew('200') < 3 || grew('404') < 1) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      now = await agentCounts(s.url);
    }
    // The token PUT, the role listing and the role's credentials; and the 404.
    assert.ok(grew('200') >= 3, `api="agent" code="200" grew by ${grew('200')}, not by the SDK's 3 reads`);
    assert.equal(grew('404'), 1, `api="agent" code="404" grew by ${grew('404')}`);
  });
});
