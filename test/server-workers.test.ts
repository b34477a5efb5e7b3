/**
 * `gatehouse server --workers N` (src/main/workers.ts): N server processes on one data dir and one set of ports,
 * through the real executable.
 * - `--workers` and GATEHOUSE_WORKERS refused when malformed (exit 2), before anything is created;
 * - SQLite's change notes (`ChangeNotes`): a commit that moved the change head is announced, one that did not is not;
 * - two workers serve the same port, connections taken in turn; a change made through one is seen by the other at
 *   once with the safety-net poll set to 10 minutes, so only the notes can carry it;
 * - a worker killed with SIGKILL is started again while the other serves; both append to one audit chain, which
 *   verifies; SIGTERM to the supervisor stops every worker and exits 0.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IAMClient, CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import type { ChangeListener, ChangeNotes } from '../src/app/ports/store.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo, GATEHOUSE_BIN, keysOf, run } from './support/processes.ts';
import { SETTLE_MS } from './support/settle.ts';
import { signerFor, type RawRequest } from '../bench/support/sign.ts';

const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
let work = '';
let fresh = 0;
const freshDir = (): string => join(work, `data-${++fresh}`);

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-server-workers-'));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('--workers refused when malformed', () => {
  test('a --workers or GATEHOUSE_WORKERS that is not 1 to 64 or auto is a usage error (2); nothing is created', async () => {
    for (const [args, env, named] of [
      [['--workers', '0'], {}, '--workers `0`'],
      [['--workers', '65'], {}, '--workers `65`'],
      [['--workers', 'two'], {}, '--workers `two`'],
      [[], { GATEHOUSE_WORKERS: '1.5' }, 'GATEHOUSE_WORKERS `1.5`'],
    ] as const) {
      const dir = freshDir();
      const r = await run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dir, '--listen', '127.0.0.1:0', ...args], { PATH, HOME: work, ...env }, { timeoutMs: 30_000 });
      assert.equal(r.code, EXIT.usage, `${named}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`gatehouse server: ${named}: give a whole number from 1 to 64, or \`auto\``), r.stderr);
      assert.equal(existsSync(dir), false, `${named}: nothing is created`);
    }
  });
});

describe('a worker that cannot start fails the start', () => {
  test('--listen on a port in use: the worker\'s message and exit status (10), and no process left behind', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const dir = freshDir();
      const r = await run(process.execPath, [GATEHOUSE_BIN, 'server', '--workers', '2', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { PATH, HOME: work }, { timeoutMs: 30_000 });
      assert.equal(r.code, EXIT.unavailable, r.stderr);
      assert.match(r.stderr, new RegExp(`^gatehouse server: cannot listen on 127\\.0\\.0\\.1:${port} \\(--listen\\): .*EADDRINUSE`, 'm'));
      assert.doesNotMatch(r.stderr, /workers serving/);
    } finally {
      taken.close();
    }
  });
});

describe('SQLite change notes between processes on one file', () => {
  test('a commit that moved the change head is announced with the head it left; an audit append is not', async () => {
    const announced: number[] = [];
    let heard: ChangeListener | undefined;
    const notes: ChangeNotes = {
      announce: (seq) => announced.push(seq),
      listen: (listener) => {
        heard = listener;
        return { close: async () => {} };
      },
    };
    const dir = freshDir();
    const store = await openSqliteStore({ dataDir: dir, notes });
    try {
      assert.equal(typeof store.subscribe, 'function', 'a store given notes can be subscribed to');
      const changes: number[] = [];
      await store.subscribe?.({ onChange: (seq) => changes.push(seq), onState: () => {} });
      heard?.onChange(41);
      assert.deepEqual(changes, [41], "the other processes' notes reach the subscriber");
      await store.write(async (tx) => {
        await tx.accounts.create({ id: '111122223333', partition: 'aws', name: 'a', created: new Date().toISOString() });
      });
      const head = await store.read((tx) => tx.changes.head());
      assert.ok(head > 0);
      assert.deepEqual(announced, [head], 'the write is announced once, with the head it left');
      // A write that fails announces nothing.
      await assert.rejects(
        store.write(async (tx) => {
          await tx.accounts.create({ id: '444455556666', partition: 'aws', name: 'b', created: new Date().toISOString() });
          throw new Error('rolled back');
        }),
      );
      await store.write(async (tx) => {
        await tx.kv.put('x', 'y');
      });
      const after = await store.read((tx) => tx.changes.head());
      assert.deepEqual(announced, after === head ? [head] : [head, after], 'only writes that moved the head are announced');
    } finally {
      await store.close();
    }
    const plain = await openSqliteStore({ dataDir: freshDir() });
    assert.equal(plain.subscribe, undefined, 'without notes a SQLite store is polled');
    await plain.close();
  });
});

interface Supervisor {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** Resolves with the first line matching `re` (already seen or to come), or rejects after `ms`. */
  line(re: RegExp, ms?: number): Promise<RegExpExecArray>;
}

