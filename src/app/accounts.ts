/**
 * Accounts and first start: the built-in policy catalogue kept in the store, the root account
 * `000000000000` with its `admin` user on first start (DESIGN.md, "Interfaces"), and account creation by
 * the root admin, each new account getting its own `admin` with full rights in it.
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { BUILTIN_POLICIES, type BuiltinPolicy } from '../core/directory/catalogue.ts';
import { adminService, checkAccountId, checkAccountName, ID_PREFIX, rootArn, shortName, uniqueId, type Partition } from '../core/directory/rules.ts';
import { contextOf, isoSeconds } from '../core/iam/index.ts';
import { appendInTx } from './audit-in-tx.ts';
import type { AppDeps } from './deps.ts';
import { createDirectory } from './directory.ts';
import { accessDeniedMessage, decideAdmin, requestContext, type Caller } from './principals.ts';
import { MAX_POLICY_VERSIONS, type AccountRecord, type WriteTx } from './ports/store.ts';

export const ROOT_ACCOUNT = '000000000000';
/** The root account's name as the server's first start makes it: an Account document without `name` wants it. */
export const ROOT_ACCOUNT_NAME = 'root';
export const ADMIN_USER = 'admin';

export interface AdminCredentials {
  readonly AccountId: string;
  readonly UserName: string;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
}

/**
 * Inserts the built-in managed policies that the store does not hold yet (account `aws`), and brings those it holds up
 * to this release's catalogue: a built-in whose default document is not the catalogue's gets the catalogue's as a new
 * default version, as AWS versions its managed policies (the oldest other version goes first when there are five).
 * Before, a store kept the documents of the release that first started on it, so a built-in narrowed or fixed in a
 * later release went on granting what it granted there (review directory, D9). Nobody else writes a built-in
 * (CreatePolicyVersion and SetDefaultPolicyVersion refuse them), so a differing default is an older catalogue's.
 */
export async function ensureBuiltins(deps: AppDeps, tx: WriteTx): Promise<void> {
  const created = isoSeconds(deps.now());
  for (const p of BUILTIN_POLICIES) {
    if (await tx.policies.getByArn(p.arn)) {
      await refreshBuiltin(tx, p, created);
      continue;
    }
    const r = await tx.policies.create({ account: 'aws', name: p.name, path: '/', id: uniqueId(ID_PREFIX.policy, deps.randomBytes(32)), arn: p.arn, description: p.description, created, document: p.document });
    if (!r.ok && r.error.code !== 'ENTITY_ALREADY_EXISTS') throw new Error(`cannot install built-in policy ${p.name}: ${r.error.message}`);
  }
}

/** A stored built-in made to enforce the catalogue's document (`ensureBuiltins`). */
async function refreshBuiltin(tx: WriteTx, p: BuiltinPolicy, created: string): Promise<void> {
  if ((await tx.policies.getDefaultVersion(p.arn))?.document === p.document) return;
  const versions = await tx.policies.listVersions(p.arn);
  // Newest first: the last that is not the default is the oldest.
  const oldest = versions.filter((v) => !v.isDefault).at(-1);
  if (versions.length >= MAX_POLICY_VERSIONS && oldest) {
    const d = await tx.policies.deleteVersion(p.arn, oldest.versionId);
    if (!d.ok) throw new Error(`cannot update built-in policy ${p.name}: ${d.error.message}`);
  }
  const r = await tx.policies.createVersion(p.arn, { document: p.document, setAsDefault: true, created });
  if (!r.ok) throw new Error(`cannot update built-in policy ${p.name}: ${r.error.message}`);
}

/** The full-rights policy of an account's admin, in the account's dialect. */
function adminPolicyArn(partition: Partition): string {
  return partition === 'acs' ? 'acs:ram::system:policy/AdministratorAccess' : 'arn:aws:iam::aws:policy/AdministratorAccess';
}

