/**
 * The built-in managed policies, kept as golden data files in `managed/` (one JSON file each, reviewed like
 * code). AWS-partition policies are addressed `arn:aws:iam::aws:policy/<name>`, Alibaba-named ones
 * `acs:ram::system:policy/<name>`, as the two clouds name their system policies.
 */
import AdministratorAccess from './managed/AdministratorAccess.json' with { type: 'json' };
import ReadOnlyAccess from './managed/ReadOnlyAccess.json' with { type: 'json' };
import IAMFullAccess from './managed/IAMFullAccess.json' with { type: 'json' };
import AmazonS3ReadOnlyAccess from './managed/AmazonS3ReadOnlyAccess.json' with { type: 'json' };
import AmazonS3FullAccess from './managed/AmazonS3FullAccess.json' with { type: 'json' };
import TrainingFullAccess from './managed/TrainingFullAccess.json' with { type: 'json' };
import TrainingReadOnlyAccess from './managed/TrainingReadOnlyAccess.json' with { type: 'json' };
import AliyunOSSReadOnlyAccess from './managed/AliyunOSSReadOnlyAccess.json' with { type: 'json' };
import AliyunOSSFullAccess from './managed/AliyunOSSFullAccess.json' with { type: 'json' };
import AliyunSTSAssumeRoleAccess from './managed/AliyunSTSAssumeRoleAccess.json' with { type: 'json' };
import AliyunPAIFullAccess from './managed/AliyunPAIFullAccess.json' with { type: 'json' };
// RAM's own system policies, which delegate RAM administration in an `acs` account (review qr, 8).
import AliyunRAMFullAccess from './managed/AliyunRAMFullAccess.json' with { type: 'json' };
import AliyunRAMReadOnlyAccess from './managed/AliyunRAMReadOnlyAccess.json' with { type: 'json' };

export interface BuiltinPolicy {
  readonly name: string;
  readonly arn: string;
  readonly partition: 'aws' | 'acs';
  readonly description: string;
  /** The document as JSON text, exactly as stored. */
  readonly document: string;
}

const raw = [
  AdministratorAccess,
  ReadOnlyAccess,
  IAMFullAccess,
  AmazonS3ReadOnlyAccess,
  AmazonS3FullAccess,
  TrainingFullAccess,
  TrainingReadOnlyAccess,
  AliyunOSSReadOnlyAccess,
  AliyunOSSFullAccess,
  AliyunSTSAssumeRoleAccess,
  AliyunPAIFullAccess,
  AliyunRAMFullAccess,
  AliyunRAMReadOnlyAccess,
];

export function builtinArn(partition: 'aws' | 'acs', name: string): string {
  return partition === 'acs' ? `acs:ram::system:policy/${name}` : `arn:aws:iam::aws:policy/${name}`;
}

export const BUILTIN_POLICIES: readonly BuiltinPolicy[] = raw.map((p) => {
  const partition = p.partition === 'acs' ? 'acs' : 'aws';
  return Object.freeze({ name: p.name, arn: builtinArn(partition, p.name), partition, description: p.description, document: JSON.stringify(p.document, null, 2) });
});

const byArn = new Map(BUILTIN_POLICIES.map((p) => [p.arn, p]));
const byName = new Map(BUILTIN_POLICIES.map((p) => [p.name, p]));

export function builtinPolicy(arnOrName: string): BuiltinPolicy | undefined {
  return byArn.get(arnOrName) ?? byName.get(arnOrName);
}

/**
 * Alibaba's system policies that Gatehouse keeps in their aws form only, by the ARN RAM gives them: the same grant (every
 * action, or every read), so that `acs:ram::system:policy/AdministratorAccess`, the policy RAM's documentation attaches
 * to an administrator, names the built-in rather than nothing.
 */
const RAM_SYSTEM_ALIASES: ReadonlyMap<string, string> = new Map([
  ['acs:ram::system:policy/AdministratorAccess', builtinArn('aws', 'AdministratorAccess')],
  ['acs:ram::system:policy/ReadOnlyAccess', builtinArn('aws', 'ReadOnlyAccess')],
]);

/**
 * The built-ins that mean something in an account of `partition`: its own partition's, and in an `acs` account those
 * kept in aws form that RAM names as its system policies (AdministratorAccess, ReadOnlyAccess). Any built-in may be
 * attached in any account, but the others grant nothing in the other dialect (an Allow of `iam:*` decides no `ram:` call).
 */
export function builtinsMeaningfulIn(partition: 'aws' | 'acs'): readonly BuiltinPolicy[] {
  const aliased = new Set(partition === 'acs' ? RAM_SYSTEM_ALIASES.values() : []);
  return BUILTIN_POLICIES.filter((p) => p.partition === partition || aliased.has(p.arn));
}

/** The ARN a built-in is stored under, for one of its RAM system-policy ARNs; any other ARN as it is. */
export function storedBuiltinArn(arn: string): string {
  return RAM_SYSTEM_ALIASES.get(arn) ?? arn;
}
