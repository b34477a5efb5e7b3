/**
 * Review iw, 4: a revocation (`gatehouse sts revoke-sessions`, `POST /v1/sts/revoke-sessions`) was journaled only after
 * the server had reloaded its state, twice (the app's store reloads after every write, and the revocation list reloads
 * again): as for the directory's changes before review iw, 3, a process killed between the revocation's COMMIT and the end
 * of those reads of the database (kill -9, OOM, a SIGKILL while they hang on a database that stopped answering) left the
 * revocation in force and recorded nowhere, not even in the journal. Who cut off a role's sessions, and when, is what an
 * incident review asks first. Now the revocation is recorded (and journaled) as its transaction commits, before the
 * reloads; the answer still waits for them.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT of the revocation and
 * its answer, then holds every byte; the process is SIGKILLed while the reload waits; a second start on the same data
 * dir and schema recovers the journal. The IAM SDK and the admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the revocation, though it is in force).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { isCommit, postgresProxy } from './support/pg-proxy.ts';
import { pgAdmin, pgSkip, PG_URL } from './support/postgres.ts';
import { serverProcess, type ServerProcess } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION } from './support/server.ts';

const skip = await pgSkip();
const schema = `gh_audit_iw4_${process.pid}`;

describe('review iw4: a revocation is journaled before the reloads that follow its commit', { skip, timeout: 120_000 }, () => {
  let dataDir = '';
  /** `pass`; `armed`: after the COMMIT of the transaction naming the user is answered, hold everything; `frozen`. */
  let mode = 'pass' as 'pass' | 'armed' | 'frozen';
  const modeNow = (): typeof mode => mode;
  const held: (() => void)[] = [];
  let proxy: Awaited<ReturnType<typeof postgresProxy>> | undefined;
  const servers: ServerProcess[] = [];
  let admin = { accessKeyId: '', secretAccessKey: '' };
  let second: ServerProcess | undefined;

  before(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    dataDir = await mkdtemp(join(tmpdir(), 'gh-audit-iw4-'));
    proxy = await postgresProxy((client: Socket, upstream: Socket) => {
      let marked = false;
      let commitSent = false;
      client.on('data', (b: Buffer) => {
        if (mode === 'frozen') return void held.push(() => upstream.write(b));
        const text = b.toString('latin1');
        if (mode === 'armed' && text.includes('revoke') && text.includes('iw4-role') && !text.includes('audit_log')) marked = true;
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
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  const env = { GATEHOUSE_DATABASE_SCHEMA: schema, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), HOME: process.env['HOME'] ?? tmpdir() };
  const start = async (url: string): Promise<ServerProcess> => {
    const s = await serverProcess(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { ...env, GATEHOUSE_DATABASE_URL: url });
    servers.push(s);
    return s;
  };
  const iamOf = (url: string) => new IAMClient({ endpoint: url, region: REGION, credentials: admin, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });

  it('the sessions of a role revoked, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await start(proxy?.url ?? '');
    const file = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    const acct = '000000000000';
    const roleArn = `arn:aws:iam::${acct}:role/iw4-role`;
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
    const iam = iamOf(first.url);
    await iam.send(new CreateRoleCommand({ RoleName: 'iw4-role', AssumeRolePolicyDocument: trust }));
    iam.destroy();
    mode = 'armed';
    const pending = gatehouseJson(first.url, admin, 'POST', '/v1/sts/revoke-sessions', { roleArn }).catch((e: unknown) => e);
    for (let i = 0; i < 500 && modeNow() !== 'frozen'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(modeNow(), 'frozen', 'the revocation committed, and the database then stopped answering');
    // Whatever the server does at once with a committed revocation; then the hard stop.
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    await pending;

    held.length = 0;
    mode = 'pass';
    second = await start(PG_URL);
    let records: { action: string; resource: string; decision?: string; role?: string; detail: Record<string, unknown> }[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await gatehouseJson(second.url, admin, 'GET', '/v1/audit?action=gatehouse:RevokeSessions&limit=1000');
      assert.equal(r.status, 200, JSON.stringify(r.json));
      records = (r.json as { records: typeof records }).records;
      if (records.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Before the fix: none (the record was to be made after the reloads, which the kill cut short).
    assert.equal(records.length, 1, `the revocation is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.equal(records[0]?.resource, roleArn);
    assert.equal(records[0]?.role, roleArn);
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
    const result = records[0]?.detail['result'] as Record<string, unknown> | undefined;
    assert.equal(result?.['kind'], 'role');
    assert.match(String(result?.['before']), /^\d{4}-\d\d-\d\dT/);
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
