/**
 * The benchmark workload: IAM roles with identity policies, and requests made by sessions of those roles.
 *
 * Everything is derived from a seed, so two runs (and the two engines compared in bench/cedar.ts) see the
 * same policies and the same requests. The workload is plain data (policy JSON and request descriptions);
 * each bench translates it for its engine outside the timed part.
 *
 * Shape (defaults): 50 roles × 10 statements (two identity policies of 5), exactly one statement per role
 * with a condition (10%), about 4% Deny statements, most resources with wildcards; actions from a catalog of
 * real service actions (s3, ec2, iam, sts, kms, logs, ecr and the cluster's own `training` service).
 * All resources are in account 123456789012 (or carry no account, as S3 ARNs), the sessions' account, so the
 * identity path alone decides.
 */

export const ACCOUNT = '123456789012';

export const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'] as const;

/** The action universe. Statement patterns are expanded against it by the Cedar translation. */
export const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  s3: [
    'GetObject', 'GetObjectTagging', 'GetObjectVersion', 'PutObject', 'PutObjectTagging', 'DeleteObject',
    'DeleteBucket', 'ListBucket', 'ListBucketMultipartUploads', 'GetBucketLocation', 'AbortMultipartUpload',
    'ListMultipartUploadParts',
  ],
  ec2: [
    'DescribeInstances', 'DescribeVolumes', 'DescribeImages', 'DescribeSubnets', 'RunInstances', 'StartInstances',
    'StopInstances', 'RebootInstances', 'TerminateInstances', 'CreateTags', 'AttachVolume', 'CreateVolume',
  ],
  iam: [
    'GetRole', 'GetUser', 'GetPolicy', 'ListRoles', 'ListUsers', 'ListAttachedRolePolicies', 'PassRole', 'CreateRole',
    'DeleteRole', 'PutRolePolicy', 'AttachRolePolicy', 'CreateAccessKey',
  ],
  sts: ['AssumeRole', 'TagSession', 'GetCallerIdentity', 'GetSessionToken'],
  training: [
    'SubmitJob', 'CancelJob', 'DescribeJob', 'ListJobs', 'ReadDataset', 'WriteDataset', 'GetCheckpoint', 'PutCheckpoint',
  ],
  kms: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'DescribeKey'],
  logs: ['CreateLogStream', 'PutLogEvents', 'GetLogEvents', 'CreateLogGroup'],
  ecr: ['GetAuthorizationToken', 'BatchGetImage', 'GetDownloadUrlForLayer', 'PutImage'],
};

export const ALL_ACTIONS: readonly string[] = Object.entries(ACTIONS).flatMap(([s, names]) =>
  names.map((n) => `${s}:${n}`),
);

// ---------------------------------------------------------------------------------------------------------
// Seeded PRNG (sfc32 seeded by splitmix32): fast, good enough for workload generation, no dependency.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)] as T;
    },
    chance: (p: number): boolean => next() < p,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Resource patterns: a glob written in a policy, plus a way to draw a concrete ARN it matches.

type Hole = (r: Rng) => string;

export interface ResourcePattern {
  /** As written in the policy (`*` for each hole). */
  readonly pattern: string;
  /** A concrete resource the pattern matches. */
  sample(r: Rng): string;
}

/** Tagged template: string interpolations are literal text, function interpolations are `*` holes. */
function arn(strings: TemplateStringsArray, ...parts: ReadonlyArray<string | number | Hole>): ResourcePattern {
  let pattern = strings[0] ?? '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    pattern += (typeof p === 'function' ? '*' : String(p)) + (strings[i + 1] ?? '');
  }
  return {
    pattern,
    sample(r) {
      let out = strings[0] ?? '';
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        out += (typeof p === 'function' ? p(r) : String(p)) + (strings[i + 1] ?? '');
      }
      return out;
    },
  };
}

