/**
 * Review iz, finding 11: `jobs run` writes the job's own AWS config file (`AWS_CONFIG_FILE`, `[default]` with the
 * region and path-style S3) from the `AWS_REGION` of the server's submit answer, as given. A value with a line break
 * added keys of its own to `[default]`: `us-east-1\ncredential_process = sh -c '…'` made every rank's AWS SDK (SDK v3's
 * default chain, botocore) run that command, before it asked the container endpoint, as the user who ran `jobs run`.
 * So an answer altered on its way (`GATEHOUSE_ENDPOINT=http://…` across a network) or a server that is not the user's
 * ran code on the user's machine, which handing out credentials does not. Now only a region's name is written: any
 * other value is refused, no rank starts, and the job ends Failed.
 *
 * The launcher (src/adapters/launcher/run.ts `launch`) against a real server on 127.0.0.1, with the submit answer's
 * environment altered as a man in the middle would. Before the fix 1 of 1 test failed (the rank ran, and the config
 * held the command).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch } from '../src/adapters/launcher/run.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-iz11-'));
});
after(async () => stop?.());

test('iz11: a region that is not a region name is not written into the job\'s AWS config, and no rank runs', { timeout: 30_000 }, async () => {
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const environment = { ...(submitted.json['environment'] as Record<string, string>) };
  const pwned = join(home, 'pwned');
  environment['AWS_REGION'] = `us-east-1\ncredential_process = sh -c 'touch ${pwned}'`;
  const dir = await mkdtemp(join(home, 'job-'));
  const ran = join(home, 'rank-ran');
  const lines: string[] = [];
  const status = await launch({
    jobId: id,
    capability: submitted.json['capability'] as string,
    agentUrl: new URL(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin,
    environment,
    command: [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(ran)}, require('node:fs').readFileSync(process.env.AWS_CONFIG_FILE, 'utf8'))`],
    replicas: 1,
    credentialsFile: join(dir, 'credentials'),
    profileDir: dir,
    baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home },
    log: (line) => void lines.push(line),
    heartbeatMs: 5000,
  });
  const config = existsSync(ran) ? await readFile(ran, 'utf8') : '';
  assert.doesNotMatch(config, /credential_process/, 'the rank was given a config naming a command');
  assert.equal(existsSync(ran), false, `a rank ran: ${lines.join('\n')}`);
  assert.equal(status, 1, lines.join('\n'));
  assert.match(lines.join('\n'), /the job's region `us-east-1 credential_process = sh -c 'touch [^`]*` from the server is not a region's name/);
  const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.deepEqual([job.json['state'], job.json['exitCode']], ['Failed', 1], JSON.stringify(job.json));
  assert.equal(existsSync(pwned), false);
});
