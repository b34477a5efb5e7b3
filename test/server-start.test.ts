/**
 * `gatehouse server` as an operator starts and stops it, through the real executable:
 * - what it refuses at start, with the exit status docs/errors.md gives (2 a malformed argument or setting, 5 an
 *   input file that cannot be read or is not what it must be, 10 an address in use), before the data dir is made;
 * - `--tls-cert`/`--tls-key` checked before anything is opened, each error naming the flag and the file;
 * - started by npm (`npx gatehouse server`), it stops as on SIGTERM when its parent process goes away: a SIGTERM
 *   to npx, or a parent killed with SIGKILL; started otherwise, it outlives its parent (`nohup … &`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { startServer } from '../src/main/server.ts';
import { GATEHOUSE_BIN, run, type Run } from './support/processes.ts';

const REPO = join(import.meta.dirname, '..');
const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
const openssl = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

let work = '';
/** A data dir path not yet created: a refused start must leave it so. */
let fresh = 0;
const freshDir = (): string => join(work, `data-${++fresh}`);

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-server-start-'));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `gatehouse server` with ephemeral ports, run to its end; nothing of this machine's environment but PATH. */
const server = (dataDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> =>
  run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dataDir, ...(args.includes('--agent-listen') ? [] : ['--agent-listen', '127.0.0.1:0']), ...(args.includes('--s3-listen') ? [] : ['--s3-listen', 'off']), ...(args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0']), ...args], { PATH, HOME: work, ...env }, { timeoutMs: 30_000 });

describe('what gatehouse server refuses at start, and its exit status', () => {
  test('a malformed --listen, --agent-listen or --s3-address is a usage error (2); the data dir is not created', async () => {
    for (const args of [['--listen', 'nonsense'], ['--listen', '127.0.0.1:99999'], ['--agent-listen', 'x'], ['--s3-address', 'ftp://x']]) {
      const dir = freshDir();
      const r = await server(dir, args);
      assert.equal(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^gatehouse server: ${args[0]} must be`, 'm'), args.join(' '));
      assert.equal(existsSync(dir), false, `${args.join(' ')}: nothing is created`);
    }
  });

  test('a malformed setting in the environment is a usage error (2), before the data dir is created', async () => {
    for (const [name, value] of [
      ['GATEHOUSE_CHANGE_POLL_MS', '3'],
      ['GATEHOUSE_JOB_SESSION_SECONDS', 'abc'],
      ['GATEHOUSE_MASTER_KEY', 'not-a-key'],
    ] as const) {
      const dir = freshDir();
      const r = await server(dir, [], { [name]: value });
      assert.equal(r.code, EXIT.usage, `${name}: ${r.stderr}`);
      assert.ok(r.stderr.includes(name), `${name}: ${r.stderr}`);
      if (name !== 'GATEHOUSE_MASTER_KEY') assert.equal(existsSync(dir), false, `${name}: nothing is created`);
    }
  });

  test('a --master-key-file that does not exist or is malformed is an unreadable input (5)', async () => {
    const bad = join(work, 'bad.key');
    await writeFile(bad, 'short\n', { mode: 0o600 });
    for (const file of [join(work, 'missing.key'), bad]) {
      const r = await server(freshDir(), ['--master-key-file', file]);
      assert.equal(r.code, EXIT.noInput, r.stderr);
      assert.ok(r.stderr.includes(`master key file \`${file}\``), r.stderr);
    }
  });

  test('an address in use is unavailable (10), the message naming the address', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const r = await server(freshDir(), ['--listen', `127.0.0.1:${port}`]);
      assert.equal(r.code, EXIT.unavailable, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(--listen\\): .*EADDRINUSE`));
    } finally {
      taken.close();
    }
  });

  test('a restart without the master key refuses to start and leaves no new DIR/master.key behind (review L, L5)', async () => {
    const dir = freshDir();
    const key = Buffer.alloc(32, 7).toString('base64');
    const first = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MASTER_KEY: key }, log: () => {} });
    await first.stop();
    assert.equal(existsSync(join(dir, 'master.key')), false, 'the key came from the environment');
    const r = await server(dir, []);
    assert.notEqual(r.code, EXIT.ok, r.stderr);
    assert.match(r.stderr, /does not open with this master key/);
    assert.equal(existsSync(join(dir, 'master.key')), false, 'the key this start made up is not left to pass for the first one');
    // With its key, the data dir still starts.
    const again = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MASTER_KEY: key }, log: () => {} });
    await again.stop();
  });

  test('--help lists the exit statuses', async () => {
    const r = await run(process.execPath, [GATEHOUSE_BIN, 'server', '--help'], { PATH, HOME: work });
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, /Exit status: 0 stopped .*; 2 a malformed argument/s);
    assert.match(r.stdout, /; 5 an input file cannot be read/);
    assert.match(r.stdout, /; 10 something it\s+needs is unavailable/);
  });
});

describe('--tls-cert and --tls-key, checked before anything is opened', { skip: openssl ? false : 'openssl is absent (apt-get install openssl)' }, () => {
  let cert = '';
  let key = '';
  let otherKey = '';
  let notPem = '';

  before(async () => {
    const pair = (name: string): void =>
      void execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(work, `${name}-key.pem`), '-out', join(work, `${name}-cert.pem`)], { stdio: 'ignore' });
    pair('a');
    pair('b');
    cert = join(work, 'a-cert.pem');
    key = join(work, 'a-key.pem');
    otherKey = join(work, 'b-key.pem');
    notPem = join(work, 'not-pem.txt');
    await writeFile(notPem, 'this is not PEM\n'.repeat(1000));
  });

  const refused = async (args: readonly string[], status: number, message: string): Promise<void> => {
    const dir = freshDir();
    const r = await server(dir, args);
    assert.equal(r.code, status, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`gatehouse server: ${message}`), `${args.join(' ')}: expected \`${message}\` in: ${r.stderr}`);
    assert.equal(existsSync(dir), false, `${args.join(' ')}: neither data dir nor store is created`);
  };

  test('a certificate that is not PEM: 5, naming --tls-cert and the file', () => refused(['--tls-cert', notPem, '--tls-key', key], EXIT.noInput, `--tls-cert \`${notPem}\`: not a PEM certificate (`));

  test('a key that is not PEM (here a certificate): 5, naming --tls-key and the file', () => refused(['--tls-cert', cert, '--tls-key', cert], EXIT.noInput, `--tls-key \`${cert}\`: not a PEM private key (`));

  test('the key of another certificate: 5, naming both files', () => refused(['--tls-cert', cert, '--tls-key', otherKey], EXIT.noInput, `--tls-key \`${otherKey}\`: not the private key of the certificate in --tls-cert \`${cert}\``));

  test('a file that does not exist: 5, naming the flag and the file', () => refused(['--tls-cert', join(work, 'nope.pem'), '--tls-key', key], EXIT.noInput, `--tls-cert \`${join(work, 'nope.pem')}\`: cannot be read (ENOENT`));

  test('only one of the two: a usage error (2)', () => refused(['--tls-cert', cert], EXIT.usage, 'give both --tls-cert and --tls-key (--tls-key is missing)'));

  test('a matching pair starts the server over HTTPS', async () => {
    const s = await startServer({ dataDir: freshDir(), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', tlsCert: cert, tlsKey: key, env: {}, log: () => {} });
    try {
      assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await s.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Stopping with the parent

interface Spawned {
  readonly child: ChildProcess;
  /** The server's log so far (its stderr, which it shares with the processes above it). */
  stderr(): string;
  /** Resolves once the listening line is logged, with the URL. */
  readonly url: Promise<string>;
  /** Resolves when the last holder of the stderr pipe (the server) has exited. */
  readonly closed: Promise<void>;
}

function watch(child: ChildProcess): Spawned {
  let log = '';
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 30 s; stderr: ${log}`)), 30_000);
    child.stderr?.on('data', (c: Buffer) => {
      log += c.toString('utf8');
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
  });
  const closed = new Promise<void>((resolve) => child.stderr?.on('close', () => resolve()));
  return { child, stderr: () => log, url, closed };
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

/** A parent that starts the server with `env` and prints the server's pid, then waits. */
const PARENT = `
const { spawn } = require('node:child_process');
const [node, bin, ...args] = JSON.parse(process.argv[1]);
const c = spawn(node, [bin, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: JSON.parse(process.argv[2]) });
process.stdout.write(c.pid + '\\n');
setInterval(() => {}, 1000);
`;

function serverUnderParent(dataDir: string, env: NodeJS.ProcessEnv): Spawned & { serverPid: Promise<number> } {
  const args = [process.execPath, GATEHOUSE_BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'];
  const child = spawn(process.execPath, ['-e', PARENT, JSON.stringify(args), JSON.stringify(env)], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH } });
  const serverPid = new Promise<number>((resolve) => child.stdout?.once('data', (c: Buffer) => resolve(Number(c.toString('utf8').trim()))));
  return { ...watch(child), serverPid };
}

/** Ends a server a failed test left behind; it may be gone already. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Ends the servers, if any, still running on `dataDir` (a failed test's orphans): found by their command line. */
function killServersOf(dataDir: string): void {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.split('\0').includes(dataDir)) killQuietly(Number(pid));
  }
}

const refusedConnection = async (url: string): Promise<boolean> =>
  fetch(`${url}/healthz`).then(
    () => false,
    () => true,
  );

describe('stopping with the parent process', () => {
  test('started by npm, it stops as on SIGTERM when its parent is killed with SIGKILL', async () => {
    const s = serverUnderParent(freshDir(), { PATH, HOME: work, npm_command: 'exec' });
    try {
      const url = await s.url;
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      s.child.kill('SIGKILL');
      await within(s.closed, 10_000, `the server exits on its own; log: ${s.stderr()}`);
      assert.match(s.stderr(), /parent process \d+ exited \(this process is now a child of \d+\): stopping as on SIGTERM, finishing in-flight requests/);
      assert.match(s.stderr(), /^gatehouse stopped$/m, 'stopped cleanly, as on SIGTERM');
      assert.ok(await refusedConnection(url), 'the port is free again');
    } finally {
      s.child.kill('SIGKILL');
      const pid = await within(s.serverPid, 1000, 'pid').catch(() => undefined);
      if (pid !== undefined) killQuietly(pid);
    }
  });

  for (const [what, env] of [
    ['started otherwise (nohup … &)', {}],
    ['started directly by a process of an npm script (npm_command=test, as `npm test` gives its children)', { npm_command: 'test' }],
  ] as const) {
  test(`${what}, it outlives its parent`, async () => {
    const s = serverUnderParent(freshDir(), { PATH, HOME: work, ...env });
    const pid = await s.serverPid;
    try {
      const url = await s.url;
      s.child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal((await fetch(`${url}/readyz`)).status, 200, 'still serving');
      assert.doesNotMatch(s.stderr(), /parent process/);
      process.kill(pid, 'SIGTERM');
      await within(s.closed, 10_000, `stops on SIGTERM; log: ${s.stderr()}`);
      assert.match(s.stderr(), /^gatehouse stopped$/m);
    } finally {
      // The parent too: when the server was slow to say where it listens (a loaded machine), the test failed before
      // killing it, and the parent, which waits for ever, held this file's process open: the whole suite hung.
      s.child.kill('SIGKILL');
      killQuietly(pid);
    }
  });
  }

  test('`npx gatehouse server` stopped by a SIGTERM to npx (`npx … & kill $!`) stops too, as on SIGTERM', async () => {
    const dir = freshDir();
    const npx = spawn('npx', ['gatehouse', 'server', '--data-dir', dir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH, HOME: work, npm_config_update_notifier: 'false' },
    });
    const s = watch(npx);
    try {
      const url = await s.url;
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      npx.kill('SIGTERM');
      await within(s.closed, 10_000, `the node server exits too; log: ${s.stderr()}`);
      assert.match(s.stderr(), /parent process \d+ exited/);
      assert.match(s.stderr(), /^gatehouse stopped$/m);
      assert.ok(await refusedConnection(url), 'the port is free again');
    } finally {
      npx.kill('SIGKILL');
      // The orphan the bug leaves: its pid is known to no one here.
      killServersOf(dir);
    }
  });
});
