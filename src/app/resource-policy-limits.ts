/**
 * How large a resource-based policy may be, by the resource it is on: their own module, so that `gatehouse policy
 * evaluate` (src/app/policy.ts) holds a file to the server's limit without loading the resource policies' store.
 */

/** S3 caps bucket policies at 20 KB, and resource policies of other services are no larger, KMS key policies excepted. */
export const RESOURCE_POLICY_MAX_CHARS = 20480;
/**
 * KMS takes key policies up to 32 KB (AWS KMS "Key policy format": 32,768 bytes; Alibaba Cloud KMS SetKeyPolicy: 32,768
 * bytes), and a `kms:` question on a key is decided by its key policy alone (src/core/iam/evaluate.ts): capped at a
 * bucket policy's 20,480, a key's policy could not be given at all (review nc, 3).
 */
export const KEY_POLICY_MAX_CHARS = 32768;
const KMS_KEY_ARN_RE = /^(?:arn:[a-z][a-z0-9-]*:kms:[^:]*:[^:]*:|acs:kms:[^:]*:[^:]*:)key\//;

/** The largest policy (characters, whitespace not counted) that may be attached to `resource`. */
export const resourcePolicyMaxChars = (resource: string): number => (KMS_KEY_ARN_RE.test(resource) ? KEY_POLICY_MAX_CHARS : RESOURCE_POLICY_MAX_CHARS);
