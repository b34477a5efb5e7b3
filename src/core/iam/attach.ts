/**
 * The ARN a policy is attached to (a resource policy; an IAM policy of bindings) names one resource: policies are
 * found by the ARN a request names and its `/`-prefixes, never matched as patterns, so a wildcard there would make a
 * policy that governs nothing, silently (policy review C6, bindings review B8).
 */
import { resourcePart } from './compile.ts';

/**
 * Where `arn` has a wildcard (`*` or `?`): before its resource part (`head`; an OSS ARN's `*` region and account are
 * allowed, since OSS bucket names are global), in it (`part`, with `part` the index where the resource part
 * starts), or nowhere (undefined).
 */
export function attachmentWildcard(arn: string): { readonly at: 'head' | 'part'; readonly part: number } | undefined {
  const part = resourcePart(arn);
  const oss = arn.startsWith('acs:oss:');
  if (arn.slice(0, part).split(':').some((seg, i) => /[*?]/.test(seg) && !(oss && (i === 2 || i === 3) && seg === '*'))) return { at: 'head', part };
  return /[*?]/.test(arn.slice(part)) ? { at: 'part', part } : undefined;
}
