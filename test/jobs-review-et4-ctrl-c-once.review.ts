/**
 * Review et, finding 4: one Ctrl-C on the terminal `jobs run` runs on reached each rank twice. On a terminal the ranks
 * stay in the launcher's (foreground) process group on purpose, "so they can read it and Ctrl-C reaches them all as it
 * is" (src/adapters/launcher/run.ts): the terminal sends SIGINT to every process of the group, ranks included, and the
 * launcher, hearing its own, sent each rank SIGINT again. A rank that handles the first one (a Python script's
 * `except KeyboardInterrupt:` saving a checkpoint, torch's elastic agent shutting its workers down) had that work broken
 * into by the second. Now a SIGINT heard while the launcher is its terminal's foreground group is not sent again; one
 * sent to the launcher's pid otherwise (no terminal, or in the background) still is (test/jobs-signals.test.ts).
 *
 * The real CLI as a process on a pseudo-terminal (Python's pty module) against a real server: two ranks count the
 * SIGINTs they get, then exit. Its test failed before the fix (each rank counted 2).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, PYTHON } from './support/processes.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-et4-'));
});
after(async () => stop?.());

/** Each rank: says it is ready, counts the SIGINTs it gets (in `count-RANK`), and exits 0 two seconds after the first. */
const RANK = `const fs = require('node:fs'); const out = process.env.OUT + '/count-' + process.env.RANK; let n = 0;
process.on('SIGINT', () => { n++; fs.writeFileSync(out, String(n)); if (n === 1) setTimeout(() => process.exit(0), 2000); });
fs.writeFileSync(process.env.OUT + '/ready-' + process.env.RANK, ''); setInterval(() => {}, 1000);`;

/** Runs argv[1:] on a new pseudo-terminal, as its foreground job; one Ctrl-C once `ready-0` and `ready-1` exist. */
const TERMINAL = `import os, pty, sys, time
out = os.environ['OUT']
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
end = time.time() + 60
while not all(os.path.exists(os.path.join(out, 'ready-%d' % r)) for r in (0, 1)) and time.time() < end:
    time.sleep(0.05)
os.write(fd, b'\\x03')
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data: break
    sys.stdout.write(data.decode(errors='replace'))
_, status = os.waitpid(pid, 0)
print('exit', os.waitstatus_to_exitcode(status))
`;

test('et4: one Ctrl-C on the terminal reaches each rank once', { timeout: 90_000 }, async () => {
  const launcher = [process.execPath, GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--replicas', '2', '--', process.execPath, '-e', RANK];
  const terminal = spawn(PYTHON, ['-c', TERMINAL, ...launcher], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, OUT: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  terminal.stdout.on('data', (b: Buffer) => void (out += b.toString()));
  terminal.stderr.on('data', (b: Buffer) => void (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => terminal.once('exit', resolve));
  assert.equal(code, 0, out);
  assert.ok(existsSync(join(home, 'ready-1')), `the ranks started: ${out}`);
  for (const rank of [0, 1]) assert.equal(await readFile(join(home, `count-${rank}`), 'utf8'), '1', `SIGINTs rank ${rank} got (terminal: ${out})`);
  assert.match(out, /SIGINT: stopping job/);
  const id = /job (\w+) \(/.exec(out)?.[1] ?? '';
  const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.notEqual(job.json['state'], 'Running', JSON.stringify(job.json));
});
