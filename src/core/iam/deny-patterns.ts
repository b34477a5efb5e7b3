/**
 * The resources an explicit deny names, for a request that stands for many resources at once (a Kubernetes list
 * across all namespaces is one review, `<cluster>/secrets`, covering `<cluster>/namespaces/<every one>/secrets`):
 * the caller looks for the concrete resources these patterns could match and decides each with `evaluate`.
 */
import type { CompiledPolicy } from './compile.ts';
import { keyLookup } from './principal.ts';
import type { AuthzRequest } from './types.ts';
import { resolveTemplate } from './variables.ts';

export interface DenyPatterns {
  /** `Resource` patterns of the Deny statements that may apply, policy variables resolved for the request (literal wildcards marked as in glob.ts). */
  readonly patterns: readonly string[];
  /**
   * Some Deny statement that may apply names `NotResource` (it applies to every resource it does not list), or has
   * neither `Resource` nor `NotResource`: its resources cannot be listed from the patterns.
   */
  readonly unlisted: boolean;
}

/**
 * The resource patterns of every Deny statement of `policies` whose action covers one of `actions` (conditions are
 * not looked at: `evaluate` decides them on each resource). `req` gives the principal and context that policy
 * variables in the patterns are resolved with; a pattern whose variable has no value matches nothing and is left out.
 */
export function denyResourcePatterns(policies: readonly CompiledPolicy[], actions: readonly string[], req: Omit<AuthzRequest, 'action' | 'resource'>): DenyPatterns {
  const lower = actions.map((a) => a.toLowerCase());
  const patterns = new Set<string>();
  let unlisted = false;
  let lookup: ReturnType<typeof keyLookup> | undefined;
  for (const p of policies) {
    for (const s of p.statements) {
      if (s.effect !== 'Deny') continue;
      if (!lower.some((a) => s.actions.some((m) => m(a)) !== s.notAction)) continue;
      if (s.resources === undefined || s.notResource) {
        unlisted = true;
        continue;
      }
      for (const r of s.resources) {
        if (r.template === undefined) {
          if (r.text !== undefined) patterns.add(r.text);
          continue;
        }
        lookup ??= keyLookup({ ...req, action: lower[0] ?? '', resource: '' });
        const resolved = resolveTemplate(r.template, lookup);
        if (resolved !== undefined) patterns.add(resolved);
      }
    }
  }
  return { patterns: [...patterns], unlisted };
}
