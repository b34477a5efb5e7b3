/**
 * Review bf: a job stopped through one instance is given no new session by another. Two workers (`gatehouse server
 * --workers 2`, src/main/workers.ts) share one store as instances on one PostgreSQL do; each holds a job it has seen
 * for up to a second. The job's end revokes the sessions issued until then, so the worker still holding the job as
 * Running found its cached session revoked and issued a new one, after the revocation and so not covered by it: a
 * 12-hour session of a stopped job, which GetCallerIdentity accepted after the stop.
 *
 * Now a session is issued only to a job the store says is live, read before and after the issuance (an end committed
 * meanwhile revokes that session by its id). Fetches on fresh connections (each goes to the next worker) while the
 * job is stopped: every session handed out after the stop is refused, and the fetches end in 410.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { freshRequest, twoWorkers } from './support/workers.ts';

interface Doc {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
}

const fetchOn = (url: string, path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> => freshRequest(`${url}${path}`, headers, method);

describe('a job stopped through one worker gets no new session from another (review bf)', () => {
  const server = twoWorkers('bf-stop');

  it('sessions handed out while the stop spreads are refused after it, and fetches end in 410', async () => {
    const { w } = server;
    const admin = await server.admin();
    assert.equal((await gatehouseJson(w.url, admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300, true);
    const sub = await gatehouseJson(w.url, admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { job, capability } = sub.json as { job: { id: string }; capability: string };
    await fetchOn(w.agentUrl, '/v1/launcher/heartbeat', { authorization: capability }, 'POST');
    // Both workers serve the job (fresh connections go to each in turn) and hold it.
    const before = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await fetchOn(w.agentUrl, '/v1/container-credentials', { authorization: capability });
      assert.equal(r.status, 200, r.body);
      before.add((JSON.parse(r.body) as Doc).AccessKeyId);
    }
    const stopping = gatehouseJson(w.url, admin, 'POST', `/v1/jobs/${job.id}/stop`, {});
    const handedOut = new Map<string, Doc>();
    const t0 = Date.now();
    let last = 0;
    while (Date.now() - t0 < 1_500) {
      const r = await fetchOn(w.agentUrl, '/v1/container-credentials', { authorization: capability });
      last = r.status;
      if (r.status === 200) {
        const d = JSON.parse(r.body) as Doc;
        if (!before.has(d.AccessKeyId)) handedOut.set(d.AccessKeyId, d);
      }
    }
    assert.ok((await stopping).status < 300);
    // The stop has reached every worker: nothing more is handed out.
    await sleep(1_500);
    for (let i = 0; i < 4; i++) assert.equal((await fetchOn(w.agentUrl, '/v1/container-credentials', { authorization: capability })).status, 410);
    void last;
    // Whatever was handed out while the stop spread works no more.
    for (const d of handedOut.values()) {
      const sts = new STSClient({ endpoint: w.url, region: 'us-east-1', credentials: { accessKeyId: d.AccessKeyId, secretAccessKey: d.SecretAccessKey, sessionToken: d.Token }, maxAttempts: 1 });
      await assert.rejects(sts.send(new GetCallerIdentityCommand({})), `session ${d.AccessKeyId}, handed out after the stop began, still works`);
      sts.destroy();
    }
  });
});
