/**
 * The outside reviews' tests: one small file a finding, `test/<area>-review-<finding>.review.ts`, run as suites of a
 * few test files (`test/reviews-<group>.test.ts`) instead of a process each. A test file's own process costs about a
 * second of CPU before its first test (Node, the TypeScript stripping and the module graph of src), and there are
 * over 150 finding files: run one at a time they took a sixth of the suite's CPU for nothing.
 *
 * A finding's file still runs alone: `npx node --test test/iam-review-d7-untag-keys.review.ts`. In a group its
 * top-level `before`/`after` hooks become its suite's, so its server starts and stops around its own tests only.
 * Every `*.review.ts` file must be claimed by exactly one group below, or each group file fails saying which is not:
 * a finding's tests are never left out silently.
 */
import { describe } from 'node:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Each group's file-name prefixes; the groups are sized so that none runs much over a minute. */
export const REVIEW_GROUPS: Readonly<Record<string, readonly string[]>> = {
  'cli-g': ['cli-review-g'],
  'cli-h': ['cli-review-h', 'console-review-'],
  iam: ['iam-review-', 'escalation-review-', 'dialects-review-'],
  limits: ['limits-review-'],
  agent: ['agent-review-'],
  kube: ['kube-review-'],
  policy: ['policy-review-', 'edge-review-', 'simulate-review-'],
  instances: ['instances-review-', 's3-review-', 'review-o-'],
  'sts-oidc': ['sts-review-', 'oidc-review-'],
  'readme-audit': ['readme-review-', 'audit-review-'],
  'jobs-bindings-apply': ['jobs-review-', 'bindings-review-', 'apply-review-'],
};

const TEST_DIR = join(import.meta.dirname, '..');

/** The review files of test/, each with the groups whose prefixes claim it. */
function claims(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of readdirSync(TEST_DIR).filter((f) => f.endsWith('.review.ts'))) {
    out.set(file, Object.entries(REVIEW_GROUPS).filter(([, prefixes]) => prefixes.some((p) => file.startsWith(p))).map(([g]) => g));
  }
  return out;
}

/** Declares one suite a review file of `group`, in the natural order of their names (d2 before d10). */
export function runReviewGroup(group: string): void {
  if (!(group in REVIEW_GROUPS)) throw new Error(`no review group '${group}' in test/support/reviews.ts`);
  const all = claims();
  const unclaimed = [...all].filter(([, groups]) => groups.length !== 1).map(([f, groups]) => `${f} (claimed by ${groups.length === 0 ? 'no group' : groups.join(', ')})`);
  if (unclaimed.length > 0) throw new Error(`review files not in exactly one group of test/support/reviews.ts: ${unclaimed.join('; ')}`);
  const mine = [...all].filter(([, groups]) => groups[0] === group).map(([f]) => f).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (mine.length === 0) throw new Error(`review group '${group}' has no files`);
  for (const file of mine) {
    describe(file, async () => {
      await import(pathToFileURL(join(TEST_DIR, file)).href);
    });
  }
}
