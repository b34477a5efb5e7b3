/**
 * Many small test files run as suites of one test file each group, instead of a process each: a test file's own
 * process costs about a second of CPU before its first test (Node, the TypeScript stripping and the module graph of
 * src), which for the 150 review-finding files and the 57 unit files of src/ was a fifth of the suite's CPU.
 *
 * A grouped file still runs alone (`npx node --test src/core/iam/glob.test.ts`). In a group its top-level
 * `before`/`after` hooks become its suite's, so what it starts is stopped around its own tests only. Every file a
 * grouping covers must be claimed by exactly one group, or each of its group files fails naming the file: tests are
 * never left out silently.
 *
 * The files are imported one after another, each in its suite's async context (review gt, 1). node:test makes a
 * `describe`, `it` or hook the child of the async context it is declared in, and a module's body does not run in the
 * context of the `import()` that asked for it: the ESM loader runs it when the last thing it waited on settles, in
 * that settler's context. Imported side by side, a file waiting on a module an earlier file had begun to evaluate
 * (test/support/resource-server.ts: its top-level `await`, under `if (import.meta.main …)`, makes it an async module
 * whose evaluation ends a few ticks later) ran in the earlier file's context and declared its suites in the earlier
 * file's suite: silently, or, declared after a top-level `await pgSkip()` once that suite had begun, never started
 * ("test could not be started because its parent finished"; its test "Promise resolution is still pending but the
 * event loop has already resolved"). One at a time, everything an import waits on from an earlier file has settled,
 * and nothing of the earlier file's context reaches it.
 */
import { AsyncResource } from 'node:async_hooks';
import { after, before, describe } from 'node:test';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const TEST_DIR = join(import.meta.dirname, '..');

/**
 * Declares one suite a file of test/ ending in `suffix` whose name starts with one of `groups[group]`'s prefixes
 * (`.review.ts`: test/support/reviews.ts; `.part.ts`: test/support/parts.ts).
 */
export function runPrefixGroup(groups: Readonly<Record<string, readonly string[]>>, suffix: string, group: string, share?: Share): void {
  if (!(group in groups)) throw new Error(`no test group '${group}' for the *${suffix} files`);
  const files = readdirSync(TEST_DIR).filter((f) => f.endsWith(suffix));
  const claimsOf = (file: string) => Object.entries(groups).filter(([, prefixes]) => prefixes.some((p) => file.startsWith(p))).map(([g]) => g);
  runAsSuites(group, files, claimsOf, TEST_DIR, share);
}

/**
 * One process's share of a group run as several (`index` of `of`, from 1): every `of`-th file in natural order from the
 * `index`-th, so that each share holds files of every era of the group and the shares take about as long.
 */
export interface Share {
  readonly index: number;
  readonly of: number;
}

/** `group`'s files of `all` (`share`'s of them), claimed by `claimsOf(file)` (the groups claiming it), one suite each in natural order. */
export function runAsSuites(group: string, all: readonly string[], claimsOf: (file: string) => readonly string[], root: string, share?: Share): void {
  const bad = all.map((f) => [f, claimsOf(f)] as const).filter(([, groups]) => groups.length !== 1);
  if (bad.length > 0) {
    throw new Error(`test files not in exactly one group: ${bad.map(([f, g]) => `${f} (claimed by ${g.length === 0 ? 'no group' : g.join(', ')})`).join('; ')}`);
  }
  const claimed = all.filter((f) => claimsOf(f)[0] === group).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (share !== undefined && !(Number.isInteger(share.of) && share.of >= 1 && Number.isInteger(share.index) && share.index >= 1 && share.index <= share.of)) {
    throw new Error(`test group '${group}': share ${share.index} of ${share.of} is not one of 1..${share.of}`);
  }
  const mine = share === undefined ? claimed : claimed.filter((_, i) => i % share.of === share.index - 1);
  if (mine.length === 0) throw new Error(`test group '${group}' has no files`);
  const report = process.env['GATEHOUSE_TEST_CPU_REPORT'];
  // Settled when the previous file's import has (its top-level `await`s too), failed or not.
  let previous: Promise<void> = Promise.resolve();
  for (const file of mine) {
    describe(file, async () => {
      // This suite's own async context: `await turn` resumes in the previous file's, which must not import this one.
      const suite = new AsyncResource(`suite ${file}`);
      const turn = previous;
      let done = (): void => undefined;
      previous = new Promise<void>((r) => (done = r));
      const measured = report === undefined ? undefined : measureSuite(report, group, file);
      try {
        await turn;
        await suite.runInAsyncScope(() => import(pathToFileURL(`${root}/${file}`).href));
      } finally {
        done();
      }
      suite.runInAsyncScope(() => measured?.());
    });
  }
}

/**
 * GATEHOUSE_TEST_CPU_REPORT=FILE: a suite's CPU, this process's threads and then the processes it started and waited
 * for (from /proc/self/stat, where there is one), and its time, appended to `report` as a tab-separated line. Call it
 * before the suite's file is imported (its `before` runs first) and what it returns after (its `after` runs last).
 */
function measureSuite(report: string, group: string, file: string): () => void {
  let t0 = 0;
  let c0 = process.cpuUsage();
  let k0 = childrenCpuMs();
  before(() => {
    t0 = performance.now();
    c0 = process.cpuUsage();
    k0 = childrenCpuMs();
  });
  return () =>
    after(() => {
      const c = process.cpuUsage(c0);
      appendFileSync(report, `${group}\t${file}\t${Math.round((c.user + c.system) / 1000)}\t${Math.round(performance.now() - t0)}\t${childrenCpuMs() - k0}\t${Math.round(c.system / 1000)}\n`);
    });
}

/** The CPU milliseconds of this process's children it has waited for (cutime + cstime), or 0 where /proc is not. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}
