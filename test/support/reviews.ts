/**
 * The outside reviews' tests: one small file a finding, `test/<area>-review-<finding>.review.ts` (suffix `.review.ts`
 * so that the suite's `test/**\/*.test.ts` does not run them again), run by `test/reviews-<group>.test.ts` as suites
 * of one process (test/support/suites.ts says why). A finding's file still runs alone:
 * `npx node --test test/iam-review-d7-untag-keys.review.ts`.
 */
import { runPrefixGroup } from './suites.ts';

/** Each group's file-name prefixes; the groups are sized so that none runs much over a minute. */
export const REVIEW_GROUPS: Readonly<Record<string, readonly string[]>> = {
  'cli-g': ['cli-review-g', 'cli-review-f', 'cli-review-eg', 'cli-review-ev', 'cli-review-hm', 'cli-review-i', 'cli-review-j'],
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

/** Declares one suite a review file of `group`. */
export function runReviewGroup(group: string): void {
  runPrefixGroup(REVIEW_GROUPS, '.review.ts', group);
}