function supervise(dataDir: string, env: Record<string, string>): Supervisor {
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'server', '--workers', '2', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { env: { PATH, HOME: work, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  let waiters: (() => void)[] = [];
  let partial = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const line = (re: RegExp, ms = 60_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (const l of lines) {
          const m = re.exec(l);
          if (m) {
            resolve(m);
            return true;
          }
        }
        return false;
      };
      if (check()) return;
      const w = (): void => {
        if (check()) waiters = waiters.filter((x) => x !== w);
      };
      waiters.push(w);
      setTimeout(() => reject(new Error(`no line matching ${re} in ${ms} ms:\n${lines.join('\n')}`)), ms).unref();
    });
  return { child, lines, exited, line };
}

/** A signed request on a connection of its own; the answer's body. */
const postFresh = (url: string, r: RawRequest): Promise<string> =>
  new Promise((resolve, reject) => {
    const req = request(`${url}${r.path}`, { method: r.method, headers: r.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end(r.body);
  });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A GET on a connection of its own (no keep-alive): the supervisor hands each new connection to the next worker. */
const getFresh = (url: string, path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });

describe('two workers on one data dir and one port', () => {
  test('both serve; changes reach the other worker through the notes; a killed worker is started again; SIGTERM stops all', async () => {
    const dir = freshDir();
    // The safety-net poll at 10 minutes: within this test only the change notes can tell the other worker.
    const s = supervise(dir, { GATEHOUSE_CHANGE_POLL_MS: '600000' });
    try {
      const [, url, pidList] = (await s.line(/^gatehouse: 2 workers serving (\S+) \(pids ([\d, ]+)\)/)) as unknown as [string, string, string];
      const pids = pidList.split(', ').map(Number);
      assert.equal(pids.length, 2);
      for (const pid of pids) {
        assert.ok(alive(pid), `worker ${pid} runs`);
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
        assert.equal(ppid, s.child.pid, 'each worker is a child of the supervisor');
      }
      assert.ok(s.lines.some((l) => /^\[worker 1\] first start: created account 000000000000/.test(l)), 'worker 1 made the first start, once');
      assert.equal(s.lines.filter((l) => /first start/.test(l)).length, 1, s.lines.join('\n'));
      const admin = JSON.parse(readFileSync(join(dir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };

      const iam = (): IAMClient =>
        new IAMClient({ endpoint: url, region: 'us-east-1', credentials: keysOf(admin), requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }) }) });
      // A user and an access key made through one connection; the key used on fresh connections, which go to the
      // workers in turn. Requests are authenticated from the directory each worker holds in memory.
      await iam().send(new CreateUserCommand({ UserName: 'made-on-one' }));
      const made = (await iam().send(new CreateAccessKeyCommand({ UserName: 'made-on-one' }))).AccessKey;
      const sts = (): STSClient =>
        new STSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: made?.AccessKeyId ?? '', secretAccessKey: made?.SecretAccessKey ?? '' }, requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }) }) });
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) {
        // To a bound of time (settle.ts): a change note may take seconds to reach a worker on a loaded host.
        const deadline = Date.now() + SETTLE_MS;
        for (;;) {
          try {
            const r = await sts().send(new GetCallerIdentityCommand({}));
            seen.push(r.Arn ?? '');
            break;
          } catch (e) {
            if (Date.now() > deadline) throw new Error(`request ${i}: the new key is still unknown after ${SETTLE_MS / 1000} s: ${e instanceof Error ? e.message : String(e)}`);
            await sleep(50);
          }
        }
      }
      assert.deepEqual(seen, Array(6).fill('arn:aws:iam::000000000000:user/made-on-one'));
      // A policy given to the user through one worker. The authorize API decides from the policies each worker holds
      // in memory: the other worker allows only once the change note reached it.
      const sign = signerFor(url, keysOf(admin), 'gatehouse');
      const ask = async (): Promise<string> => {
        const r = await sign({ method: 'POST', path: '/v1/authorize', body: JSON.stringify({ principal: 'arn:aws:iam::000000000000:user/made-on-one', action: 's3:GetObject', resource: 'arn:aws:s3:::data/x' }), contentType: 'application/json' });
        const answer = await postFresh(url, r);
        return (JSON.parse(answer) as { decision?: string }).decision ?? answer;
      };
      for (let i = 0; i < 4; i++) assert.equal(await ask(), 'ImplicitDeny');
      await iam().send(new PutUserPolicyCommand({ UserName: 'made-on-one', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
      // Six fresh connections in a row reach both workers (each one goes to the next): all six must allow.
      const deadline = Date.now() + 5_000;
      let answers: string[] = [];
      for (;;) {
        answers = [];
        for (let i = 0; i < 6; i++) answers.push(await ask());
        if (answers.every((d) => d === 'Allow') || Date.now() > deadline) break;
        await sleep(50);
      }
      assert.deepEqual(answers, Array(6).fill('Allow'), 'every worker allows within 5 s of the change');

      // Worker 1 killed: the other goes on serving, and the supervisor starts worker 1 again.
      const victim = pids[0] as number;
      process.kill(victim, 'SIGKILL');
      await s.line(/^worker 1: it exited \(SIGKILL\)/);
      for (let i = 0; i < 4; i++) assert.equal(await getFresh(url, '/healthz'), 200, 'the other worker serves meanwhile');
      const [, restartedPid] = (await s.line(/^worker 1: started again \(pid (\d+)\)/)) as unknown as [string, string];
      assert.notEqual(Number(restartedPid), victim);
      assert.ok(alive(Number(restartedPid)));
      // The restarted worker loaded the user too; both answer, in turn.
      for (let i = 0; i < 4; i++) assert.equal((await iam().send(new GetUserCommand({ UserName: 'made-on-one' }))).User?.UserName, 'made-on-one');

      // Both workers appended to one chain (their own decisions and changes): it verifies.
      // Changes made through both workers (fresh connections, in turn): each worker's audit writer appends its own.
      for (let i = 0; i < 4; i++) await iam().send(new CreateUserCommand({ UserName: `made-${i}` }));
      const before = await call<{ ok: boolean; checked: number }>(connectionTo(url, keysOf(admin)), 'GET', ['audit', 'verify'], {});
      // Records are written in batches (every 100 ms): asked again until all four are in.
      const verifyDeadline = Date.now() + 10_000;
      for (;;) {
        const verified = await call<{ ok: boolean; checked: number }>(connectionTo(url, keysOf(admin)), 'GET', ['audit', 'verify'], {});
        assert.ok(verified.ok, JSON.stringify(verified));
        if (!verified.ok) break;
        assert.equal(verified.value.ok, true, JSON.stringify(verified.value));
        if (verified.value.checked >= 6) break;
        assert.ok(Date.now() < verifyDeadline, `only ${verified.value.checked} records after 10 s (${JSON.stringify(before)})`);
        await sleep(100);
      }

      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0, s.lines.join('\n'));
      assert.ok(s.lines.some((l) => l === 'gatehouse stopped'), s.lines.join('\n'));
      for (const pid of [pids[1] as number, Number(restartedPid)]) assert.equal(alive(pid), false, `worker ${pid} stopped with the supervisor`);
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });
});
