/**
 * deploy/kubernetes (review M7): `gatehouse server` listens only once the directory is loaded, so the liveness probe
 * of every server pod waits behind a startup probe that allows a large directory minutes to load; without one, 6
 * failed liveness checks 10 s apart would kill a pod mid-load, again and again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const DEPLOY = join(import.meta.dirname, '..', 'deploy', 'kubernetes');
type Probe = { httpGet: { path: string; port: string | number }; periodSeconds?: number; failureThreshold?: number; initialDelaySeconds?: number };
type Workload = { kind: string; spec?: { template?: { spec: { containers: { name: string; args?: string[]; livenessProbe?: Probe; startupProbe?: Probe }[] } } } };

test('every gatehouse server container has a startup probe allowing minutes for the directory load before liveness counts', async () => {
  let servers = 0;
  for (const f of ['deployment.yaml', 's3-gateway.yaml']) {
    for (const d of parseAllDocuments(await readFile(join(DEPLOY, f), 'utf8'))) {
      const w = d.toJS() as Workload;
      for (const c of w.spec?.template?.spec.containers ?? []) {
        if (!c.args?.includes('server') || c.livenessProbe === undefined) continue;
        servers += 1;
        const s = c.startupProbe;
        assert.ok(s, `${f}: ${c.name} has a startupProbe`);
        assert.equal(s.httpGet.path, '/healthz', f);
        assert.equal(s.httpGet.port, c.livenessProbe.httpGet.port, f);
        const allowance = (s.initialDelaySeconds ?? 0) + (s.periodSeconds ?? 10) * (s.failureThreshold ?? 3);
        assert.ok(allowance >= 300, `${f}: ${c.name} allows ${allowance} s to start`);
      }
    }
  }
  assert.equal(servers, 2);
});