const hex = (r: Rng, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[r.int(16)];
  return s;
};
const region: Hole = (r) => r.pick(REGIONS);
const objectKey: Hole = (r) => `run-${r.int(500)}/part-${r.int(10_000)}.${r.pick(['parquet', 'bin', 'json', 'pt'])}`;
const instanceId: Hole = (r) => `i-${hex(r, 17)}`;
const volumeId: Hole = (r) => `vol-${hex(r, 17)}`;
const eniId: Hole = (r) => `eni-${hex(r, 17)}`;
const amiSuffix: Hole = (r) => hex(r, 17);
const jobId: Hole = (r) => `job-${r.int(100_000)}`;
const step: Hole = (r) => `${r.int(50)}/step-${r.int(100_000)}`;
const streamSuffix: Hole = (r) => `log-stream:worker-${r.int(256)}`;
const imageTag: Hole = (r) => `${r.pick(['trainer', 'evaluator', 'tokenizer', 'serving'])}`;
const roleSuffix: Hole = (r) => r.pick(['gpu', 'cpu', 'eval', 'ingest']);
const datasetSuffix: Hole = (r) => `${r.pick(['web', 'code', 'books', 'images'])}-v${r.int(9)}`;
const anyBucket: Hole = (r) => String(r.int(10_000));
const ANY: ResourcePattern = { pattern: '*', sample: () => '*' };

// ---------------------------------------------------------------------------------------------------------
// Statements

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface StatementSpec {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly ResourcePattern[];
  condition?: ConditionBlock;
}

interface TeamCtx {
  /** Team number. */
  readonly t: number;
  /** One of the team's four buckets, `bucket-(4t..4t+3)`. */
  bucket(r: Rng): number;
}

type Gen = (c: TeamCtx, r: Rng) => StatementSpec;

const allow = (actions: readonly string[], resources: readonly ResourcePattern[]): StatementSpec => ({
  effect: 'Allow',
  actions,
  resources,
});
const deny = (actions: readonly string[], resources: readonly ResourcePattern[]): StatementSpec => ({
  effect: 'Deny',
  actions,
  resources,
});

const A = ACCOUNT;

/** Allow statements, by theme. */
const ALLOW_GENS: Readonly<Record<string, Gen>> = {
  s3ReadDatasets: (c, r) =>
    allow(r.chance(0.5) ? ['s3:Get*'] : ['s3:GetObject', 's3:GetObjectTagging'], [
      arn`arn:aws:s3:::bucket-${c.bucket(r)}/datasets/${objectKey}`,
    ]),
  s3Checkpoints: (c, r) =>
    allow(['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], [
      arn`arn:aws:s3:::bucket-${c.bucket(r)}/checkpoints/${objectKey}`,
    ]),
  s3List: (c, r) =>
    allow(['s3:ListBucket', 's3:GetBucketLocation'], [
      arn`arn:aws:s3:::bucket-${c.bucket(r)}`,
      arn`arn:aws:s3:::bucket-${c.bucket(r)}`,
    ]),
  s3Shared: () => allow(['s3:GetObject'], [arn`arn:aws:s3:::bucket-${anyBucket}/shared/${objectKey}`]),
  s3TeamBucket: (c, r) => {
    const b = c.bucket(r);
    return allow(['s3:*'], [arn`arn:aws:s3:::bucket-${b}/${objectKey}`, arn`arn:aws:s3:::bucket-${b}`]);
  },
  ec2Describe: () => allow(['ec2:Describe*'], [ANY]),
  ec2Manage: (_c, r) =>
    allow(['ec2:StartInstances', 'ec2:StopInstances', 'ec2:RebootInstances'], [
      r.chance(0.5)
        ? arn`arn:aws:ec2:${r.pick(REGIONS)}:${A}:instance/${instanceId}`
        : arn`arn:aws:ec2:${region}:${A}:instance/${instanceId}`,
    ]),
  ec2Run: () =>
    allow(['ec2:RunInstances', 'ec2:CreateTags'], [
      arn`arn:aws:ec2:${region}:${A}:instance/${instanceId}`,
      arn`arn:aws:ec2:${region}:${A}:volume/${volumeId}`,
      arn`arn:aws:ec2:${region}:${A}:network-interface/${eniId}`,
      arn`arn:aws:ec2:${region}::image/ami-${amiSuffix}`,
    ]),
  iamRead: () => allow(['iam:Get*', 'iam:List*'], [arn`arn:aws:iam::${A}:role/${roleSuffix}`]),
  iamPassRole: (c) => allow(['iam:PassRole'], [arn`arn:aws:iam::${A}:role/training-${c.t}-${roleSuffix}`]),
  stsAssume: (c) =>
    allow(['sts:AssumeRole', 'sts:TagSession'], [arn`arn:aws:iam::${A}:role/training-${c.t}-${roleSuffix}`]),
  stsIdentity: () => allow(['sts:GetCallerIdentity'], [ANY]),
  trainingJobs: (c, r) =>
    allow(r.chance(0.5) ? ['training:*Job*'] : ['training:SubmitJob', 'training:DescribeJob', 'training:CancelJob'], [
      arn`arn:aws:training:${region}:${A}:job/team-${c.t}/${jobId}`,
    ]),
  trainingDatasets: (c) =>
    allow(['training:ReadDataset'], [arn`arn:aws:training:${region}:${A}:dataset/team-${c.t}-${datasetSuffix}`]),
  trainingCheckpoints: (c) =>
    allow(['training:GetCheckpoint', 'training:PutCheckpoint'], [
      arn`arn:aws:training:${region}:${A}:checkpoint/team-${c.t}/${step}`,
    ]),
  trainingAdmin: (c) => allow(['training:*'], [arn`arn:aws:training:${region}:${A}:${(r: Rng) => r.pick(['job', 'dataset', 'checkpoint'])}/team-${c.t}/${jobId}`]),
  kmsUse: (c, r) => {
    const key = `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`;
    return allow(['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], [
      r.chance(0.5) ? arn`arn:aws:kms:us-east-1:${A}:key/${key}` : arn`arn:aws:kms:${region}:${A}:key/${(rr: Rng) => `${c.t}-${hex(rr, 8)}`}`,
    ]);
  },
  logsWrite: (c) =>
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [
      arn`arn:aws:logs:${region}:${A}:log-group:/training/team-${c.t}:${streamSuffix}`,
    ]),
  ecrPull: (c) =>
    allow(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], [arn`arn:aws:ecr:${region}:${A}:repository/team-${c.t}/${imageTag}`]),
  ecrToken: () => allow(['ecr:GetAuthorizationToken'], [ANY]),
};

