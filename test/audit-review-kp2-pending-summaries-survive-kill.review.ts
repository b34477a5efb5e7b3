/**
 * Review kp, finding 2: refused authentications left out by the flood limit wait in memory for their summary record
 * (review kn1: written once the address is quiet for a second, and at a graceful stop). A server killed in that
 * second (SIGKILL, the out-of-memory killer, an orchestrator's kill after its grace) lost them without a trace:
 * after the restart the log held the first 20 refusals of a key-guessing burst and nothing said the rest had been.
 * Now the pending summaries are kept in the audit journal (DIR/audit-spool/audit-journal-…-pending.jsonl), replaced
 * at most every quarter second while they grow and removed once written; the next start appends them as it appends
 * a journal segment's records, each marked `recoveredFromSpool`, followed by a RecoverAudit record saying why.
 * A real `gatehouse server` process, real AWS SDK v3 requests, SIGKILL, and a second start on the same data dir (in
 * this process, test/support/server-in-process.ts: it is only read through HTTP).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { floodBurst, leftOutCount, notedRefusals } from './support/flood-burst.ts';
import { settled } from './support/settle.ts';
import { serverProcess, type ServerProcess } from './support/processes.ts';
import { serverInProcess, type InProcessServer } from './support/server-in-process.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, REGION } from './support/server.ts';

const IP = '127.0.0.11';
const GUESSED = 'AKIAGUESSEDKEYKP2000';
const closed = (s: ServerProcess): Promise<void> => new Promise((resolve) => (s.child.exitCode !== null || s.child.signalCode !== null ? resolve() : s.child.once('close', () => resolve())));

describe('audit review kp2: summaries pending at a hard stop are not lost', () => {
  let work = '';
  const started: ServerProcess[] = [];
  const inProcess: InProcessServer[] = [];
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gatehouse-review-kp2-'));
  });
  after(async () => {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await Promise.all(started.map(closed));
    for (const s of inProcess) await s.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** The root admin's key, written by the first start. */
  const adminKeys = async (): Promise<{ accessKeyId: string; secretAccessKey: string }> => {
    const admin = JSON.parse(await readFile(join(work, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    return { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey };
  };

  const start = async (): Promise<ServerProcess> => {
    const s = await serverProcess(['--data-dir', join(work, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { HOME: work }, 'the server');
    started.push(s);
    return s;
  };

  it('a key-guessing burst, then SIGKILL before its summary is written: after a restart the log accounts for every refusal left out', { timeout: 240_000 }, async () => {
    const first = await start();
    const keys = await adminKeys();
    const agent = new Agent({ localAddress: IP, keepAlive: true, maxSockets: 8 });
    const guesser = new STSClient({ endpoint: first.url, region: REGION, credentials: { accessKeyId: GUESSED, secretAccessKey: 'guess' }, maxAttempts: 1, requestHandler: { httpAgent: agent } });
    // 60 and more: the burst ends with refusals left out (test/support/flood-burst.ts), pending their summary.
    const N = await floodBurst(first.url, 60, async () => {
      assert.equal(await errorName(guesser.send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId');
    });
    guesser.destroy();
    agent.destroy();
    const leftOut = await leftOutCount(first.url);
    assert.ok(leftOut > 0 && leftOut < N, `refusals were left out by the flood limit: ${leftOut}`);
    // Within the second the address must stay quiet before its summary is written, once what is pending is noted (at
    // once for the first refusal left out, at the next quarter-second sweep for later ones): waited for, not a fixed
    // time, as the pending note accounting for every refusal left out that no record carries.
    const carried = async (): Promise<number> => {
      const r = await gatehouseJson(first.url, keys, 'GET', '/v1/audit?limit=1000');
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return (r.json as { records: AuditRecord[] }).records.filter((x) => x.sourceIp === IP && x.detail['first'] === undefined).reduce((n, x) => n + Number(x.detail['suppressed'] ?? 0), 0);
    };
    // The note read last, the kill right after it.
    const state = await settled(async () => ({ carried: await carried(), noted: await notedRefusals(join(work, 'data'), IP) }), (x) => x.noted > 0 && x.noted + x.carried === leftOut);
    first.child.kill('SIGKILL');
    await closed(first);
    const spooled = (await readdir(join(work, 'data', 'audit-spool')).catch(() => [] as string[])).filter((n) => n.endsWith('-pending.jsonl'));
    for (const n of spooled) assert.ok(!(await readFile(join(work, 'data', 'audit-spool', n), 'utf8')).includes('"guess'), 'no secret kept');

    const second = await serverInProcess({ dataDir: join(work, 'data'), env: { HOME: work } });
    inProcess.push(second);
    // The recovered records are appended as the second start reads the journal: waited for (test/support/settle.ts).
    const { fromIp, summaries, recoveries } = await settled(
      async () => {
        const r = await gatehouseJson(second.url, keys, 'GET', '/v1/audit?limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        const records = (r.json as { records: AuditRecord[] }).records;
        const fromIp = records.filter((x) => x.sourceIp === IP);
        return { fromIp, summaries: fromIp.filter((x) => x.detail['first'] !== undefined), recoveries: records.filter((x) => x.action === 'gatehouse:RecoverAudit') };
      },
      (x) => x.summaries.length > 0 && x.recoveries.length > 0,
    );
    // Before the fix: none (the counts were in the killed process's memory only).
    // Each refusal left out is carried by a later record from the address (written before the kill) or summarised.
    assert.equal(fromIp.reduce((n, x) => n + Number(x.detail['suppressed'] ?? 0), 0), leftOut, `every refusal left out is carried or summarised: ${JSON.stringify(summaries)}`);
    assert.ok(summaries.length > 0, `some were pending their summary at the kill (noted then: ${JSON.stringify(state)} of ${leftOut})`);
    for (const x of summaries) {
      assert.ok(x.detail['recoveredFromSpool'] !== undefined, `marked as recovered: ${JSON.stringify(summaries.map((y) => [y.at, y.detail]))}`);
      assert.deepEqual([x.principal, x.decision, x.detail['accessKeyIds']], ['anonymous', 'Deny', [GUESSED]]);
    }
    assert.match(String(recoveries.at(-1)?.detail['reason']), /flood limit/);
    const v = await gatehouseJson(second.url, keys, 'GET', '/v1/audit/verify');
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
