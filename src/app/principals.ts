/**
 * Who is calling, and which policies bear on them: access-key lookup, the policy set of a user or role
 * (compiled once per document text and cached), and the authorization of administrative calls by the
 * engine, so delegated administration works as in AWS (reference §A.1.2; `iam:*` / `ram:*` actions).
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn, type CompiledPolicy, type Decision, type Principal, type PolicySet } from '../core/iam/index.ts';
import { adminService, entityArn, type Partition } from '../core/directory/rules.ts';
import type { AppDeps } from './deps.ts';
import type { SessionClaims } from '../core/sts/session.ts';
import type { PrincipalRef, ReadTx, RoleRecord, UserRecord } from './ports/store.ts';

export interface Caller {
  readonly principal: Principal;
  readonly partition: Partition;
  readonly account: string;
  readonly user: UserRecord | undefined;
  readonly policies: PolicySet;
  readonly accessKeyId: string;
  /** Set when the caller signs with temporary credentials. */
  readonly session?: SessionClaims;
}

/** Compiled policies keyed by document text: the same document compiles once however often it is attached. */
export class PolicyCache {
  private readonly map = new Map<string, CompiledPolicy | null>();
  private readonly max: number;
  constructor(max = 20_000) {
    this.max = max;
  }
  get(name: string, document: string, kind: 'identity' | 'resource' | 'trust' = 'identity'): CompiledPolicy | undefined {
    const key = `${kind}\u0000${name}\u0000${document}`;
    let c = this.map.get(key);
    if (c === undefined) {
      const parsed = parsePolicy(document, { kind, maxChars: 1 << 20 });
      // A stored document that no longer parses contributes nothing: an error is never an allow.
      c = parsed.ok ? compilePolicy(parsed.value, name) : null;
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(key, c);
    }
    return c ?? undefined;
  }
}

async function managedPolicies(tx: ReadTx, cache: PolicyCache, ref: PrincipalRef): Promise<CompiledPolicy[]> {
  const out: CompiledPolicy[] = [];
  for (const arn of await tx.attachments.listForPrincipal(ref)) {
    const v = await tx.policies.getDefaultVersion(arn);
    const c = v && cache.get(arn, v.document);
    if (c) out.push(c);
  }
  for (const p of await tx.inlinePolicies.list(ref)) {
    const c = cache.get(`${ref.type}/${ref.name}/${p.name}`, p.document);
    if (c) out.push(c);
  }
  return out;
}

async function boundaryOf(tx: ReadTx, cache: PolicyCache, arn: string | null): Promise<CompiledPolicy | undefined> {
  if (!arn) return undefined;
  const v = await tx.policies.getDefaultVersion(arn);
  // A boundary that cannot be read allows nothing rather than everything.
  return (v && cache.get(arn, v.document)) || compilePolicy({ version: '2012-10-17', dialect: 'aws', id: undefined, statements: [] }, arn);
}

export async function userPolicySet(tx: ReadTx, cache: PolicyCache, user: UserRecord): Promise<PolicySet> {
  const identity = await managedPolicies(tx, cache, { type: 'user', account: user.account, name: user.name });
  for (const g of await tx.groups.listForUser(user.account, user.name)) {
    identity.push(...(await managedPolicies(tx, cache, { type: 'group', account: g.account, name: g.name })));
  }
  return { identity, boundary: await boundaryOf(tx, cache, user.permissionsBoundary) };
}

export async function rolePolicySet(tx: ReadTx, cache: PolicyCache, role: RoleRecord): Promise<PolicySet> {
  const identity = await managedPolicies(tx, cache, { type: 'role', account: role.account, name: role.name });
  return { identity, boundary: await boundaryOf(tx, cache, role.permissionsBoundary) };
}

export async function partitionOf(tx: ReadTx, account: string): Promise<Partition | undefined> {
  return (await tx.accounts.get(account))?.partition;
}

export function userArn(partition: Partition, u: UserRecord): string {
  return entityArn(partition, u.account, 'user', u.path, u.name);
}

/**
 * Resolves a long-term access key to its secret and the calling user. Unknown, inactive, or disabled:
 * `INVALID_CLIENT_TOKEN_ID`, with the same message, so the answer does not reveal which.
 */
export async function resolveAccessKey(deps: AppDeps, cache: PolicyCache, accessKeyId: string): Promise<Result<{ secret: string; caller: Caller }>> {
  const denied = failWith<{ secret: string; caller: Caller }>('INVALID_CLIENT_TOKEN_ID', 'The security token included in the request is invalid.');
  return deps.store.read(async (tx) => {
    const key = await tx.accessKeys.get(accessKeyId);
    if (!key || key.status !== 'Active') return denied;
    const user = await tx.users.get(key.account, key.userName);
    const partition = await partitionOf(tx, key.account);
    if (!user || user.disabled || !partition) return denied;
    const secret = deps.sealer.open(key.secret, key.id);
    if (secret === undefined) return denied;
    const tags: Record<string, string> = {};
    for (const t of user.tags) tags[t.key] = t.value;
    const p = principalFromArn(userArn(partition, user), { userId: user.id, tags });
    if (!p.ok) return denied;
    const policies = await userPolicySet(tx, cache, user);
    return ok({ secret, caller: { principal: p.value, partition, account: key.account, user, policies, accessKeyId } });
  });
}

const BECAUSE: Record<string, string> = {
  identity: 'no identity-based policy allows',
  boundary: 'no permissions boundary allows',
  session: 'no session policy allows',
  resource: 'no resource-based policy allows',
  trust: 'no trust policy allows',
};

/** The AWS wording of an authorization failure (what SDK users grep their logs for). */
export function accessDeniedMessage(principalArn: string, action: string, resource: string, d: Decision): string {
  const why = d.decision === 'ExplicitDeny' ? `with an explicit deny in a${d.deniedBy === 'identity' ? 'n' : ''} ${d.deniedBy ?? 'identity'}${d.deniedBy === 'identity' || d.deniedBy === 'resource' ? '-based' : ''} policy` : `because ${BECAUSE[d.deniedBy ?? 'identity']} the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

/** Authorizes an administrative call: `iam:<Action>` (or `ram:<Action>` in `acs` accounts) on `resource`. */
export function authorizeAdmin(caller: Caller, now: number, action: string, resource: string, context: Record<string, string | string[]> = {}): Result<Decision> {
  // `CreateUser` is an IAM action (`iam:`/`ram:` by partition); `training:CreateWorkspace` names its service.
  const full = action.includes(':') ? action : `${adminService(caller.partition)}:${action}`;
  const d = evaluate({ principal: caller.principal, action: full, resource, context: contextOf(context), time: now }, caller.policies);
  if (d.decision === 'Allow') return ok(d);
  return failWith('ACCESS_DENIED', accessDeniedMessage(caller.principal.arn, full, resource, d));
}
