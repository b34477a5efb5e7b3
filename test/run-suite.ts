/**
 * `npm test`'s runner: node:test's own (`run()`, what `node --test` calls), a process a file, five at a time, the
 * longest files first. `node --test FILES…` sorts its files by name whatever order they are given in, so the longest
 * ones (`test/reviews-*`) started in the last half of the run and one ran alone at its end: at stop 35, on a quiet
 * 2-core machine, the suite's last 200 s were `test/reviews-jobs-bindings-apply.test.ts` (started at 289 s, ended at
 * 486 s of 492 s). Every other file runs after `LONGEST`, by name; the report is `node --test`'s (spec), and the
 * exit status is 1 when a test or a file fails.
 */
import { appendFileSync, chmodSync, globSync, mkdtempSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { probeClientsForChildren } from './support/client-probes.ts';

/** Every test file: the suites of test/ (the review, part and unit groups among them) and the conformance runners. */
const PATTERNS = ['conformance/**/*.test.ts', 'test/**/*.test.ts'];

/**
 * Files by their time in a whole run, longest first (stop 40, process accounting over a quiet run of `.ci/run`: each
 * file's wall time with five at a time; at stop 35's order `test/reviews-limits.test.ts`, 212 s, started at 426 s of
 * 666 s and ended last but one). Three quarters of the files, so that the run ends on short ones: the others take
 * under 20 s each. A file named here that is gone fails the run.
 */
const LONGEST = [
  // Stop 52: the five longest review groups, each split in two or three processes (test/support/reviews.ts).
  'test/reviews-instances-1.test.ts',
  'test/reviews-console-1.test.ts',
  'test/reviews-audit-1.test.ts',
  'test/reviews-jobs-bindings-apply-1.test.ts',
  'test/reviews-limits-1.test.ts',
  'test/reviews-instances-2.test.ts',
  'test/reviews-console-2.test.ts',
  'test/reviews-audit-2.test.ts',
  'test/reviews-jobs-bindings-apply-2.test.ts',
  'test/reviews-limits-2.test.ts',
  'test/reviews-instances-3.test.ts',
  'test/reviews-audit-3.test.ts',
  'test/reviews-jobs-bindings-apply-3.test.ts',
  'test/reviews-limits-3.test.ts',
  'test/reviews-iam.test.ts',
  'test/reviews-sts-oidc.test.ts',
  'test/iam-properties.test.ts',
  'test/server-start.test.ts',
  'test/reviews-readme.test.ts',
  'test/reviews-cli-g.test.ts',
  'test/reviews-policy.test.ts',
  'test/server-workers-ops.test.ts',
  'test/reviews-agent.test.ts',
  'test/parts-authorize.test.ts',
  'test/parts-audit.test.ts',
  'test/parts-stores.test.ts',
  'test/parts-instances.test.ts',
  'test/iam-cli.test.ts',
  'test/parts-iam.test.ts',
  'test/s3-clients.test.ts',
  'test/jobs.test.ts',
  'test/reviews-kube.test.ts',
  'test/parts-directory.test.ts',
  'test/jobs-pai.test.ts',
  'test/reviews-cli-h3.test.ts',
  'test/credential-process.test.ts',
  'test/server-workers.test.ts',
  'test/parts-resources.test.ts',
  'test/parts-edge.test.ts',
  'test/kube.test.ts',
  'test/audit-query.test.ts',
  'test/jobs-private-dir.test.ts',
  'test/node-agent.test.ts',
  // Stop 47: 15 s, and by name the last file to start (at 324 s of 339 s, the run's last 11 s).
  'test/units-rest.test.ts',
  'conformance/conformance.test.ts',
  'test/clusters-nodes.test.ts',
  'test/jobs-signals.test.ts',
  'test/demo.test.ts',
  'test/s3-api.test.ts',
  'test/reviews-cli-h1.test.ts',
  'test/outage-directory.test.ts',
  'test/account-reports.test.ts',
  'test/audit-journal.test.ts',
  'test/console-browser.test.ts',
];

const all = [...new Set(PATTERNS.flatMap((p) => globSync(p, { exclude: (name) => name === 'node_modules' })))].sort();
const gone = LONGEST.filter((f) => !all.includes(f));
if (gone.length > 0) {
  process.stderr.write(`test/run-suite.ts: LONGEST names files that are not test files: ${gone.join(', ')}\n`);
  process.exit(1);
}
const files = [...LONGEST, ...all.filter((f) => !LONGEST.includes(f))];

/** Test files at a time: five, unless GATEHOUSE_TEST_CONCURRENCY says otherwise (to measure another figure). */
const given = Number(process.env['GATEHOUSE_TEST_CONCURRENCY'] ?? '5');
const concurrency = Number.isInteger(given) && given >= 1 ? given : 5;

/**
 * A file whose process never ends (a child it started and lost, a handle left open) held the whole run for ever: the
 * run passed `node:test`'s per-test timeouts and CI ended it at its own limit with nothing said (stop 49: a server
 * test's parent process, left behind by a failure under load). Past the deadline (40 minutes, several times a whole
 * run; GATEHOUSE_TEST_DEADLINE_MINUTES), the files still running are named and the run is stopped, failed.
 */
const givenDeadline = Number(process.env['GATEHOUSE_TEST_DEADLINE_MINUTES'] ?? '40');
const deadlineMinutes = Number.isFinite(givenDeadline) && givenDeadline > 0 ? givenDeadline : 40;
const stop = new AbortController();
const running = new Map<string, number>();
const named = new Set(files);

/** GATEHOUSE_TEST_TIMELINE=FILE: each file's start and end (seconds from the run's start), tab-separated, to see what ran when. */
const timeline = process.env['GATEHOUSE_TEST_TIMELINE'];
const t0 = Date.now();

/**
 * Each file's process finds the test a piece of code runs for through AsyncLocalStorage, not node:test's async hook
 * (test/support/test-context.ts): the hook tracked every promise, 12% of a review group's busy time.
 */
const execArgv = ['--import', join(import.meta.dirname, 'support', 'test-context.ts')];

/**
 * Whether the aws CLI and boto3 are here, asked once for the whole run (two Python starts, both at once) and handed to
 * the files' processes in the environment: each of the fifteen or so processes that use them asked again, about a
 * second of CPU each (test/support/client-probes.ts).
 */
await probeClientsForChildren();

/**
 * The files' temporary directories (data dirs, object stores, PostgreSQL clusters, spools) go to memory when the
 * machine has room there: on these machines /tmp is a virtual disk whose fsyncs the suite's servers wait on (SQLite
 * commits, the object store's puts, the audit spool). `test/reviews-audit-1.test.ts` alone took 127 s against 70 s with
 * the same CPU (stop 66, four other processes busy). Nothing a test checks changes: a server killed mid-write keeps
 * what the kernel has, on either; the system calls made are the same (src/adapters/objects-fs/copy-durability.test.ts
 * reads them). GATEHOUSE_TEST_TMPDIR names another parent (`system` keeps the system's own TMPDIR).
 */
function memoryTmp(): string | undefined {
  const given = process.env['GATEHOUSE_TEST_TMPDIR'];
  if (given === 'system') return undefined;
  const parent = given ?? '/dev/shm';
  try {
    if (!statSync(parent).isDirectory()) return undefined;
    // Tests run scripts they write there (fake clients, hooks): not on a `noexec` mount (Docker's /dev/shm is one).
    if (given === undefined && mountOptions(parent).includes('noexec')) return undefined;
    const fs = statfsSync(parent);
    // Room for the largest files the suite writes at once (a 256 MiB object streamed, PostgreSQL clusters).
    if (given === undefined && fs.bavail * fs.bsize < 4 * 1024 ** 3) return undefined;
    const dir = mkdtempSync(join(parent, 'gatehouse-tests-'));
    // Others traverse it as they do /tmp: the PostgreSQL cluster a test makes runs as the `postgres` user.
    chmodSync(dir, 0o1777);
    return dir;
  } catch {
    return undefined;
  }
}
/** The options of the mount `path` is on (the longest mount point above it in /proc/mounts); none known, `noexec`. */
function mountOptions(path: string): string[] {
  let best = { at: '', options: ['noexec'] };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, at, , options] = line.split(' ');
    if (at === undefined || options === undefined) continue;
    if ((path === at || path.startsWith(at.endsWith('/') ? at : `${at}/`)) && at.length >= best.at.length) best = { at, options: options.split(',') };
  }
  return best.options;
}
const tmp = memoryTmp();
if (tmp !== undefined) {
  process.env['TMPDIR'] = tmp;
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  // Stopped by a signal (Ctrl-C, CI's own limit), the memory it holds is given back all the same.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => process.exit(code));
}

