/**
 * Review iw, 8: an OpenID Connect provider registered, changed or removed (`aws iam create-open-id-connect-provider` and
 * the rest) was journaled only after the server had reloaded what it changed: as for the directory's changes before
 * review iw, 3, a process killed between the COMMIT and the end of that read of the database left the provider
 * registered — an identity provider the caller controls, whose tokens roles may then trust: a way to keep access — and
 * no record of it, not even in the journal. Now the change is recorded (and journaled) as its transaction commits.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT and its answer, then
 * holds every byte; the process is SIGKILLed while the reload waits; a second start on the same data dir and schema
 * recovers the journal. A loopback OIDC issuer, the IAM SDK and the admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the provider, though it is registered).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { Agent } from 'node:http';
import { CreateOpenIDConnectProviderCommand, IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { isCommit, postgresProxy } from './support/pg-proxy.ts';
import { pgAdmin, pgSkip, PG_URL } from './support/postgres.ts';
import { serverProcess, type ServerProcess } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const schema = `gh_audit_iw8_${process.pid}`;

describe('review iw8: an OIDC provider registered is journaled before the reload that follows its commit', { skip, timeout: 120_000 }, () => {
  let dataDir = '';
  /** `pass`; `armed`: after the COMMIT of the transaction naming the user is answered, hold everything; `frozen`. */
  let mode = 'pass' as 'pass' | 'armed' | 'frozen';
  const modeNow = (): typeof mode => mode;
  const held: (() => void)[] = [];
  let proxy: Awaited<ReturnType<typeof postgresProxy>> | undefined;
  const servers: ServerProcess[] = [];
  let admin = { accessKeyId: '', secretAccessKey: '' };
  let second: ServerProcess | undefined;
  let issuer: OidcIssuer | undefined;

  before(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    dataDir = await mkdtemp(join(tmpdir(), 'gh-audit-iw8-'));
    proxy = await postgresProxy((client: Socket, upstream: Socket) => {
      let marked = false;
      let readOnly = false;
      let commitSent = false;
      client.on('data', (b: Buffer) => {
        if (mode === 'frozen') return void held.push(() => upstream.write(b));
        const text = b.toString('latin1');
        // The write, not the reads before it (which name the provider too).
        if (text.includes('BEGIN')) {
          readOnly = text.includes('READ ONLY');
          marked = false;
        }
        if (mode === 'armed' && !readOnly && issuer !== undefined && text.includes(issuer.hostPath) && !text.includes('audit_log')) marked = true;
        if (marked && isCommit(text)) commitSent = true;
        upstream.write(b);
      });
      upstream.on('data', (b: Buffer) => {
        if (mode === 'frozen') return void held.push(() => client.write(b));
        client.write(b);
        // The change committed and the server has the answer: from here on the database answers nothing.
        if (commitSent && b.toString('latin1').includes('COMMIT')) mode = 'frozen';
      });
    });
  });
  after(async () => {
    for (const s of [...servers, second]) if (s !== undefined && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    proxy?.close();
    await issuer?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  const env = { GATEHOUSE_DATABASE_SCHEMA: schema, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), HOME: process.env['HOME'] ?? tmpdir() };
  const start = async (url: string): Promise<ServerProcess> => {
    const s = await serverProcess(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { ...env, GATEHOUSE_DATABASE_URL: url });
    servers.push(s);
    return s;
  };

  it('a provider registered, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    issuer = await startOidcIssuer();
    const first = await start(proxy?.url ?? '');
    const file = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    const iam = new IAMClient({ endpoint: first.url, region: 'us-east-1', credentials: admin, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
    mode = 'armed';
    const pending = iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] })).catch((e: unknown) => e);
    for (let i = 0; i < 500 && modeNow() !== 'frozen'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(modeNow(), 'frozen', 'the provider committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change; then the hard stop.
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    await pending;
    iam.destroy();

    held.length = 0;
    mode = 'pass';
    second = await start(PG_URL);
    const iam2 = new IAMClient({ endpoint: second.url, region: 'us-east-1', credentials: admin, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
    const listed = await iam2.send(new ListOpenIDConnectProvidersCommand({}));
    iam2.destroy();
    assert.equal(listed.OpenIDConnectProviderList?.length, 1, 'the provider was registered');
    let records: { action: string; decision?: string; resource: string; detail: Record<string, unknown> }[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await gatehouseJson(second.url, admin, 'GET', '/v1/audit?action=iam:CreateOpenIDConnectProvider&limit=1000');
      assert.equal(r.status, 200, JSON.stringify(r.json));
      records = (r.json as { records: typeof records }).records;
      if (records.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Before the fix: none (the record was to be made after the reload, which the kill cut short).
    assert.equal(records.length, 1, `the provider is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.equal(records[0]?.resource, listed.OpenIDConnectProviderList?.[0]?.Arn);
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
