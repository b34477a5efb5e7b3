/**
 * Review af, P1 and P2 (patches to src/main/server.ts, applied at stop 26). P1: with `--agent-listen 0.0.0.0:PORT` the
 * server advertised `http://0.0.0.0:PORT` in every job's AWS_CONTAINER_CREDENTIALS_FULL_URI and
 * ALIBABA_CLOUD_CREDENTIALS_URI, which SDK v3 and botocore refuse before sending anything (af3 mended it for ranks the
 * launcher starts only): now 127.0.0.1, which reaches a wildcard listener on this machine. P2: an http
 * `--agent-address` to a host the AWS SDKs refuse as a container endpoint (a node IP, a Service name) gave pods no
 * credentials and said nothing: now a warning at start naming which SDKs refuse it (the launcher's rule,
 * `containerEndpointRefusal`) and what works. And `--agent-address` is checked as
 * `--s3-address` is: not an http(s) base URL is a usage error before anything is opened.
 * Real servers (startServer) on 127.0.0.1; the job submitted through the admin API; its environment read by the
 * AWS SDK's own container provider.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromContainerMetadata } from '@aws-sdk/credential-providers';
import { startServer, StartError, type RunningServer } from '../src/main/server.ts';
import { keysOf, submitJob } from './support/processes.ts';

describe('the agent address the server advertises (review af, P1 and P2)', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const start = async (more: { agentListen?: string; agentAddress?: string }, log: (line: string) => void = () => {}) => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-af6-'));
    dirs.push(dir);
    const s = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: more.agentListen ?? '127.0.0.1:0', s3Listen: 'off', env: {}, log, ...(more.agentAddress !== undefined ? { agentAddress: more.agentAddress } : {}) });
    servers.push(s);
    return s;
  };
  after(async () => {
    for (const s of servers) await s.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('--agent-listen 0.0.0.0:0: jobs are given 127.0.0.1, and the SDK fetches their credentials', async () => {
    const s = await start({ agentListen: '0.0.0.0:0' });
    const job = await submitJob(s.url, keysOf(s.adminCredentials ?? {}));
    const full = new URL(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '');
    assert.equal(full.hostname, '127.0.0.1', job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI']);
    assert.equal(new URL(job.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '').hostname, '127.0.0.1');
    const saved = { ...process.env };
    try {
      process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = full.href;
      process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = job.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
      const creds = await fromContainerMetadata({ timeout: 5000, maxRetries: 0 })();
      assert.match(creds.accessKeyId, /^ASIA/);
    } finally {
      for (const k of ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it('--agent-address a node IP over http, or https: a warning at start saying which SDKs refuse it; 169.254.170.2: none', async () => {
    for (const [refused, which] of [['http://10.0.0.5:8471', 'the AWS SDKs (v3 fromHttp and fromContainerMetadata, botocore) refuse it over http'], ['https://agent.internal:8471', 'botocore 1.29 (Debian 12) and the AWS SDK v3 fromContainerMetadata refuse it']] as const) {
      const lines: string[] = [];
      await start({ agentAddress: refused }, (l) => void lines.push(l));
      assert.ok(lines.some((l) => l.startsWith(`warning: --agent-address ${refused} is not a container credentials endpoint every AWS SDK accepts (${which})`) && l.includes('169.254.170.2')), lines.join('\n'));
    }
    const quiet: string[] = [];
    await start({ agentAddress: 'http://169.254.170.2' }, (l) => void quiet.push(l));
    assert.equal(quiet.filter((l) => l.includes('--agent-address')).length, 0, quiet.join('\n'));
  });

  it('--agent-address that is not an http(s) base URL: a usage error naming it', async () => {
    for (const bad of ['agent.internal:8471', 'ftp://agent.internal', 'http://agent.internal/?x=1']) {
      await assert.rejects(start({ agentAddress: bad }), (e: unknown) => e instanceof StartError && e.failure === 'usage' && e.message.includes('--agent-address'), bad);
    }
  });
});
