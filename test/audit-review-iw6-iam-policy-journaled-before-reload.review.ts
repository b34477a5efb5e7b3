/**
 * Review iw, 6: an IAM policy set (`gatehouse iam-policy set`, `PUT /v1/iam-policies`: GCP-style bindings granting roles
 * on an account, a workspace or a resource) was journaled only after the server had reloaded its state, twice (the
 * app's store reloads after every write, and the bindings reload again): as for the directory's changes before review
 * iw, 3, a process killed between the COMMIT and the end of those reads of the database left the grants in force and no
 * record of who gave them, not even in the journal. Now the change is recorded (and journaled) as its transaction
 * commits; the answer still waits for the reloads.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT and its answer, then
 * holds every byte; the process is SIGKILLed while the reload waits; a second start on the same data dir and schema
 * recovers the journal. The admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the grant, though it is in force).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { isCommit, postgresProxy } from './support/pg-proxy.ts';
import { pgAdmin, pgSkip, PG_URL } from './support/postgres.ts';
import { serverProcess, type ServerProcess } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const schema = `gh_audit_iw6_${process.pid}`;

describe('review iw6: an IAM policy set is journaled before the reloads that follow its commit', { skip, timeout: 120_000 }, () => {
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
    dataDir = await mkdtemp(join(tmpdir(), 'gh-audit-iw6-'));
    proxy = await postgresProxy((client: Socket, upstream: Socket) => {
      let marked = false;
      let commitSent = false;
      client.on('data', (b: Buffer) => {
        if (mode === 'frozen') return void held.push(() => upstream.write(b));
        const text = b.toString('latin1');
        if (mode === 'armed' && text.includes('user:iw6-user') && !text.includes('audit_log')) marked = true;
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

  it('a role granted on the account, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await start(proxy?.url ?? '');
    const file = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    const made = await gatehouseJson(first.url, admin, 'POST', '/v1/users', { name: 'iw6-user' });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    mode = 'armed';
    const bindings = [{ role: 'roles/ml.developer', members: ['user:iw6-user'] }];
    const pending = gatehouseJson(first.url, admin, 'PUT', '/v1/iam-policies', { resource: 'account/000000000000', bindings }).catch((e: unknown) => e);
    for (let i = 0; i < 500 && modeNow() !== 'frozen'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(modeNow(), 'frozen', 'the IAM policy committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change; then the hard stop.
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    await pending;

    held.length = 0;
    mode = 'pass';
    second = await start(PG_URL);
    const policy = await gatehouseJson(second.url, admin, 'GET', '/v1/iam-policies?resource=account/000000000000');
    assert.equal(policy.status, 200, JSON.stringify(policy.json));
    assert.match(JSON.stringify(policy.json), /user:iw6-user/, 'the grant was committed');
    let records: { action: string; decision?: string; resource: string; detail: Record<string, unknown> }[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await gatehouseJson(second.url, admin, 'GET', '/v1/audit?action=gatehouse:SetIamPolicy&limit=1000');
      assert.equal(r.status, 200, JSON.stringify(r.json));
      records = (r.json as { records: typeof records }).records;
      if (records.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Before the fix: none (the record was to be made after the reloads, which the kill cut short).
    assert.equal(records.length, 1, `the grant is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.equal(records[0]?.resource, 'account/000000000000');
    assert.match(JSON.stringify(records[0]?.detail['after']), /user:iw6-user/);
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
