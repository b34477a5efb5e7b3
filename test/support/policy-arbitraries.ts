/**
 * fast-check arbitraries for random IAM policy sets and requests, drawn from small alphabets so that actions,
 * resources, principals and condition keys match often. Policies are produced as JSON values (what a user
 * writes) and go through `parsePolicy` in the tests, so the parser is exercised too.
 *
 * Two worlds, never mixed in one case (a case's principal, resources and policies share one partition):
 * - `aws`: accounts 111111111111 and 222222222222, policies under `Version: 2012-10-17` / `2008-10-17` / none;
 * - `acs` (Alibaba RAM): principals in account 333333333333, resources in 333333333333 or (cross-account)
 *   111111111111, policies under `Version: "1"` with the RAM operator set (no `Null`, no `…IfExists`).
 *
 * Deliberately not generated, because docs/semantics.md leaves them open or the reference does not model them
 * (each would otherwise be a source of false disagreements):
 * - principals of kind service / web-identity; anonymous callers only in `aws`, without identity-side policies;
 * - boundary or session policies on a root principal; session policies on users; boundaries in `acs`;
 * - `"*"` / `{"AWS":"*"}` in trust policies (trust mode does not say how `everyone` ranks), anonymous callers
 *   in trust mode, resource policies alongside a trust policy;
 * - `ForAnyValue:`/`ForAllValues:` combined with `IfExists` (undocumented), `IfExists` or `Null` on the
 *   multi-valued key, unparsable values in multi-valued keys, empty strings, policy variables (`$` never
 *   appears), principal-derived condition keys, a context holding both `acs:X` and `aws:X`.
 */
import fc from 'fast-check';
import { contextOf, principalFromArn } from '../../src/core/iam/index.ts';
import type { AuthzRequest, Principal } from '../../src/core/iam/index.ts';

export type World = 'aws' | 'acs';
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };
export type JsonStatement = Record<string, Json>;
export interface JsonPolicy {
  readonly Version?: string;
  readonly Statement: JsonStatement | JsonStatement[];
}

/** The JSON documents of one case, per policy type. */
export interface PolicyJsonSet {
  readonly identity: readonly JsonPolicy[];
  readonly boundary?: JsonPolicy;
  readonly session?: readonly JsonPolicy[];
  readonly resource?: readonly JsonPolicy[];
  readonly trust?: JsonPolicy;
}

export interface GeneratedCase {
  readonly world: World;
  readonly request: AuthzRequest;
  readonly policies: PolicyJsonSet;
}

/** Where a statement goes decides its grammar: identity-side (no Principal), resource, or trust. */
export type StatementKind = 'identity' | 'resource' | 'trust';

// ---------------------------------------------------------------------------------------------------------
// Alphabets

const A1 = '111111111111';
const A2 = '222222222222';
const A3 = '333333333333';

function principal(arn: string, extra?: Parameters<typeof principalFromArn>[1]): Principal {
  const r = principalFromArn(arn, extra);
  if (!r.ok) throw new Error(`policy-arbitraries: principalFromArn(${arn}) failed: ${JSON.stringify(r.errors)}`);
  return r.value;
}

const session = (name: string) => ({ session: { name, issuedAt: 1_700_000_000_000 } });

interface Caller {
  readonly principal: Principal;
  /** Which extra policy types this caller may have. */
  readonly boundary: boolean;
  readonly session: boolean;
  readonly trustMode: boolean;
}