async function createAccountWithAdmin(deps: AppDeps, tx: WriteTx, account: AccountRecord): Promise<Result<AdminCredentials>> {
  const created = await tx.accounts.create(account);
  if (!created.ok) return failWith(created.error.code, created.error.message);
  const user = await tx.users.create({ account: account.id, name: ADMIN_USER, path: '/', id: uniqueId(ID_PREFIX.user, deps.randomBytes(32)), created: account.created, tags: [], permissionsBoundary: null, disabled: false });
  if (!user.ok) return failWith(user.error.code, user.error.message);
  // AdministratorAccess exists in the aws form; acs accounts get an inline equivalent in their own dialect.
  if (account.partition === 'acs') {
    const r = await tx.inlinePolicies.put({ type: 'user', account: account.id, name: ADMIN_USER }, 'AdministratorAccess', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
    if (!r.ok) return failWith(r.error.code, r.error.message);
  } else {
    const r = await tx.attachments.attach({ type: 'user', account: account.id, name: ADMIN_USER }, adminPolicyArn('aws'));
    if (!r.ok) return failWith(r.error.code, r.error.message);
  }
  const key = await createDirectory(deps).issueAccessKey(tx, account.partition, user.value);
  if (!key.ok) return key;
  return ok({ AccountId: account.id, UserName: ADMIN_USER, AccessKeyId: key.value.key.id, SecretAccessKey: key.value.secretAccessKey });
}

/**
 * First start: installs the catalogue and, when the store holds no account, creates the root account and
 * its admin. Returns the admin's credentials only when it created them (they are shown once).
 *
 * `handOver` is given them inside the transaction, before its commit (the server writes admin-credentials.json there),
 * and may run more than once (a retried transaction: the last call's are the ones committed). When it throws, nothing is
 * committed: an account whose only key nobody holds would lock everyone out for good, since every later start finds an
 * account and creates none (review instances, cn1). Killed after it and before the commit, the next start makes the
 * account again and hands over its credentials in their place.
 */
export async function bootstrap(deps: AppDeps, handOver?: (creds: AdminCredentials) => Promise<void>): Promise<AdminCredentials | undefined> {
  let written = 0;
  const creds = await deps.store.write<AdminCredentials | undefined>(async (tx, abort) => {
    await ensureBuiltins(deps, tx);
    if ((await tx.accounts.list()).length > 0) return undefined;
    const account: AccountRecord = { id: ROOT_ACCOUNT, partition: 'aws', name: ROOT_ACCOUNT_NAME, created: isoSeconds(deps.now()) };
    const r = await createAccountWithAdmin(deps, tx, account);
    if (!r.ok) return abort(undefined);
    // Recorded with the account, in its transaction, as `accounts create` and apply record theirs (review ak, 8): "who
    // created AKIA…?" has an answer for the root admin's key too, the most powerful of all; the log had none (review el,
    // 2). A record that cannot be written fails the start like the rest of this transaction (waited for, retried).
    written = await appendInTx(deps, tx, [
      {
        kind: 'change',
        account: ROOT_ACCOUNT,
        principal: 'gatehouse',
        action: `${adminService(account.partition)}:CreateAccount`,
        resource: rootArn(account.partition, account.id),
        decision: 'ok',
        detail: { request: { firstStart: true }, before: null, after: { account: { id: account.id, partition: account.partition, name: account.name }, userName: ADMIN_USER, accessKeyId: r.value.AccessKeyId } },
      },
    ]);
    await handOver?.(r.value);
    return r.value;
  });
  if (creds !== undefined) deps.metrics?.auditWritten(written);
  return creds;
}

/** `gatehouse accounts create`: the root account's admins only. */
export async function createAccount(deps: AppDeps, caller: Caller, input: { id: string; partition: string; name?: string }): Promise<Result<AdminCredentials>> {
  if (caller.account !== ROOT_ACCOUNT) return failWith('ACCESS_DENIED', `only principals of the root account ${ROOT_ACCOUNT} may create accounts`);
  const bad = checkAccountId(input.id);
  if (bad) return failWith('VALIDATION_ERROR', bad, 'id');
  if (input.partition !== 'aws' && input.partition !== 'acs') return failWith('VALIDATION_ERROR', `partition must be \`aws\` or \`acs\`, got \`${shortName(String(input.partition))}\``, 'partition');
  const badName = input.name === undefined ? undefined : checkAccountName(input.name);
  if (badName !== undefined) return failWith('VALIDATION_ERROR', badName, 'name');
  const partition: Partition = input.partition;
  // The new account's root ARN names an account that does not exist yet: the decision is the caller's own
  // account's alone (evaluated as a resource of it), not a cross-account request that no resource policy allows.
  const action = `${adminService(caller.partition)}:CreateAccount`;
  const resource = rootArn(partition, input.id);
  // As the IAM API decides (`decideAdmin`): a Deny of `ram:CreateAccount`, or naming the account's root in the other
  // dialect, applies too (review jh, 2).
  const d = decideAdmin({ principal: caller.principal, action, resource, resourceAccount: caller.account, context: contextOf(requestContext(caller)), time: deps.now() }, caller.policies);
  if (d.decision !== 'Allow') return failWith('ACCESS_DENIED', accessDeniedMessage(caller.principal.arn, action, resource, d));
  return deps.store.write(async (tx, abort) => {
    const r = await createAccountWithAdmin(deps, tx, { id: input.id, partition, name: input.name ?? input.id, created: isoSeconds(deps.now()) });
    if (!r.ok) abort(r);
    return r;
  });
}

/**
 * `gatehouse accounts list`: every account for a principal of the root account allowed `iam:ListAccounts`
 * (`ram:ListAccounts`), else the caller's own. Every root-account principal, one allowed nothing or a training job's
 * session included, read every tenant's id and name (review gn, 5).
 */
export async function listAccounts(deps: AppDeps, caller: Caller): Promise<Result<AccountRecord[]>> {
  const action = `${adminService(caller.partition)}:ListAccounts`;
  const seesAll =
    caller.account === ROOT_ACCOUNT &&
    decideAdmin({ principal: caller.principal, action, resource: rootArn(caller.partition, caller.account), resourceAccount: caller.account, context: contextOf(requestContext(caller)), time: deps.now() }, caller.policies).decision === 'Allow';
  return deps.store.read(async (tx) => {
    if (!seesAll) {
      const own = await tx.accounts.get(caller.account);
      return ok(own ? [own] : []);
    }
    return ok(await tx.accounts.list());
  });
}