const DENY_GENS: readonly Gen[] = [
  (c, r) => deny(['s3:Delete*'], [arn`arn:aws:s3:::bucket-${c.bucket(r)}/datasets/${objectKey}`]),
  () => deny(['iam:Create*', 'iam:Delete*', 'iam:Put*', 'iam:Attach*'], [ANY]),
  () => deny(['ec2:TerminateInstances'], [arn`arn:aws:ec2:${region}:${A}:instance/${instanceId}`]),
  (c) => deny(['training:CancelJob'], [arn`arn:aws:training:${region}:${A}:job/team-${c.t}/${jobId}`]),
];

/** Each profile draws its statements from these themes. */
const PROFILES: Readonly<Record<string, readonly string[]>> = {
  researcher: [
    's3ReadDatasets', 's3Checkpoints', 's3List', 's3Shared', 'trainingJobs', 'trainingDatasets', 'trainingCheckpoints',
    'kmsUse', 'logsWrite', 'ecrPull', 'stsIdentity', 'ec2Describe',
  ],
  'ml-engineer': [
    's3TeamBucket', 's3Shared', 's3List', 'trainingAdmin', 'trainingJobs', 'iamPassRole', 'stsAssume', 'ecrPull',
    'ecrToken', 'kmsUse', 'logsWrite', 'ec2Describe',
  ],
  'data-engineer': [
    's3TeamBucket', 's3ReadDatasets', 's3List', 's3Shared', 'trainingDatasets', 'kmsUse', 'logsWrite', 'ec2Describe',
    'stsIdentity', 'iamRead',
  ],
  'platform-admin': [
    'ec2Describe', 'ec2Manage', 'ec2Run', 'iamRead', 'iamPassRole', 'stsAssume', 'ecrPull', 'ecrToken', 'logsWrite',
    'kmsUse', 'trainingAdmin',
  ],
  'ci-runner': [
    'ecrPull', 'ecrToken', 's3Checkpoints', 's3List', 'trainingJobs', 'stsAssume', 'stsIdentity', 'logsWrite',
    'iamPassRole', 'ec2Describe',
  ],
};
const PROFILE_NAMES = Object.keys(PROFILES);

const ALLOW_CONDITIONS: readonly ConditionBlock[] = [
  { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '172.16.0.0/12'] } },
  { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } },
  { Bool: { 'aws:SecureTransport': 'true' } },
];
/** Conditions on keys only `training:` requests carry. */
const TRAINING_CONDITIONS: readonly ConditionBlock[] = [
  { NumericLessThanEquals: { 'training:GpuCount': '8' } },
  { StringLike: { 'training:JobQueue': ['research-*', 'batch-*'] } },
];
const DENY_CONDITIONS: readonly ConditionBlock[] = [
  { Bool: { 'aws:SecureTransport': 'false' } },
  { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } },
  { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } },
];

// ---------------------------------------------------------------------------------------------------------
// Roles