const CALLERS: Record<World, readonly Caller[]> = {
  aws: [
    { principal: principal(`arn:aws:iam::${A1}:root`), boundary: false, session: false, trustMode: true },
    { principal: principal(`arn:aws:iam::${A2}:root`), boundary: false, session: false, trustMode: true },
    { principal: principal(`arn:aws:iam::${A1}:user/alice`, { userId: 'AIDAALICE' }), boundary: true, session: false, trustMode: true },
    { principal: principal(`arn:aws:iam::${A2}:user/bob`, { userId: 'AIDABOB' }), boundary: true, session: false, trustMode: true },
    { principal: principal(`arn:aws:sts::${A1}:assumed-role/R1/s1`, session('s1')), boundary: true, session: true, trustMode: true },
    { principal: principal(`arn:aws:sts::${A1}:assumed-role/R1/s2`, session('s2')), boundary: true, session: true, trustMode: true },
    { principal: principal(`arn:aws:sts::${A2}:assumed-role/R2/s1`, session('s1')), boundary: true, session: true, trustMode: true },
    { principal: principal(`arn:aws:sts::${A1}:federated-user/carol`, session('carol')), boundary: true, session: true, trustMode: true },
    // A user and a role with a path (review dj, 4): `Principal` names them by account and name, whatever path it writes.
    { principal: principal(`arn:aws:iam::${A1}:user/ops/erin`, { userId: 'AIDAERIN' }), boundary: true, session: false, trustMode: true },
    { principal: principal(`arn:aws:sts::${A1}:assumed-role/R5/s1`, { ...session('s1'), roleArn: `arn:aws:iam::${A1}:role/team/R5` }), boundary: true, session: true, trustMode: true },
    { principal: principal('anonymous'), boundary: false, session: false, trustMode: false },
  ],
  acs: [
    { principal: principal(`acs:ram::${A3}:root`), boundary: false, session: false, trustMode: true },
    { principal: principal(`acs:ram::${A3}:user/dave`, { userId: 'DAVE' }), boundary: false, session: false, trustMode: true },
    { principal: principal(`acs:ram::${A3}:role/R3/s1`, session('s1')), boundary: false, session: true, trustMode: true },
  ],
};

const ACTIONS: Record<World, readonly string[]> = {
  aws: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 'iam:PassRole', 'ec2:RunInstances', 'ec2:DescribeInstances', 'sts:AssumeRole'],
  acs: ['oss:GetObject', 'oss:PutObject', 'oss:ListObjects', 'ram:PassRole', 'ecs:RunInstances', 'ecs:DescribeInstances', 'sts:AssumeRole'],
};

const ACTION_PATTERNS: Record<World, readonly string[]> = {
  aws: ['*', 's3:*', 'ec2:*', 's3:Get*', 's3:*Object', 's3:?etObject', 'S3:GETOBJECT', 'iam:passrole', 'sts:Assume*', 'sts:*', 'ec2:Describe*', 'iam:*'],
  acs: ['*', 'oss:*', 'ecs:*', 'oss:Get*', 'oss:*Object', 'oss:?etObject', 'OSS:GETOBJECT', 'ram:passrole', 'sts:Assume*', 'sts:*', 'ecs:Describe*', 'ram:*'],
};

const RESOURCES: Record<World, readonly string[]> = {
  aws: [
    'arn:aws:s3:::bucket-a',
    'arn:aws:s3:::bucket-a/home/alice/notes.txt',
    'arn:aws:s3:::bucket-b/public/x:y',
    `arn:aws:iam::${A1}:role/R1`,
    `arn:aws:iam::${A2}:role/R2`,
    `arn:aws:iam::${A1}:user/alice`,
    `arn:aws:ec2:us-east-1:${A1}:instance/i-1`,
    `arn:aws:ec2:eu-west-1:${A2}:instance/i-2`,
    `arn:aws:logs:us-east-1:${A2}:log-group:g1`,
  ],
  acs: [
    `acs:oss:cn-hangzhou:${A3}:bucket-c/home/dave.txt`,
    `acs:oss:cn-hangzhou:${A1}:bucket-d/shared`,
    `acs:ecs:cn-beijing:${A3}:instance/i-3`,
    `acs:ram::${A3}:role/R3`,
    `acs:ram::${A1}:role/R4`,
  ],
};

