/**
 * Many small test files run as suites of one test file each group, instead of a process each: a test file's own
 * process costs about a second of CPU before its first test (Node, the TypeScript stripping and the module graph of
 * src), which for the 150 review-finding files and the 57 unit files of src/ was a fifth of the suite's CPU.
 *
 * A grouped file still runs alone (`npx node --test src/core/iam/glob.test.ts`). In a group its top-level
 * `before`/`after` hooks become its suite's, so what it starts is stopped around its own tests only. Every file a
 * grouping covers must be claimed by exactly one group, or each of its group files fails naming the file: tests are
 * never left out silently.
 */
import { after, before, describe } from 'node:test';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const TEST_DIR = join(import.meta.dirname, '..');

/**
 * Declares one suite a file of test/ ending in `suffix` whose name starts with one of `groups[group]`'s prefixes
 * (`.review.ts`: test/support/reviews.ts; `.part.ts`: test/support/parts.ts).
 */
export function runPrefixGroup(groups: Readonly<Record<string, readonly string[]>>, suffix: string, group: string): void {
  if (!(group in groups)) throw new Error(`no test group '${group}' for the *${suffix} files`);
  const files = readdirSync(TEST_DIR).filter((f) => f.endsWith(suffix));
  const claimsOf = (file: string) => Object.entries(groups).filter(([, prefixes]) => prefixes.some((p) => file.startsWith(p))).map(([g]) => g);
  runAsSuites(group, files, claimsOf, TEST_DIR);
}

/** `group`'s files of `all`, claimed by `claimsOf(file)` (the groups claiming it), one suite each in natural order. */
export function runAsSuites(group: string, all: readonly string[], claimsOf: (file: string) => readonly string[], root: string): void {
  const bad = all.map((f) => [f, claimsOf(f)] as const).filter(([, groups]) => groups.length !== 1);
  if (bad.length > 0) {
    throw new Error(`test files not in exactly one group: ${bad.map(([f, g]) => `${f} (claimed by ${g.length === 0 ? 'no group' : g.join(', ')})`).join('; ')}`);
  }
  const mine = all.filter((f) => claimsOf(f)[0] === group).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (mine.length === 0) throw new Error(`test group '${group}' has no files`);
  const report = process.env['GATEHOUSE_TEST_CPU_REPORT'];
  for (const file of mine) {
    describe(file, async () => {
      const measured = report === undefined ? undefined : measureSuite(report, group, file);
      await import(pathToFileURL(`${root}/${file}`).href);
      measured?.();
    });
  }
}

/**
 * GATEHOUSE_TEST_CPU_REPORT=FILE: a suite's CPU (this process's threads, not what it starts) and time, appended to
 * `report` as a tab-separated line. Call it before the suite's file is imported (its `before` runs first) and what it
 * returns after (its `after` runs last).
 */
function measureSuite(report: string, group: string, file: string): () => void {
  let t0 = 0;
  let c0 = process.cpuUsage();
  before(() => {
    t0 = performance.now();
    c0 = process.cpuUsage();
  });
  return () =>
    after(() => {
      const c = process.cpuUsage(c0);
      appendFileSync(report, `${group}\t${file}\t${Math.round((c.user + c.system) / 1000)}\t${Math.round(performance.now() - t0)}\n`);
    });
}
