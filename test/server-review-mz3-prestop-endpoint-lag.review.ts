/**
 * Review mz, 3: every rollout or scale-down of deploy/kubernetes's server StatefulSet refused connections that the
 * Service still sent to the pod leaving. On SIGTERM `gatehouse server` stops accepting at once (its ports close, the
 * requests in flight get their grace), but Kubernetes removes a terminating pod from the Service's EndpointSlices at
 * the same time as it signals it, not before: kube-proxy, kube-apiserver's own routing to the webhooks and any ingress
 * pick the removal up a moment later, and meanwhile they sent new connections to a closed port (ECONNREFUSED): a
 * Kubernetes webhook call failed (with `failurePolicy: Fail`, a pod refused admission), an SDK call failed. Kubernetes'
 * "Termination of Pods" says so, and the usual answer is a preStop hook that waits before the signal. The manifest had
 * none. Now the server container waits 5 s in a preStop hook (the image is node:24-slim, which has `sleep`), and its
 * termination grace period covers that wait and the server's own bounded stop (up to 30 s: the edges' 10 s grace, the
 * audit log's 10 s drain, 5 s for the last writes, 5 s for the store to close; docs/decisions.md), so the spool of
 * unwritten audit records is still written before SIGKILL.
 * Before the fix 2 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const DEPLOY = join(import.meta.dirname, '..', 'deploy', 'kubernetes');
/** The longest stop of `gatehouse server` after SIGTERM, seconds (src/main/server.ts `stop`). */
const SERVER_STOP_SECONDS = 30;

type Container = { name: string; args?: string[]; lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds?: number } } } };
type Workload = { kind: string; metadata: { name: string }; spec?: { template?: { spec: { terminationGracePeriodSeconds?: number; containers: Container[] } } } };

async function server(): Promise<{ pod: NonNullable<NonNullable<Workload['spec']>['template']>['spec']; container: Container }> {
  for (const d of parseAllDocuments(await readFile(join(DEPLOY, 'deployment.yaml'), 'utf8'))) {
    const w = d.toJS() as Workload;
    const pod = w.spec?.template?.spec;
    const container = pod?.containers.find((c) => c.args?.includes('server'));
    if (pod !== undefined && container !== undefined && w.metadata.name === 'gatehouse') return { pod, container };
  }
  return assert.fail('deployment.yaml has no gatehouse server container');
}

/** Seconds the preStop hook waits before the kubelet sends SIGTERM (exec `sleep N`, or the sleep action). */
function preStopWait(c: Container): number {
  const hook = c.lifecycle?.preStop;
  if (hook?.sleep?.seconds !== undefined) return hook.sleep.seconds;
  const cmd = hook?.exec?.command ?? [];
  return cmd.length === 2 && /(^|\/)sleep$/.test(cmd[0] ?? '') && /^\d+$/.test(cmd[1] ?? '') ? Number(cmd[1]) : 0;
}

test('the server container waits in a preStop hook while the Service stops sending it connections', async () => {
  const { container } = await server();
  const wait = preStopWait(container);
  assert.ok(wait >= 5, `preStop waits ${wait} s: ${JSON.stringify(container.lifecycle ?? null)}`);
  // An exec hook needs `sleep` in the image: the Dockerfile's base is a Debian one.
  if (container.lifecycle?.preStop?.exec !== undefined) assert.match(await readFile(join(DEPLOY, 'Dockerfile'), 'utf8'), /^FROM node:\d+-(slim|bookworm|bullseye)\b/m);
});

test('its termination grace period covers the preStop wait and the server\'s own bounded stop', async () => {
  const { pod, container } = await server();
  // The default is 30 s, which the preStop wait counts against (it is part of the grace period).
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  const wait = preStopWait(container);
  assert.ok(wait > 0, 'a preStop wait');
  assert.ok(grace >= wait + SERVER_STOP_SECONDS, `terminationGracePeriodSeconds ${grace} < ${wait} s of preStop + ${SERVER_STOP_SECONDS} s of the server's stop`);
});