const RESOURCE_PATTERNS: Record<World, readonly string[]> = {
  aws: [
    '*',
    'arn:aws:s3:::*',
    'arn:aws:s3:::bucket-a*',
    'arn:aws:s3:::bucket-?/*',
    'arn:aws:ec2:*:*:instance/*',
    'arn:aws:iam::*:role/*',
    `arn:aws:iam::${A1}:*`,
    'arn:aws:logs:*:*:log-group:*',
    'arn:aws:logs:*:*:g1',
    'arn:aws:ec2:us-*:*:*',
    // Short patterns: a `*` ending a segment before the resource part expands beyond the colons.
    'arn:aws:s3:*',
    'arn:aws:iam::*',
    'arn:aws:ec2:us-*',
    'arn:aws:ec2:*:1111*',
    'arn:aws:s3:::bucket-a/*/alice/*',
  ],
  acs: ['*', 'acs:oss:*:*:*', 'acs:oss:*:*:bucket-c/*', 'acs:ecs:*:*:instance/*', 'acs:ram::*:role/*', `acs:ram::${A3}:*`, 'acs:oss:cn-*:*:bucket-?/*', 'acs:ecs:cn-*', 'acs:ram::*', 'acs:oss:*:3333*'],
};

/** Trust-mode targets: a role ARN per account. */
const ROLES: Record<World, readonly string[]> = {
  aws: [`arn:aws:iam::${A1}:role/R1`, `arn:aws:iam::${A2}:role/R2`, `arn:aws:iam::${A1}:role/team/R5`],
  acs: [`acs:ram::${A3}:role/R3`, `acs:ram::${A1}:role/R4`],
};

/** Principal values under the `AWS` (aws) or `RAM` (acs) key. */
const PRINCIPAL_VALUES: Record<World, readonly string[]> = {
  aws: [
    A1,
    A2,
    `arn:aws:iam::${A1}:root`,
    `arn:aws:iam::${A2}:root`,
    `arn:aws:iam::${A1}:user/alice`,
    `arn:aws:iam::${A1}:user/Alice`,
    `arn:aws:iam::${A2}:user/alice`,
    `arn:aws:iam::${A2}:user/bob`,
    `arn:aws:iam::${A1}:role/R1`,
    `arn:aws:iam::${A2}:role/R2`,
    `arn:aws:sts::${A1}:assumed-role/R1/s1`,
    `arn:aws:sts::${A2}:assumed-role/R2/s1`,
    `arn:aws:sts::${A1}:federated-user/carol`,
    `arn:aws:iam::${A1}:user/ops/erin`,
    `arn:aws:iam::${A1}:user/erin`,
    `arn:aws:iam::${A1}:role/team/R5`,
    `arn:aws:iam::${A1}:role/R5`,
    `arn:aws:iam::${A1}:role/other/R5`,
    `arn:aws:sts::${A1}:assumed-role/R5/s1`,
  ],
  acs: [
    A3,
    A1,
    `acs:ram::${A3}:root`,
    `acs:ram::${A1}:root`,
    `acs:ram::${A3}:user/dave`,
    `acs:ram::${A3}:user/Dave`,
    `acs:ram::${A3}:role/R3`,
    `acs:ram::${A3}:role/R3/s1`,
    `acs:ram::${A3}:role/R3/s2`,
  ],
};

// ---------------------------------------------------------------------------------------------------------
// Conditions

interface KeySpec {
  /** Spellings of the key in policies (keys are case-insensitive). */
  readonly names: readonly string[];
  /** Spellings of the key in request contexts (for `acs:X`, also `aws:X`: the fallback). */
  readonly contextNames: readonly string[];
  readonly operators: readonly string[];
  readonly policyValues: readonly (string | number | boolean)[];
  /** A value is a string (single-valued key) or an array (multi-valued key). */
  readonly requestValues: readonly (string | readonly string[])[];
}

