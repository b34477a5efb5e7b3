/**
 * The outside reviews' tests: one small file a finding, `test/<area>-review-<finding>.review.ts` (suffix `.review.ts`
 * so that the suite's `test/**\/*.test.ts` does not run them again), run by `test/reviews-<group>.test.ts` as suites
 * of one process (test/support/suites.ts says why). A finding's file still runs alone:
 * `npx node --test test/iam-review-d7-untag-keys.review.ts`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runPrefixGroup } from './suites.ts';

/** Each group's file-name prefixes; the groups are sized so that none runs much over a minute. */
export const REVIEW_GROUPS: Readonly<Record<string, readonly string[]>> = {
  'cli-g': ['cli-review-g', 'cli-review-u', 'cli-review-f', 'cli-review-eg', 'cli-review-ev', 'cli-review-hm', 'cli-review-i', 'cli-review-j', 'cli-review-jw', 'cli-review-kw', 'cli-review-ll', 'cli-review-lt', 'cli-review-mr', 'cli-review-np', 'cli-review-od', 'cli-review-pb', 'cli-review-pn', 'cli-review-qk', 'cli-review-r', 'cli-review-s', 'cli-review-t', 'cli-review-va', 'cli-review-vi'],
  'cli-h1': ['cli-review-h1', 'cli-review-h2'],
  'cli-h3': ['cli-review-h3', 'cli-review-h4', 'cli-review-h5', 'cli-review-h6', 'cli-review-h7', 'cli-review-h8', 'cli-review-h9'],
  console: ['console-review-'],
  iam: ['iam-review-', 'escalation-review-', 'dialects-review-'],
  limits: ['limits-review-', 'server-review-'],
  agent: ['agent-review-'],
  kube: ['kube-review-'],
  policy: ['policy-review-', 'edge-review-', 'simulate-review-', 'authorize-review-'],
  instances: ['instances-review-', 's3-review-', 'review-o-'],
  'sts-oidc': ['sts-review-', 'oidc-review-'],
  readme: ['readme-review-'],
  // Its own process, started among the first (package.json): the PostgreSQL suites with their fault proxy.
  audit: ['audit-review-'],
  'jobs-bindings-apply': ['jobs-review-', 'bindings-review-', 'apply-review-'],
};

/**
 * Groups run as several processes, `test/reviews-<group>-<k>.test.ts` for k = 1 to the number here, each with every
 * n-th file of the group (test/support/suites.ts `Share`). A group is one process running its files one after another,
 * so its time is a floor under the whole run's: at stop 52 on a 2,096 MHz host, five at a time, `instances` took 470 s,
 * `audit` 415 s, `jobs-bindings-apply` 397 s, `limits` 384 s and `console` 323 s of a 759 s run, most of it waiting on
 * servers restarted, killed or frozen. Split, the run fills those waits with other files.
 */
export const REVIEW_GROUP_PROCESSES: Readonly<Record<string, number>> = {
  instances: 3,
  audit: 3,
  'jobs-bindings-apply': 3,
  limits: 3,
  console: 2,
};

/**
 * Declares one suite a review file of `group`, or of `group`'s `index`-th process when it runs as several
 * (REVIEW_GROUP_PROCESSES). Each of those processes' files must be there, or none of them runs: no file is left out.
 */
export function runReviewGroup(group: string, index?: number): void {
  const of = REVIEW_GROUP_PROCESSES[group] ?? 1;
  if ((of === 1) !== (index === undefined)) {
    throw new Error(`test group '${group}' runs as ${of} process${of === 1 ? '' : 'es'}: ${of === 1 ? 'runReviewGroup takes no index' : 'give runReviewGroup its index'}`);
  }
  if (index === undefined) return runPrefixGroup(REVIEW_GROUPS, '.review.ts', group);
  const missing = Array.from({ length: of }, (_, i) => `reviews-${group}-${i + 1}.test.ts`).filter((f) => !existsSync(join(import.meta.dirname, '..', f)));
  if (missing.length > 0) throw new Error(`test group '${group}' runs as ${of} processes, but test/${missing.join(', test/')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  runPrefixGroup(REVIEW_GROUPS, '.review.ts', group, { index, of });
}
