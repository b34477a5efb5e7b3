/**
 * Review iz, finding 10: the launcher's first heartbeat tells it whether the job is to stop (`{"stop": true}`), and its
 * answer was not read: a job stopped (`jobs stop`, a stop-all script over the Queued jobs) or ended on the server (its
 * submitter disabled) between its submission and that first heartbeat had its ranks started all the same. They ran until
 * the next heartbeat, 5 s later, every credential endpoint answering them 410, and `jobs run` then exited as if they had
 * been stopped midway. Now the first answer is heard as every later one: no rank starts, the launcher says why, and it
 * exits 143 (a job stopped), the job staying as the server ended it.
 *
 * The launcher (src/adapters/launcher/run.ts `launch`) against a real server on 127.0.0.1, for a job submitted and
 * stopped through the admin API before it is launched. Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { launch } from '../src/adapters/launcher/run.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-iz10-'));
});
after(async () => stop?.());

test('iz10: a job stopped before its launcher is first heard starts no rank, and the launcher exits 143', { timeout: 30_000 }, async () => {
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const environment = submitted.json['environment'] as Record<string, string>;
  const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {});
  assert.equal(stopped.status, 200, JSON.stringify(stopped.json));

  const dir = await mkdtemp(join(home, 'job-'));
  const marker = join(home, 'rank-ran');
  const lines: string[] = [];
  const status = await launch({
    jobId: id,
    capability: submitted.json['capability'] as string,
    agentUrl: new URL(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin,
    environment,
    command: [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')`],
    replicas: 2,
    credentialsFile: join(dir, 'credentials'),
    profileDir: dir,
    baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home },
    log: (line) => void lines.push(line),
    heartbeatMs: 5000,
  });
  assert.equal(existsSync(marker), false, `a rank ran: ${lines.join('\n')}`);
  assert.equal(status, 143, lines.join('\n'));
  assert.match(lines.join('\n'), new RegExp(`job ${id} was stopped: stopped by arn:aws:iam::000000000000:user/admin before its processes started; none is started`));
  const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.deepEqual([job.json['state'], job.json['reason']], ['Stopped', 'stopped by arn:aws:iam::000000000000:user/admin']);
});