const STRING_VALUES = ['home/', 'home/alice', 'home/*', 'Home/Alice', 'public', 'p?blic'];
const STRING_REQUEST = ['home/', 'home/alice', 'Home/alice', 'public', 'pub', 'home/*'];
const NUMERIC_VALUES = ['10', 7.5, 100];
const NUMERIC_REQUEST = ['5', '10', '100', '7.5', 'abc'];
const BOOL_VALUES = [true, 'false', 'true'];
const BOOL_REQUEST = ['true', 'false', 'yes'];
const IP_VALUES = ['10.0.0.0/8', '192.168.1.0/24', '203.0.113.7'];
// Addresses just inside and just outside each CIDR catch off-by-one prefix lengths either way.
const IP_REQUEST = ['10.1.2.3', '10.200.0.1', '11.0.0.1', '192.168.1.7', '192.168.1.200', '192.168.0.200', '203.0.113.7', '203.0.113.6', 'not-an-ip'];
// ARN patterns and values that meet at the edges of ArnLike's components (review dj, 1): a colon inside the resource
// component, a wildcard first component, patterns and values without all six components, text that is no ARN.
const ARN_VALUES = [
  'arn:aws:sns:*:111111111111:topic*',
  'arn:aws:s3:::logs/*',
  '*:aws:sns:us-east-1:111111111111:t?pic',
  '*:role/admin',
  'arn:aws:iam::*',
  'arn:aws:sns:us-east-1:111111111111:topic:sub',
  '*',
  'not-an-arn',
  'arn:aws:*:*:111111111111:*',
];
const ARN_REQUEST = [
  'arn:aws:sns:us-east-1:111111111111:topic',
  'arn:aws:sns:us-east-1:111111111111:topic:sub',
  'arn:aws:sns:us-east-1:222222222222:topic',
  'arn:aws:s3:::logs/a:b',
  'arn:aws:iam::111111111111:role/admin',
  'arn:aws:s3::',
  'not-an-arn',
  'ARN:aws:s3:::logs/x',
];
const TAG_VALUES = ['team', 'env', 'Env', 't*'];
const TAG_REQUEST: readonly (readonly string[])[] = [[], ['team'], ['team', 'env'], ['Env', 'cost']];
const TAG_OPERATORS = [
  'ForAnyValue:StringEquals',
  'ForAnyValue:StringLike',
  'ForAllValues:StringEquals',
  'ForAllValues:StringLike',
  'ForAllValues:StringNotEquals',
  'ForAnyValue:StringNotLike',
  'StringEquals',
  'StringNotLike',
];

const KEYS: Record<World, readonly KeySpec[]> = {
  aws: [
    {
      names: ['s3:prefix', 'S3:Prefix'],
      contextNames: ['s3:prefix', 'S3:PREFIX'],
      operators: [
        'StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase',
        'StringEqualsIfExists', 'StringNotEqualsIfExists', 'StringLikeIfExists', 'Null', 'ForAnyValue:StringLike',
        'ForAllValues:StringNotEquals',
      ],
      policyValues: STRING_VALUES,
      requestValues: STRING_REQUEST,
    },
    {
      names: ['s3:max-keys'],
      contextNames: ['s3:max-keys'],
      operators: ['NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericEquals', 'NumericNotEquals', 'NumericLessThanIfExists', 'Null'],
      policyValues: NUMERIC_VALUES,
      requestValues: NUMERIC_REQUEST,
    },
    {
      // A Bool key of the request, not of the principal: aws:MultiFactorAuthPresent is derived from the principal
      // (false for every session), which the reference evaluator does not model.
      names: ['aws:SecureTransport', 'aws:securetransport'],
      contextNames: ['aws:SecureTransport'],
      operators: ['Bool', 'BoolIfExists', 'Null'],
      policyValues: BOOL_VALUES,
      requestValues: BOOL_REQUEST,
    },
    {
      names: ['aws:SourceIp', 'AWS:SOURCEIP'],
      contextNames: ['aws:SourceIp', 'aws:sourceip'],
      operators: ['IpAddress', 'NotIpAddress', 'IpAddressIfExists', 'NotIpAddressIfExists', 'Null'],
      policyValues: IP_VALUES,
      requestValues: IP_REQUEST,
    },
    {
      names: ['aws:TagKeys'],
      contextNames: ['aws:TagKeys'],
      operators: TAG_OPERATORS,
      policyValues: TAG_VALUES,
      requestValues: TAG_REQUEST,
    },
    {
      names: ['aws:SourceArn', 'AWS:sourcearn'],
      contextNames: ['aws:SourceArn', 'aws:sourcearn'],
      operators: ['ArnLike', 'ArnEquals', 'ArnNotLike', 'ArnNotEquals', 'ArnLikeIfExists', 'ArnNotLikeIfExists', 'Null', 'ForAnyValue:ArnLike'],
      policyValues: ARN_VALUES,
      requestValues: ARN_REQUEST,
    },
  ],
  acs: [
    {
      names: ['oss:Prefix', 'OSS:prefix'],
      contextNames: ['oss:Prefix'],
      operators: ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIgnoreCase', 'ForAnyValue:StringLike'],
      policyValues: STRING_VALUES,
      requestValues: STRING_REQUEST,
    },
    {
      names: ['oss:MaxKeys'],
      contextNames: ['oss:MaxKeys'],
      operators: ['NumericLessThan', 'NumericGreaterThan', 'NumericNotEquals'],
      policyValues: NUMERIC_VALUES,
      requestValues: NUMERIC_REQUEST,
    },
    {
      // A Bool key of the request: acs:MFAPresent is aws:MultiFactorAuthPresent, derived from the principal (dialects
      // review by, 1), which the reference evaluator does not model.
      names: ['acs:SecureTransport'],
      contextNames: ['acs:SecureTransport', 'aws:SecureTransport'],
      operators: ['Bool'],
      policyValues: BOOL_VALUES,
      requestValues: BOOL_REQUEST,
    },
    {
      names: ['acs:SourceIp', 'ACS:sourceip'],
      contextNames: ['acs:SourceIp', 'aws:SourceIp'],
      operators: ['IpAddress', 'NotIpAddress'],
      policyValues: IP_VALUES,
      requestValues: IP_REQUEST,
    },
    {
      names: ['acs:TagKeys'],
      contextNames: ['acs:TagKeys', 'aws:TagKeys'],
      operators: TAG_OPERATORS,
      policyValues: TAG_VALUES,
      requestValues: TAG_REQUEST,
    },
  ],
};

