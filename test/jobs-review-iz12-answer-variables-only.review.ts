/**
 * Review iz, finding 12: `jobs run` (and `clusters run-node`) gave the job's ranks every variable of the `environment`
 * in the server's start answer, whatever its name. An answer altered on its way (a plain-http `GATEHOUSE_ENDPOINT`
 * across a network) or a server that is not the user's could set `GIT_SSH_COMMAND`, `BASH_ENV`, `LD_PRELOAD`,
 * `NODE_OPTIONS` or `PYTHONPATH` in every rank, and run code as the user on the user's machine, which handing out a
 * job's credentials does not. Now only the variables of a job's credential environment (DESIGN.md) are taken from the
 * answer, as strings; any other is left out, and said.
 *
 * The real CLI in process against a stand-in for the server on 127.0.0.1 whose start answer adds such variables (the
 * real server never sends them). Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let server: Server;
let base = '';
let home: string;
const CAP = 'c'.repeat(43);

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-iz12-'));
  server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && path === '/v1/jobs') {
        return send(201, {
          job: { id: 'fakejob00001', name: 'job-fakejob00001', workspace: 'w', state: 'Queued', role: { mode: 'none' }, submitter: { arn: 'arn:aws:iam::000000000000:user/admin' }, created: '2026-01-01T00:00:00Z' },
          capability: CAP,
          environment: {
            ALIBABA_CLOUD_CREDENTIALS_URI: `${base}/v1/credentials/${CAP}`,
            AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/v1/container-credentials`,
            AWS_CONTAINER_AUTHORIZATION_TOKEN: CAP,
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_REGION: 'us-east-1',
            GATEHOUSE_JOB_ID: 'fakejob00001',
            GIT_SSH_COMMAND: `touch ${join(home, 'pwned')}`,
            BASH_ENV: join(home, 'evil.sh'),
            NODE_OPTIONS: '--require /nonexistent/evil.js',
            AWS_ENDPOINT_URL_STS: 'http://198.51.100.1',
          },
        });
      }
      if (req.method === 'POST' && path === '/v1/launcher/heartbeat') return send(200, { stop: false, state: 'Running' });
      if (req.method === 'POST' && path === '/v1/launcher/end') return send(200, { state: 'Succeeded' });
      if (req.method === 'GET' && path?.startsWith('/v1/credentials/')) return send(404, { Code: 'NoRole', Message: 'job fakejob00001 has no role' });
      return send(404, { error: { code: 'NotFound', message: `no route for ${req.method} ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
after(async () => {
  server?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

test('iz12: only the job credential variables of the start answer reach the ranks', async () => {
  const out = join(home, 'env.json');
  const names = ['GIT_SSH_COMMAND', 'BASH_ENV', 'NODE_OPTIONS', 'AWS_ENDPOINT_URL_STS', 'GATEHOUSE_JOB_ID', 'AWS_REGION', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];
  const rank = `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((k) => [k, process.env[k] ?? null]))))`;
  const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--', process.execPath, '-e', rank], {
    HOME: home,
    TMPDIR: home,
    PATH: process.env['PATH'],
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    GATEHOUSE_ENDPOINT: base,
  });
  assert.equal(r.code, 0, r.stderr);
  const env = JSON.parse(await readFile(out, 'utf8')) as Record<string, string | null>;
  assert.deepEqual(env, { GIT_SSH_COMMAND: null, BASH_ENV: null, NODE_OPTIONS: null, AWS_ENDPOINT_URL_STS: null, GATEHOUSE_JOB_ID: 'fakejob00001', AWS_REGION: 'us-east-1', AWS_CONTAINER_AUTHORIZATION_TOKEN: CAP });
  assert.match(r.stderr, /the server's answer gave the job's processes variables that are not of a job's credential environment, left out: `GIT_SSH_COMMAND`, `BASH_ENV`, `NODE_OPTIONS`, `AWS_ENDPOINT_URL_STS`/);
});
