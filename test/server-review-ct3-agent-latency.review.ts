/**
 * Review ct, 3: /metrics had request latency for every API but the one jobs read their credentials from: the
 * credential endpoints on `--agent-listen` (the credentials URI, the container endpoint, the launcher's heartbeat and
 * end), one of the four hot paths (DESIGN.md "Performance model"). A slow delivery, or a run of 403s (capabilities
 * guessed, or a job's environment gone stale) showed nowhere but in the audit log. They are
 * `gatehouse_http_request_duration_seconds{api="agent"}` now, by status, naming no job and no capability.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const sample = (text: string, line: string): number | undefined => {
  const l = text.split('\n').find((x) => x.startsWith(`${line} `));
  return l === undefined ? undefined : Number(l.slice(line.length + 1));
};

describe('review ct3: the credential endpoints of jobs are in the latency histogram', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('counts each delivery and refusal by status, without the capability', async () => {
    assert.ok((await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
    const sub = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability } = sub.json as { capability: string };
    const agent = s.running.agentUrl;
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${agent}/v1/container-credentials`, { headers: { authorization: capability } })).status, 200);
    assert.equal((await fetch(`${agent}/v1/credentials/${capability}`)).status, 200);
    assert.equal((await fetch(`${agent}/v1/container-credentials`, { headers: { authorization: 'guessed' } })).status, 403);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    assert.equal(sample(text, 'gatehouse_http_request_duration_seconds_count{api="agent",code="200"}'), 3);
    assert.equal(sample(text, 'gatehouse_http_request_duration_seconds_count{api="agent",code="403"}'), 1);
    assert.ok(!text.includes(capability));
  });
});