/** `arb` with probability `p` (when enabled), else null. (`fc.option`'s `freq` is the odds of null.) */
const maybe = <T>(arb: fc.Arbitrary<T>, enabled: boolean, p: number): fc.Arbitrary<T | null> =>
  enabled
    ? fc.oneof({ arbitrary: fc.constant(null), weight: Math.round((1 - p) * 20) }, { arbitrary: arb, weight: Math.round(p * 20) })
    : fc.constant(null);

const NULL_VALUES: readonly (string | boolean)[] = ['true', 'false', true];

interface ConditionPick {
  readonly key: number;
  readonly name: number;
  readonly op: number;
  readonly values: readonly number[];
  readonly asArray: boolean;
}

const conditionPickArb: fc.Arbitrary<ConditionPick> = fc.record({
  key: fc.nat(31),
  name: fc.nat(7),
  op: fc.nat(31),
  values: fc.array(fc.nat(15), { minLength: 1, maxLength: 2 }),
  asArray: fc.boolean(),
});

function pick<T>(list: readonly T[], n: number): T {
  const v = list[n % list.length];
  if (v === undefined) throw new Error('policy-arbitraries: empty alphabet');
  return v;
}

/** The `Condition` object of a statement; entries on the same operator and key (any case) are merged away. */
function buildCondition(world: World, picks: readonly ConditionPick[]): Record<string, Record<string, Json>> | undefined {
  const out: Record<string, Record<string, Json>> = {};
  const seen = new Set<string>();
  for (const p of picks) {
    const spec = pick(KEYS[world], p.key);
    const op = pick(spec.operators, p.op);
    const name = pick(spec.names, p.name);
    const id = `${op}\u0000${name.toLowerCase()}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const domain = op === 'Null' ? NULL_VALUES : spec.policyValues;
    const values: Json[] = [...new Set(p.values.map((v) => pick(domain, v)))];
    (out[op] ??= {})[name] = values.length === 1 && !p.asArray ? values[0]! : values;
  }
  return seen.size === 0 ? undefined : out;
}

function contextArb(world: World): fc.Arbitrary<Record<string, unknown>> {
  const entries = KEYS[world].map((spec) =>
    maybe(fc.tuple(fc.nat(7), fc.nat(15)), true, 0.6).map((o) =>
      o === null ? undefined : ([pick(spec.contextNames, o[0]), pick(spec.requestValues, o[1])] as const),
    ),
  );
  return fc.tuple(...entries).map((kv) => {
    const obj: Record<string, unknown> = {};
    for (const e of kv) if (e !== undefined) obj[e[0]] = e[1];
    return obj;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Patterns

function flipCase(s: string, bits: number): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    out += (bits >> (i % 30)) & 1 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c;
  }
  return out;
}

/**
 * What a case is about: patterns are drawn half the time from the request's own action, resource and caller, so
 * that statements match often.
 */
export interface Hint {
  readonly action: string;
  readonly resource: string;
  readonly principal: Principal;
}

/** Half the time the hinted value, else any value of the alphabet. */
const hinted = <T>(value: T | undefined, all: readonly T[]): fc.Arbitrary<T> =>
  value === undefined ? fc.constantFrom(...all) : fc.oneof(fc.constant(value), fc.constantFrom(...all));

/** An action pattern: a fixed one, or a mutation of a real action (case flips, `?`, trailing or inner `*`). */
function actionPatternArb(world: World, hint: Hint | undefined): fc.Arbitrary<string> {
  const mutated = fc.tuple(hinted(hint?.action, ACTIONS[world]), fc.nat(5), fc.nat(1 << 20), fc.nat(40)).map(([a, op, bits, n]) => {
    const colon = a.indexOf(':');
    const name = a.slice(colon + 1);
    const at = n % name.length;
    switch (op) {
      case 0:
        return a;
      case 1:
        return flipCase(a, bits);
      case 2:
        return `${a.slice(0, colon + 1)}${name.slice(0, at)}?${name.slice(at + 1)}`;
      case 3:
        return `${a.slice(0, colon + 1)}${name.slice(0, at)}*`;
      case 4:
        return `${a.slice(0, colon + 1)}${name.slice(0, at)}*${name.slice(at + 1 + (bits % 4))}`;
      default:
        return a.toLowerCase();
    }
  });
  return fc.oneof({ arbitrary: fc.constantFrom(...ACTION_PATTERNS[world]), weight: 1 }, { arbitrary: mutated, weight: 2 });
}

/** One segment mutated: kept, `*`, a prefix and `*`, a `?` in place of a character, or (resource part) case flips. */
function mutateSegment(seg: string, op: number, n: number, last: boolean): string {
  if (seg === '') return op === 1 ? '*' : '';
  const at = n % seg.length;
  switch (op) {
    case 1:
      return '*';
    case 2:
      return `${seg.slice(0, at)}*`;
    case 3:
      return `${seg.slice(0, at)}?${seg.slice(at + 1)}`;
    case 4:
      return last ? `${seg.slice(0, at)}*${seg.slice(Math.min(seg.length, at + 3))}` : seg;
    case 5:
      return last ? flipCase(seg, n * 7919) : seg;
    default:
      return seg;
  }
}

/** A resource pattern: a fixed one, or a real ARN with its region, account and resource segments mutated. */
function resourcePatternArb(world: World, hint: Hint | undefined): fc.Arbitrary<string> {
  const fixed = world === 'aws' ? 3 : 2; // arn:partition:service or acs:service stay literal
  const mutated = fc
    .tuple(hinted(hint?.resource, RESOURCES[world]), fc.array(fc.tuple(fc.nat(9), fc.nat(40)), { minLength: 3, maxLength: 3 }))
    .map(([arn, ops]) => {
      const parts = arn.split(':');
      const head = parts.slice(0, fixed);
      const region = parts[fixed] ?? '';
      const account = parts[fixed + 1] ?? '';
      const rest = parts.slice(fixed + 2).join(':');
      const [r, a, x] = ops as [[number, number], [number, number], [number, number]];
      return [...head, mutateSegment(region, r[0], r[1], false), mutateSegment(account, a[0], a[1], false), mutateSegment(rest, x[0], x[1], true)].join(':');
    });
  return fc.oneof({ arbitrary: fc.constantFrom(...RESOURCE_PATTERNS[world]), weight: 1 }, { arbitrary: mutated, weight: 3 });
}

/** A `Principal` value: `*`, `{"AWS": "*"}` (resource policies only), or a map of 1–2 names. */
function principalSpecArb(world: World, kind: 'resource' | 'trust', hint: Hint | undefined): fc.Arbitrary<Json> {
  const key = world === 'aws' ? 'AWS' : 'RAM';
  // Half the time a name from the caller's own account: its ARN, its role's ARN, its account id or root ARN, or a
  // near miss (another user, another session, a name in the wrong case).
  const own = hint === undefined ? [] : PRINCIPAL_VALUES[world].filter(
    (v) => v === hint.principal.arn || v === hint.principal.roleArn || (hint.principal.account !== '' && v.includes(hint.principal.account)),
  );
  const value = own.length === 0 ? fc.constantFrom(...PRINCIPAL_VALUES[world]) : fc.oneof(fc.constantFrom(...own), fc.constantFrom(...PRINCIPAL_VALUES[world]));
  const named = fc
    .tuple(fc.uniqueArray(value, { minLength: 1, maxLength: 2 }), fc.boolean())
    .map(([vs, asArray]): Json => ({ [key]: vs.length === 1 && !asArray ? vs[0]! : vs }));
  if (kind === 'trust') return named;
  if (world === 'acs') return fc.oneof({ arbitrary: fc.constant<Json>('*'), weight: 1 }, { arbitrary: named, weight: 4 });
  return fc.oneof(
    { arbitrary: fc.constant<Json>('*'), weight: 1 },
    { arbitrary: fc.constant<Json>({ AWS: '*' }), weight: 1 },
    { arbitrary: named, weight: 6 },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Statements and policies

const oneOrMore = <T>(arb: fc.Arbitrary<T>) =>
  fc.tuple(fc.array(arb, { minLength: 1, maxLength: 2 }), fc.boolean()).map(([xs, flat]): Json => (xs.length === 1 && flat ? (xs[0] as Json) : (xs as Json[])));

/** One statement of the given kind. `effect` forces the effect. */
export function statementArb(world: World, kind: StatementKind, hint: Hint | undefined, effect?: 'Allow' | 'Deny', trustAction?: boolean): fc.Arbitrary<JsonStatement> {
  const actionArb = trustAction
    ? fc.oneof(
        { arbitrary: fc.constantFrom('sts:AssumeRole', 'sts:Assume*', 'STS:assumerole', 'sts:*', '*', 'sts:AssumeRole?'), weight: 3 },
        { arbitrary: actionPatternArb(world, hint), weight: 1 },
      )
    : actionPatternArb(world, hint);
  return fc
    .record({
      effect: effect === undefined ? fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Allow', 'Deny') : fc.constant(effect),
      notAction: fc.nat(6),
      actions: oneOrMore(actionArb),
      notResource: fc.nat(6),
      resources: kind === 'trust' ? fc.constant(null) : oneOrMore(resourcePatternArb(world, hint)),
      principal: kind === 'identity' ? fc.constant(null) : principalSpecArb(world, kind, hint),
      notPrincipal: fc.nat(3),
      conditions: fc.oneof(
        { arbitrary: fc.constant([]), weight: 3 },
        { arbitrary: fc.array(conditionPickArb, { minLength: 1, maxLength: 3 }), weight: 2 },
      ),
    })
    .map((r) => {
      const s: JsonStatement = { Effect: r.effect };
      // The `Not…` forms are the largest values, so that shrinking heads for the plain forms.
      s[r.notAction === 6 ? 'NotAction' : 'Action'] = r.actions;
      // A trust policy has no Resource: the resource is the role itself.
      if (r.resources !== null) s[r.notResource === 6 ? 'NotResource' : 'Resource'] = r.resources;
      if (r.principal !== null) {
        // NotPrincipal only in resource policies, only with Deny.
        const not = kind === 'resource' && r.effect === 'Deny' && r.notPrincipal === 3 && r.principal !== '*';
        s[not ? 'NotPrincipal' : 'Principal'] = r.principal;
      }
      const condition = buildCondition(world, r.conditions);
      if (condition !== undefined) s.Condition = condition;
      return s;
    });
}

const VERSIONS: Record<World, readonly (string | undefined)[]> = {
  aws: ['2012-10-17', '2012-10-17', '2008-10-17', undefined],
  acs: ['1'],
};

function policyArb(world: World, kind: StatementKind, hint: Hint, trustAction: boolean, maxStatements = 3): fc.Arbitrary<JsonPolicy> {
  return fc
    .tuple(fc.array(statementArb(world, kind, hint, undefined, trustAction), { minLength: 1, maxLength: maxStatements }), fc.constantFrom(...VERSIONS[world]), fc.nat(4))
    .map(([statements, version, single]) => {
      const Statement = statements.length === 1 && single === 0 ? statements[0]! : statements;
      return version === undefined ? { Statement } : { Version: version, Statement };
    });
}

function requestArb(world: World, hint: Hint, trustMode: boolean): fc.Arbitrary<AuthzRequest> {
  const accounts = world === 'aws' ? [A1, A2] : [A3, A1];
  return fc
    .record({
      resourceAccount: maybe(fc.constantFrom(...accounts), !trustMode, 0.15),
      context: contextArb(world),
    })
    .map((r): AuthzRequest => {
      const base = { principal: hint.principal, action: hint.action, resource: hint.resource, context: contextOf(r.context) };
      return r.resourceAccount === null || trustMode ? base : { ...base, resourceAccount: r.resourceAccount };
    });
}


function caseInWorld(world: World): fc.Arbitrary<GeneratedCase> {
  const start = fc.tuple(fc.constantFrom(...CALLERS[world]), fc.nat(4), fc.constantFrom(...ACTIONS[world]), fc.constantFrom(...RESOURCES[world]), fc.constantFrom(...ROLES[world]));
  return start.chain(([caller, mode, action, resource, role]) => {
    const trustMode = caller.trustMode && mode === 0;
    const anonymous = caller.principal.kind === 'anonymous';
    const hint: Hint = trustMode ? { action: 'sts:AssumeRole', resource: role, principal: caller.principal } : { action, resource, principal: caller.principal };
    return fc
      .record({
        request: requestArb(world, hint, trustMode),
        identity: anonymous ? fc.constant([]) : fc.array(policyArb(world, 'identity', hint, trustMode), { minLength: 0, maxLength: 2 }),
        boundary: maybe(policyArb(world, 'identity', hint, trustMode, 2), caller.boundary, 0.35),
        session: maybe(fc.array(policyArb(world, 'identity', hint, trustMode, 2), { minLength: 1, maxLength: 2 }), caller.session, 0.4),
        resource: maybe(fc.array(policyArb(world, 'resource', hint, false), { minLength: 1, maxLength: 2 }), !trustMode, 0.6),
        trust: trustMode ? policyArb(world, 'trust', hint, true) : fc.constant(null),
      })
      .map((r): GeneratedCase => {
        const policies: { -readonly [K in keyof PolicyJsonSet]: PolicyJsonSet[K] } = { identity: r.identity };
        if (r.boundary !== null) policies.boundary = r.boundary;
        if (r.session !== null) policies.session = r.session;
        if (r.resource !== null) policies.resource = r.resource;
        if (r.trust !== null) policies.trust = r.trust;
        return { world, request: r.request, policies };
      });
  });
}

/** A random case: a request and the policy set deciding it. */
export const caseArb: fc.Arbitrary<GeneratedCase> = fc.oneof(
  { arbitrary: caseInWorld('aws'), weight: 3 },
  { arbitrary: caseInWorld('acs'), weight: 1 },
);

/** A statement to add to a case's policy of the given kind, aimed at the case's request (monotonicity tests). */
export function extraStatementArb(c: GeneratedCase, kind: StatementKind, effect: 'Allow' | 'Deny'): fc.Arbitrary<JsonStatement> {
  const hint: Hint = { action: c.request.action, resource: c.request.resource, principal: c.request.principal };
  return statementArb(c.world, kind, hint, effect, c.policies.trust !== undefined);
}
