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
  // The store on both databases, and the live state loaded from it.
  stores: ['store.', 'store-sqlite-locks', 'live-load', 'staleness'],
  // Several instances on one database, outages, restarts, and the jobs they share.
  instances: ['outage', 'multi-instance', 'jobs-heartbeat-', 'metadata-restart', 'jobs-credential-process'],
  // The IAM and STS APIs through the SDKs, principals, metrics, and the server as an operator sees it.
  iam: ['iam-api', 'sts.', 'session-policy-deleted', 'principal-recreated', 'metrics', 'server.'],
  // Whose a resource is, the resource server and S3's versioned actions; the CLI's start, options and files.
  resources: ['resource-ownership', 'resource-server', 's3-versioned-actions', 'cli-startup', 'cli-numeric-options', 'cli-iam-policy-file-', 'runtime'],
};

/** Declares one suite a part file of `group`. */
export function runPartGroup(group: string): void {
  runPrefixGroup(PART_GROUPS, '.part.ts', group);
}
