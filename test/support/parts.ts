/**
 * Suites of test/ that start a server or two and finish in seconds, `test/<name>.part.ts`, run by
 * `test/parts-<group>.test.ts` as suites of one process each group (test/support/suites.ts says why); the suffix keeps
 * the suite's `test/**\/*.test.ts` from running them twice. One still runs alone: `npx node --test test/apply.part.ts`.
 * Files that change what the whole process shares (its environment, umask, signal handlers, /proc/self) stay
 * `.test.ts`, in a process of their own.
 */
import { runPrefixGroup } from './suites.ts';

/** Each group's file-name prefixes. */
export const PART_GROUPS: Readonly<Record<string, readonly string[]>> = {
  audit: ['audit'],
  authorize: ['authorize-', 'who-can', 'escalation-', 'unreadable-policies', 'resource-policies-fields', 'bindings-'],
  edge: ['admin-', 'security-headers', 'server-', 'client-abort', 'deploy-startup-probe', 'decode-message', 'attacks', 'console'],
  directory: ['iam-policy-size', 'principal-reserved-tags', 'access-key-last-used', 'sts-', 'kube-', 'apply', 'cli-apply-empty-documents', 's3-malformed-policy'],
};

/** Declares one suite a part file of `group`. */
export function runPartGroup(group: string): void {
  runPrefixGroup(PART_GROUPS, '.part.ts', group);
}