export interface Role {
  readonly name: string;
  /** `arn:aws:iam::A:role/name`. */
  readonly arn: string;
  readonly statements: readonly StatementSpec[];
  /** The identity policies attached to the role, as IAM JSON; statements split in chunks of `perPolicy`. */
  readonly policies: ReadonlyArray<{ readonly name: string; readonly document: unknown }>;
}

export interface RoleOptions {
  readonly roles: number;
  readonly statementsPerRole: number;
  readonly statementsPerPolicy: number;
  readonly seed: number;
}

export const DEFAULT_ROLES: RoleOptions = { roles: 50, statementsPerRole: 10, statementsPerPolicy: 5, seed: 0x6a7e };

export function generateRole(i: number, opts: RoleOptions, r: Rng): Role {
  const teams = Math.max(10, Math.ceil(opts.roles / PROFILE_NAMES.length));
  const t = i % teams;
  const profile = PROFILE_NAMES[Math.floor(i / teams) % PROFILE_NAMES.length] ?? 'researcher';
  const ctx: TeamCtx = { t, bucket: (rr) => 4 * t + rr.int(4) };
  const themes = [...(PROFILES[profile] ?? [])];
  const statements: StatementSpec[] = [];
  // About 4% of statements are Deny: 40% of roles carry one.
  const hasDeny = r.chance(0.4);
  const n = opts.statementsPerRole;
  for (let k = 0; k < n; k++) {
    if (hasDeny && k === n - 1) {
      statements.push(r.pick(DENY_GENS)(ctx, r));
      continue;
    }
    // Each theme once while it lasts, then repeats (another bucket, region…).
    const theme = themes.length > 0 ? themes.splice(r.int(themes.length), 1)[0] : r.pick(PROFILES[profile] ?? []);
    const gen = ALLOW_GENS[theme ?? 'ec2Describe'];
    if (gen === undefined) throw new Error(`unknown theme ${theme}`);
    statements.push(gen(ctx, r));
  }
  // Exactly one statement per role has a condition (10% with 10 statements per role).
  const s = statements[r.int(n)];
  if (s !== undefined) {
    const training = s.actions.every((a) => a.startsWith('training:'));
    s.condition = r.pick(
      s.effect === 'Deny' ? DENY_CONDITIONS : training ? [...ALLOW_CONDITIONS, ...TRAINING_CONDITIONS] : ALLOW_CONDITIONS,
    );
  }

  const name = `${profile}-team-${t}${i >= teams * PROFILE_NAMES.length ? `-${i}` : ''}`;
  const policies: Array<{ name: string; document: unknown }> = [];
  for (let p = 0; p * opts.statementsPerPolicy < n; p++) {
    const chunk = statements.slice(p * opts.statementsPerPolicy, (p + 1) * opts.statementsPerPolicy);
    policies.push({
      name: `${name}-policy-${p}`,
      document: {
        Version: '2012-10-17',
        Statement: chunk.map((st, j) => ({
          Sid: `S${p * opts.statementsPerPolicy + j}`,
          Effect: st.effect,
          Action: st.actions.length === 1 ? st.actions[0] : st.actions,
          Resource: st.resources.length === 1 ? st.resources[0]?.pattern : st.resources.map((x) => x.pattern),
          ...(st.condition === undefined ? {} : { Condition: st.condition }),
        })),
      },
    });
  }
  return { name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, statements, policies };
}

/** Roles one at a time, so the memory bench never holds all the JSON at once. */
export function* roles(opts: RoleOptions = DEFAULT_ROLES): Generator<Role> {
  const r = rng(opts.seed);
  for (let i = 0; i < opts.roles; i++) yield generateRole(i, opts, r);
}

// ---------------------------------------------------------------------------------------------------------
// Requests

export type ContextValue = string | number | boolean;

export interface RequestSpec {
  /** Index into the roles array. */
  readonly role: number;
  /** `arn:aws:sts::A:assumed-role/R/S`. */
  readonly principalArn: string;
  readonly session: string;
  readonly action: string;
  readonly resource: string;
  /** IAM condition keys as written in policies, with typed values (IpAddress values are plain strings). */
  readonly context: Readonly<Record<string, ContextValue>>;
}