const stream = run({ files, concurrency, signal: stop.signal, execArgv });
// A failing `todo` test is reported, not failed, as `node --test` does.
stream.on('test:fail', (e) => {
  if (!e.todo) process.exitCode = 1;
});
// A file is a test of nesting 0 named by its path: dequeued when its process starts, complete when it has ended.
stream.on('test:dequeue', (e) => {
  if (e.nesting === 0 && named.has(e.name)) running.set(e.name, Date.now());
});
stream.on('test:complete', (e) => {
  if (e.nesting !== 0) return;
  const since = running.get(e.name);
  running.delete(e.name);
  if (timeline !== undefined && since !== undefined) appendFileSync(timeline, `${e.name}\t${((since - t0) / 1000).toFixed(1)}\t${((Date.now() - t0) / 1000).toFixed(1)}\n`);
});
const watchdog = setTimeout(() => {
  const left = [...running].map(([file, since]) => `  ${file} (running for ${Math.round((Date.now() - since) / 1000)} s)`).join('\n');
  process.stderr.write(`test/run-suite.ts: the run has taken ${deadlineMinutes} minutes; stopping it. Files not ended:\n${left || '  (none known)'}\n`);
  process.exitCode = 1;
  stop.abort();
  setTimeout(() => process.exit(1), 30_000).unref();
}, deadlineMinutes * 60_000);
watchdog.unref();
stream.compose(spec).pipe(process.stdout);
