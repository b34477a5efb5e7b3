/**
 * Review nn, finding 3: a pod's own processes, or anyone who can read the pod's spec, could end the pod's job, and with
 * it revoke the credentials of a pod still running.
 *
 * The contract: "A pod job ends on the pod's DELETE admission only" (docs/decisions.md, pods; review ce, 4: the job ends on
 * the DELETE that removes the pod), and "Such jobs are not swept by heartbeat: a pod has no launcher" (Job.pod: "it ends
 * when the pod is deleted, not by heartbeat"). The pod's capability is written into its spec in clear (README, "A pod's
 * credentials are as readable as the pod"), and the launcher's routes of the credential port (`POST /v1/launcher/end`,
 * `/v1/launcher/heartbeat`) took it as a launcher's: a POST of `{"exitCode": 0}` with it marked the pod's job Succeeded
 * ("reported by its launcher") and revoked every session of a pod still running, so a principal allowed only to read
 * pods in the namespace could cut any pod there off its role. A pod's job has no launcher now: both routes answer 403
 * to its capability, which still reads its credentials.
 *
 * Real server; AdmissionReviews as kube-apiserver sends them; the pod's capability from its patched environment.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startPodWorld, type PodWorld } from './support/pod-world.ts';
import type { TestServer } from './support/server.ts';

let w: PodWorld;
let server: TestServer;
type Json = Record<string, unknown>;

const runningPod = (name: string): Promise<{ pod: Json; env: Record<string, string> }> => w.runningPod(name);

before(async () => {
  w = await startPodWorld();
  server = w.server;
});
after(() => w?.stop());

const post = (env: Record<string, string>, path: string, body?: string): Promise<Response> =>
  fetch(`${new URL(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin}${path}`, { method: 'POST', headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '', 'content-type': 'application/json' }, ...(body !== undefined ? { body } : {}) });

async function stateOf(id: string): Promise<string> {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['state']);
}

describe('review nn3: a pod has no launcher', () => {
  it('its capability does not end its job, and its credentials keep working', async () => {
    const { env } = await runningPod('p-end');
    const id = env['GATEHOUSE_JOB_ID'] ?? '';
    const before = await stateOf(id);
    const end = await post(env, '/v1/launcher/end', '{"exitCode":0}');
    assert.equal(end.status, 403, `the pod's capability ended its job: ${await end.text()}`);
    assert.equal(await stateOf(id), before);
    const r = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
    assert.equal(r.status, 200, await r.text());
  });

  it('its capability is no heartbeat', async () => {
    const { env } = await runningPod('p-beat');
    const beat = await post(env, '/v1/launcher/heartbeat');
    assert.equal(beat.status, 403, await beat.text());
  });
});
