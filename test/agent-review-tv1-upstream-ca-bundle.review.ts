/**
 * Review tv, 1: the node agent relays a server's credential endpoints from `--upstream`, an http or https URL (DESIGN.md
 * "Scale-out": one `gatehouse agent` per node; README §4: the server's `--agent-address` as pods reach it, often behind
 * an ingress or a TLS proxy). An https upstream whose certificate a private CA signed could not be trusted by any
 * option of the agent: `gatehouse agent --ca-bundle FILE` was refused as an unknown option, `gatehouse --ca-bundle FILE
 * agent` and AWS_CA_BUNDLE were passed over (the CLI's other commands take both: review jn, 3; the ranks got that CA in
 * review su, 2), so every job on the node read 503 "cannot be reached" and the log said only
 * `SELF_SIGNED_CERT_IN_CHAIN`. Now `--ca-bundle` (default AWS_CA_BUNDLE) names the CAs the upstream's certificate is
 * checked against, a file that is not one fails the start naming the option (exit 5), and an untrusted certificate is
 * said in the log with the way to trust it.
 * A real server on 127.0.0.1, a TLS proxy in front of its credential port with a certificate made by openssl, a real
 * agent (startAgent) and the CLI's program in this process for the command line. Skips without openssl.
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/adapters/cli/index.ts';
import { cliFiles } from '../src/main/cli-files.ts';
import type { AgentCommandOptions } from '../src/adapters/cli/context.ts';
import { startAgent, type RunningAgent } from '../src/main/agent.ts';
import { startExitCode } from '../src/main/server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { submitJob, workspaceW } from './support/job-agent-beside.ts';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe('review tv1: the node agent trusts an https upstream by --ca-bundle', { skip: OPENSSL === undefined ? 'openssl is absent' : false }, () => {
  let dir: string;
  let server: TestServer;
  let proxy: Server;
  let upstream: string;
  let capability: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-tv1-'));
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = await startTestServer();
    await workspaceW(server);
    capability = (await submitJob(server)).capability;
    // The ingress: TLS in front of the server's plain credential port.
    const back = new URL(server.running.agentUrl);
    proxy = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
      const out = httpRequest({ host: back.hostname, port: back.port, path: req.url, method: req.method, headers: { ...req.headers, host: back.host } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    upstream = `https://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  after(async () => {
    proxy?.closeAllConnections();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The job's container credentials through an agent started with `caBundle`, and what the agent logged. */
  async function throughAgent(caBundle?: AgentCommandOptions['caBundle']): Promise<{ status: number; body: Record<string, unknown>; logs: string[] }> {
    const logs: string[] = [];
    const agent: RunningAgent = await startAgent({ upstream, listen: '127.0.0.1:0', revalidateSeconds: 30, metadataHost: '127.0.0.1', ...(caBundle !== undefined ? { caBundle } : {}), log: (l) => void logs.push(l) });
    try {
      const r = await fetch(`${agent.url}/v1/container-credentials`, { headers: { authorization: capability } });
      return { status: r.status, body: (await r.json()) as Record<string, unknown>, logs };
    } finally {
      await agent.stop();
    }
  }

  it('with --ca-bundle naming the CA, a job reads its credentials through the agent', async () => {
    const r = await throughAgent({ file: join(dir, 'cert.pem'), from: '--ca-bundle' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(String(r.body['AccessKeyId']), /^ASIA/);
  });

  it('without it, the log says the certificate is untrusted and names --ca-bundle', async () => {
    const r = await throughAgent();
    assert.equal(r.status, 503);
    const said = r.logs.find((l) => l.includes('cannot reach the server'));
    assert.match(String(said), /not signed by a CA this agent trusts.*--ca-bundle/, r.logs.join('\n'));
  });

  it('a --ca-bundle that holds no certificate fails the start (exit 5), naming the option and the file', async () => {
    const file = join(dir, 'key.pem');
    const started = startAgent({ upstream, listen: '127.0.0.1:0', revalidateSeconds: 30, metadataHost: '127.0.0.1', caBundle: { file, from: '--ca-bundle' }, log: () => {} });
    // One that started after all is stopped, so that the failure is the assertion's and not a hang.
    void started.then((a) => a.stop(), () => {});
    await assert.rejects(started, (e: unknown) => {
      assert.equal(startExitCode(e), 5);
      assert.match((e as Error).message, /--ca-bundle `.*key\.pem` holds no PEM certificate/);
      assert.doesNotMatch((e as Error).message, /PRIVATE KEY/);
      return true;
    });
  });

  it('the command line takes --ca-bundle after the command or before it, else AWS_CA_BUNDLE', async () => {
    const asked: AgentCommandOptions[] = [];
    const agentOf = async (args: readonly string[], env: Record<string, string>): Promise<AgentCommandOptions | undefined> => {
      asked.length = 0;
      let err = '';
      const code = await runCli(args, { out: () => {}, err: (t) => void (err += t), ...cliFiles((async function* () {})()), env, now: () => Date.now(), version: '0', runAgent: async (o) => (asked.push(o), 0) });
      assert.equal(code, 0, err);
      return asked[0];
    };
    const file = join(dir, 'cert.pem');
    assert.deepEqual((await agentOf(['agent', '--upstream', upstream, '--ca-bundle', file], {}))?.caBundle, { file, from: '--ca-bundle' });
    assert.deepEqual((await agentOf(['--ca-bundle', file, 'agent', '--upstream', upstream], {}))?.caBundle, { file, from: '--ca-bundle' });
    assert.deepEqual((await agentOf(['agent', '--upstream', upstream], { AWS_CA_BUNDLE: file }))?.caBundle, { file, from: 'AWS_CA_BUNDLE' });
  });
});