/** Case-insensitive IAM action glob (`*`, `?`), used to draw actions a statement covers. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}

export function expandActions(patterns: readonly string[]): string[] {
  return ALL_ACTIONS.filter((a) => patterns.some((p) => actionMatches(p, a)));
}

function regionOf(resource: string): string | undefined {
  const seg = resource.split(':')[3];
  return seg === undefined || seg === '' ? undefined : seg;
}

function drawContext(r: Rng, action: string, resource: string): Record<string, ContextValue> {
  const c: Record<string, ContextValue> = {};
  // Each key is sometimes absent, to exercise the missing-key rules.
  if (!r.chance(0.03)) {
    c['aws:SourceIp'] = r.chance(0.9)
      ? `10.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}`
      : r.chance(0.5)
        ? `172.${16 + r.int(16)}.${r.int(256)}.${1 + r.int(254)}`
        : `203.0.113.${1 + r.int(254)}`;
  }
  if (!r.chance(0.03)) c['aws:SecureTransport'] = r.chance(0.95);
  if (!r.chance(0.03)) c['aws:RequestedRegion'] = r.chance(0.8) ? (regionOf(resource) ?? 'us-east-1') : r.pick(REGIONS);
  if (action.startsWith('training:')) {
    if (!r.chance(0.05)) c['training:GpuCount'] = r.pick([1, 2, 4, 8, 8, 8, 16, 64]);
    if (!r.chance(0.05)) c['training:JobQueue'] = r.pick(['research-a100', 'batch-spot', 'prod-serving', 'research-h100']);
  }
  return c;
}

export interface RequestOptions {
  readonly count: number;
  readonly sessionsPerRole: number;
  readonly seed: number;
}

export const DEFAULT_REQUESTS: RequestOptions = { count: 100_000, sessionsPerRole: 8, seed: 0x5eed };

/**
 * Requests: 60% drawn from one of the role's Allow statements (mostly allowed, unless a condition fails or a
 * Deny overlaps), 10% aimed at one of its Deny statements when it has one, 30% a random action on a resource
 * of another role (mostly implicit denies).
 */
export function generateRequests(roleList: readonly Role[], opts: RequestOptions = DEFAULT_REQUESTS): RequestSpec[] {
  const r = rng(opts.seed);
  const byService = new Map<string, ResourcePattern[]>();
  for (const role of roleList) {
    for (const s of role.statements) {
      for (const res of s.resources) {
        if (res.pattern === '*') continue;
        const service = res.pattern.split(':')[2] ?? '';
        const list = byService.get(service) ?? [];
        list.push(res);
        byService.set(service, list);
      }
    }
  }
  const covered = roleList.map((role) => role.statements.map((s) => expandActions(s.actions)));
  const out: RequestSpec[] = [];
  for (let n = 0; n < opts.count; n++) {
    const ri = r.int(roleList.length);
    const role = roleList[ri];
    const cov = covered[ri];
    if (role === undefined || cov === undefined) throw new Error('no roles');
    const session = `session-${r.int(opts.sessionsPerRole)}`;
    const mode = r.next();
    let action: string;
    let resource: string;
    const denies = role.statements.map((s, k) => (s.effect === 'Deny' ? k : -1)).filter((k) => k >= 0);
    if (mode < 0.7) {
      const candidates =
        mode >= 0.6 && denies.length > 0
          ? denies
          : role.statements.map((s, k) => (s.effect === 'Allow' ? k : -1)).filter((k) => k >= 0);
      const k = r.pick(candidates);
      const s = role.statements[k];
      if (s === undefined) throw new Error('bad statement index');
      action = r.pick(cov[k] ?? []);
      resource = r.pick(s.resources).sample(r);
      if (resource === '*') {
        const service = action.split(':')[0] ?? '';
        const pool = byService.get(service);
        if (pool !== undefined && r.chance(0.5)) resource = r.pick(pool).sample(r);
      }
    } else {
      action = r.pick(ALL_ACTIONS);
      const pool = byService.get(action.split(':')[0] ?? '');
      resource = pool === undefined ? '*' : r.pick(pool).sample(r);
    }
    out.push({
      role: ri,
      principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/${session}`,
      session,
      action,
      resource,
      context: drawContext(r, action, resource),
    });
  }
  return out;
}

/** The default workload: 50 roles and 100,000 requests. */
export function workload(opts: { roles?: RoleOptions; requests?: RequestOptions } = {}): {
  roles: Role[];
  requests: RequestSpec[];
} {
  const roleList = [...roles(opts.roles ?? DEFAULT_ROLES)];
  return { roles: roleList, requests: generateRequests(roleList, opts.requests ?? DEFAULT_REQUESTS) };
}
