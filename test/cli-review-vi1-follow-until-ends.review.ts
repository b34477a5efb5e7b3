/**
 * Review vi, 1: `gatehouse audit query --follow --until T`, T still to come, printed the records up to T and then went
 * on polling for ever once T had passed, though no record written after T could match: a shipper's "follow until the
 * end of the maintenance window" never ended. Now the follow ends with status 0 once the clock has passed T and a poll
 * begun after it has caught up, every record up to T printed. The real `gatehouse` binary against a real server on
 * 127.0.0.1 (a process: a follow that does not end is killed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { SETTLE_MS } from './support/settle.ts';

describe('review vi1: audit query --follow --until ends once --until has passed', () => {
  let s: TestServer;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    s = await startTestServer();
    env = { ...COMPILE_CACHE, PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url };
  });
  after(async () => {
    await s.stop();
  });

  it('prints the records written before --until, then exits 0', async () => {
    // Far enough ahead for the process to start on a loaded host and the user to be created before it.
    const until = new Date(Date.now() + 4_000).toISOString();
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'audit', 'query', '--follow', '--until', until, '--action', 'iam:CreateUser', '--json', '--interval', '200'], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await s.iam().send(new CreateUserCommand({ UserName: 'vi1-before' }));
      await s.running.app.audit.flush();
      // The follow had 4 s to run to --until; once past it, SETTLE_MS more (a loaded host) to end.
      const code = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 4_000 + SETTLE_MS).unref())]);
      assert.equal(code, 0, `the follow ended after --until ${until}: ${code} ${err}`);
      assert.match(out, /user\/vi1-before/, `stderr: ${err}`);
      for (const line of out.split('\n').filter((l) => l !== '')) assert.ok(Date.parse(JSON.parse(line).at) <= Date.parse(until), line);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
