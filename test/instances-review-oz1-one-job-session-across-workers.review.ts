/**
 * Review oz, 1: every endpoint of a job serves one session, whichever worker (or instance) answers. DESIGN.md ("Pinned
 * details", Delivery endpoints): "every endpoint of a job serves the same session at a given moment". Each worker of
 * `gatehouse server --workers N` (and each instance on one PostgreSQL database) kept its own cache of a job's credentials
 * and issued the job a session of its own: fetches on fresh connections (the next worker takes each) handed one job's
 * ranks two sessions, its container endpoint one and its credentials URI the other, and a node agent in front of them
 * swapped sessions at each revalidation. Now the session a worker issues for a job is stored with the job (its token,
 * which holds the secret sealed under the key ring: a dump of the store yields no usable credential), and a worker that
 * has none of the job's, or whose own is due for refresh, revoked or of a role made again, takes the stored one when it
 * is still good, issuing only when it is not. After `sts revoke-sessions --job` every worker moves to one new session.
 *
 * Before the fix 2 of 2 tests failed (two sessions for one job, before and after the revocation).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { freshRequest, twoWorkers } from './support/workers.ts';
import { settled } from './support/settle.ts';

/** The access key ids one job's endpoints hand out over `n` fresh connections each (the workers take them in turn). */
async function keyIds(agentUrl: string, env: Record<string, string>, n: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let i = 0; i < n; i++) {
    const c = await freshRequest(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? `${agentUrl}/v1/container-credentials`, { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' });
    assert.equal(c.status, 200, c.body);
    ids.add((JSON.parse(c.body) as { AccessKeyId: string }).AccessKeyId);
    const u = await freshRequest(env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '');
    assert.equal(u.status, 200, u.body);
    ids.add((JSON.parse(u.body) as { AccessKeyId: string }).AccessKeyId);
  }
  return ids;
}

describe('one session per job across workers (review oz, 1)', () => {
  const server = twoWorkers('oz1-one-session');
  let env: Record<string, string> = {};
  let jobId = '';
  let first = '';

  it('the container endpoint and the credentials URI hand out one session, whichever worker answers', async () => {
    const { w } = server;
    const admin = await server.admin();
    assert.ok((await gatehouseJson(w.url, admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
    const sub = await gatehouseJson(w.url, admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    ({ environment: env, job: { id: jobId } } = sub.json as { environment: Record<string, string>; job: { id: string } });
    const ids = await keyIds(w.agentUrl, env, 4);
    // Before the fix: one session per worker.
    assert.equal(ids.size, 1, `sessions handed out: ${[...ids].join(', ')}`);
    first = [...ids][0] ?? '';
  });

  it("after the job's sessions are revoked, every worker moves to one new session", async () => {
    const { w } = server;
    const admin = await server.admin();
    const revoked = await gatehouseJson(w.url, admin, 'POST', '/v1/sts/revoke-sessions', { jobId });
    assert.ok(revoked.status < 300, JSON.stringify(revoked.json));
    // The revocation reaches the other worker within about a second (its change notes, or the 1 s poll): until then it
    // may still hand out the revoked session. Asked again until neither worker does (to a bound of time: settle.ts).
    await settled(() => keyIds(w.agentUrl, env, 1), (ids) => !ids.has(first));
    const ids = await keyIds(w.agentUrl, env, 4);
    assert.equal(ids.size, 1, `sessions handed out: ${[...ids].join(', ')}`);
    assert.notEqual([...ids][0], first, 'a new session, not the revoked one');
  });
});
