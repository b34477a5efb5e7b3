/**
 * Review qt, 2: a start that finds the audit journal of another gatehouse process still running on this host with this
 * data dir leaves it to that process (taking it would append its records twice once that process commits them). But
 * nothing looked again: when that process then stopped without writing them (killed at the end of its grace in a
 * rolling restart's overlap, a worker of an earlier `--workers` supervisor killed hard and still ending as the new one
 * started), its records (sessions issued, changes, jobs) stayed out of the audit log until the server was started
 * again, weeks later or never (an emptyDir, a volume cleaned). The same when that process ended its drain by spooling
 * them (its store not answering): the spool, written after this start, was not seen either. Now the server keeps
 * watching: once the process is gone, it takes up its journal and spools as a start would, within seconds, each
 * record appended once.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

const JOURNAL_MODULE = fileURLToPath(new URL('../src/adapters/audit-spool/journal.ts', import.meta.url));
const SPOOL_MODULE = fileURLToPath(new URL('../src/adapters/audit-spool/index.ts', import.meta.url));
const GHOST = 'arn:aws:iam::000000000000:user/qt2-ghost';
/** The records of the change the other process journaled. */
const ghostRecords = async (server: TestServer) => (await auditRecords(server, { action: 'iam:CreateUser' })).filter((r) => r.resource === GHOST);

/**
 * Another process on `dataDir`: journals one change record (as a server does before its answer), then runs on until
 * killed, or until SIGTERM, when it spools the record as a stop whose store does not answer does, and exits.
 */
function journalingProcess(dataDir: string): Promise<ChildProcess> {
  const script = `
    import { fileAuditJournal } from ${JSON.stringify(JOURNAL_MODULE)};
    import { fileAuditSpool } from ${JSON.stringify(SPOOL_MODULE)};
    const j = fileAuditJournal(${JSON.stringify(dataDir)});
    const e = { at: Date.now(), event: { kind: 'change', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/admin', action: 'iam:CreateUser', resource: ${JSON.stringify(GHOST)}, decision: 'ok', detail: {} }, detailText: '{}' };
    j.write(e);
    process.on('SIGTERM', async () => {
      await fileAuditSpool(${JSON.stringify(dataDir)}).save({ reason: 'the store did not answer within the drain', spooledAt: Date.now(), events: [e] });
      j.release(j.seal());
      await j.close();
      process.exit(0);
    });
    process.stdout.write('journaled\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the journaling process exited (${code})`)));
    child.stdout?.once('data', () => resolve(child));
  });
}

describe('review qt2: a journal left to a process still running is taken once that process is gone', () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let server: TestServer | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-qt2-'));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [how, signal] of [['killed', 'SIGKILL'], ['stopped, its records spooled', 'SIGTERM']] as const) {
    it(`its records reach the audit log, once, without another start (that process ${how})`, { timeout: 60_000 }, async () => {
      const dataDir = join(dir, signal);
      child = await journalingProcess(dataDir);
      server = await startTestServer({ dataDir, keepDir: true });
      try {
        assert.ok(server.logs.some((l) => /journal file\(s\) of another gatehouse process still running on this host/.test(l)), server.logs.join('\n'));
        assert.equal((await ghostRecords(server)).length, 0, 'left to the process that journaled it');

        const gone = new Promise((r) => child?.once('exit', r));
        child.kill(signal);
        await gone;
        const deadline = Date.now() + 30_000;
        let found = await ghostRecords(server);
        while (found.length === 0 && Date.now() < deadline) {
          await sleep(250);
          found = await ghostRecords(server);
        }
        assert.equal(found.length, 1, `the record journaled by the process ${how} is in the audit log once:\n${server.logs.join('\n')}`);
        assert.ok(found[0]?.detail['recoveredFromSpool'] !== undefined, 'marked as recovered');
        await sleep(300);
        assert.equal((await ghostRecords(server)).length, 1, 'appended once');
      } finally {
        await server.stop();
        server = undefined;
      }
    });
  }
});
