/**
 * The tree of resource ARNs, shared by both kinds of policy attached to a resource: resource policies
 * (src/app/resource-policies.ts) and IAM policies of bindings (src/app/bindings.ts). Its own module, so that each kind
 * can see the other's policies where they are stored without the two modules importing each other.
 *
 * An ARN that names no account (`arn:aws:s3:::shared`) belongs to the account whose policy sits on it or nearest above
 * it, so no account may attach a policy of either kind in another account's tree (reviews N4, co2, cl1).
 */
import { ROOT_ACCOUNT } from './accounts.ts';
import type { ReadTx } from './ports/store.ts';

/**
 * Account `owner`, as told to principals of account `asker` in a refusal: another tenant's id is named only to the root
 * account's principals (and the root account's own id, fixed and known to all, to anyone). A tenant is shown no other
 * account (`accounts list`, review gn, 5); a refusal naming whose a guessed bucket or ARN is told it (review tl, 3).
 */
export function accountShownTo(owner: string, asker: string): string {
  return owner === asker || owner === ROOT_ACCOUNT || asker === ROOT_ACCOUNT ? `account ${owner}` : 'another account';
}

/** kv prefix of the IAM policies (bindings): see `iamPolicyKey`. */
export const IAM_POLICY_PREFIX = 'iampolicy/';

/**
 * The owner of the stand-in of an IAM policy on an ARN whose stored record cannot be read (`storedIamPolicy`): no
 * account's, as an unreadable bucket owner record's bucket (src/app/resource-policies.ts, review ot, 1), so that the
 * record fails closed (DESIGN.md: the union "fails closed on error"): its resource stays out of every account's reach
 * (no identity policy reaches it as its account's, no account may attach a policy there) until the record is replaced.
 */
export const UNREADABLE_IAM_POLICY_OWNER = 'unreadable-iam-policy-record';

/** What an IAM policy record holds that its readers rely on (`StoredIamPolicy` of src/app/bindings.ts). */
interface IamPolicyRecord {
  readonly resource: string;
  readonly account: string;
  readonly bindings: readonly { readonly role: string; readonly members: readonly string[]; readonly condition?: { readonly expression: string } }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The IAM policy record at kv `key` (`text`, as the server wrote it), or undefined when it is not one: not JSON, or
 * without the resource, account and bindings its readers rely on (a database restored or edited by hand, a truncated
 * write). Parsed unguarded, one such record stopped every start with `Unterminated string in JSON`, naming no record
 * (review pi, 1).
 */
export function readIamPolicyRecord<T extends IamPolicyRecord>(text: string): T | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(v) || typeof v['resource'] !== 'string' || typeof v['account'] !== 'string' || !Array.isArray(v['bindings'])) return undefined;
  for (const b of v['bindings'] as unknown[]) {
    if (!isObject(b) || typeof b['role'] !== 'string' || !Array.isArray(b['members']) || !(b['members'] as unknown[]).every((m) => typeof m === 'string')) return undefined;
    if (b['condition'] !== undefined && !(isObject(b['condition']) && typeof b['condition']['expression'] === 'string')) return undefined;
  }
  return v as unknown as T;
}

/**
 * What stands in for the IAM policy record at kv `key` that cannot be read (`readIamPolicyRecord`): a policy of no
 * binding, so it grants nothing (bindings only grant), on the resource the key names, of the account the key names
 * (`account/<id>`, `workspace/<account>/<name>`), else of no account (`UNREADABLE_IAM_POLICY_OWNER`), which keeps the
 * ARN out of every account's tree as the lost record kept it out of all but one.
 */
export function unreadableIamPolicy(key: string): { readonly resource: string; readonly account: string; readonly bindings: readonly never[]; readonly updated: string } {
  const rest = key.slice(IAM_POLICY_PREFIX.length);
  if (rest.startsWith('account/')) return { resource: rest, account: rest.slice('account/'.length), bindings: [], updated: '' };
  const ws = /^workspace\/([^/]+)\/(.+)$/.exec(rest);
  if (ws !== null) return { resource: `workspace/${ws[2] as string}`, account: ws[1] as string, bindings: [], updated: '' };
  return { resource: rest.startsWith('arn/') ? rest.slice('arn/'.length) : rest, account: UNREADABLE_IAM_POLICY_OWNER, bindings: [], updated: '' };
}

/** The IAM policy record at kv `key`, or its stand-in when it cannot be read (`unreadableIamPolicy`). */
export function storedIamPolicyAt<T extends IamPolicyRecord>(key: string, text: string): T {
  return readIamPolicyRecord<T>(text) ?? (unreadableIamPolicy(key) as unknown as T);
}

/**
 * The kv key of the policy of `resource` (as `parseResourceName` accepts it) owned by `account`: ARNs are
 * global (one policy per ARN, whichever account owns it); workspace names are per account and compare
 * without case, as workspaces do.
 */
export function iamPolicyKey(account: string, resource: string): string {
  if (resource.startsWith('account/')) return `${IAM_POLICY_PREFIX}${resource}`;
  if (resource.startsWith('workspace/')) return `${IAM_POLICY_PREFIX}workspace/${account}/${resource.slice('workspace/'.length).toLowerCase()}`;
  return `${IAM_POLICY_PREFIX}arn/${canonicalArn(resource)}`;
}

/**
 * The one form an ARN is kept and looked up under, by both kinds of policy (review U, U3; for IAM policies review fa,
 * 3): an OSS ARN as `acs:oss:*:*:<bucket>[/<object>]`. OSS bucket names are global and `*` region and account in a RAM
 * ARN mean any (reference §A.2), so `acs:oss:cn-hangzhou:*:b/x`, `acs:oss:*:123456789012:b/x` and `acs:oss:*:*:b/x`
 * name the same object of bucket `b`, and a policy attached to any spelling of the bucket is that bucket's policy.
 * Any other ARN, and one whose bucket has a wildcard, as given.
 */
export function canonicalArn(resource: string): string {
  const m = OSS_ARN_RE.exec(resource);
  return m ? `acs:oss:*:*:${m[1] as string}` : resource;
}
/**
 * An OSS ARN of one bucket (no wildcard in its name), the bucket and object its group; `s`: an object key may hold a
 * line break, and read with `.` alone such a key was no OSS object's (review nt, 1). Also src/app/resource-policies.ts's.
 */
export const OSS_ARN_RE = /^acs:oss:[^:]*:[^:]*:([^/:*?]+(?:\/.*)?)$/s;

/** The ARNs whose policies govern `resource`: itself and each `/`-prefix of its resource part, nearest first. */
export function governingArns(resource: string): string[] {
  const out = [resource];
  const start = resourcePartStart(resource);
  for (let i = resource.lastIndexOf('/'); i > start; i = resource.lastIndexOf('/', i - 1)) out.push(resource.slice(0, i));
  return out;
}

/** Where the resource part starts (after the 5th colon of `arn:`, the 4th of `acs:`): only it has parents. */
export function resourcePartStart(resource: string): number {
  const colons = resource.startsWith('arn:') ? 5 : resource.startsWith('acs:') ? 4 : 0;
  let start = 0;
  for (let i = 0; i < colons; i++) start = resource.indexOf(':', start) + 1;
  return start;
}

/** A user's, group's, role's (or other IAM entity's) ARN, whose path is no container: see `chainArns`. */
const IAM_ENTITY_ARN = /^(?:arn:aws[a-z-]*:iam::|acs:ram::)[^:]*:[a-z-]+\//;

/**
 * The ARNs whose IAM policies govern `resource`, nearest first: itself and the ARNs it lies under (a bucket's for its
 * objects), except for an IAM entity. `arn:aws:iam::A:role/team` is the role `team`, not a folder of
 * `arn:aws:iam::A:role/team/trainer` (the role `trainer` of path `/team/`): taken as a parent, a binding of
 * `roles/iam.serviceAccountUser` on the role `team` let its members pass every role under that path (review ai, 1).
 * As in GCP, a service account's policy governs that service account only; the account level covers them all.
 */
export function chainArns(resource: string): string[] {
  return IAM_ENTITY_ARN.test(resource) ? [resource] : governingArns(resource);
}

/**
 * The requests an IAM policy of `account` attached to `resource` governs, as `chainArns` finds its policy: those on its
 * ARN in the form it is kept (`canonicalArn`) and, but for an IAM entity's, on what lies under it; for `account/<id>` and
 * `workspace/<name>`, those on the account's resources, whose ARNs name no other account. What a condition's
 * `resource.name` can be there (reviews jl, 1 and 8).
 */
export function governedScope(resource: string, account: string): { readonly name: string; readonly under: boolean } | { readonly account: string } | undefined {
  if (resource.startsWith('account/')) return { account: resource.slice('account/'.length) };
  if (resource.startsWith('workspace/')) return { account };
  if (!resource.startsWith('arn:') && !resource.startsWith('acs:')) return undefined;
  const name = canonicalArn(resource);
  return { name, under: !IAM_ENTITY_ARN.test(name) };
}

const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);

/**
 * Why account `account` may not attach a policy to the ARN `resource` for an IAM policy (bindings) of another account,
 * read in `tx`: one above it would make `resource` that account's, one under it would be cut out of its owner's
 * reach. `self`: an IAM policy on `resource` itself counts too (a resource policy is being attached, review cl, 1; an
 * IAM policy being set replaces its own). Undefined when there is none.
 */
export async function iamPolicyClaim(tx: ReadTx, resource: string, account: string, self: boolean): Promise<string | undefined> {
  if (resource.startsWith('account/') || resource.startsWith('workspace/')) return undefined;
  for (const arn of chainArns(resource)) {
    if (arn === resource && !self) continue;
    const text = await tx.kv.get(iamPolicyKey('', arn));
    const holder = text === undefined ? undefined : storedIamPolicyAt(iamPolicyKey('', arn), text).account;
    if (holder === UNREADABLE_IAM_POLICY_OWNER) return `the stored IAM policy of ${shown(arn)} cannot be read, so no account may attach policies to ${arn === resource ? 'it' : `${shown(resource)}, under it`}: replace or remove the record \`${iamPolicyKey('', arn)}\``;
    if (holder !== undefined && holder !== account) {
      return arn === resource
        ? `resource ${shown(resource)} has an IAM policy of ${accountShownTo(holder, account)}: only that account may attach policies to it`
        : `resource ${shown(resource)} lies under ${shown(arn)}, whose IAM policy belongs to ${accountShownTo(holder, account)}: only that account may attach policies to what lies under it`;
    }
  }
  const prefix = `${iamPolicyKey('', resource)}/`;
  for (const e of await tx.kv.list(prefix)) {
    if (!e.key.startsWith(prefix)) continue;
    const below = storedIamPolicyAt(e.key, e.value);
    if (below.account === UNREADABLE_IAM_POLICY_OWNER) return `the stored IAM policy of ${shown(below.resource)}, under ${shown(resource)}, cannot be read: a policy cannot be attached to ${shown(resource)} until the record \`${e.key}\` is replaced or removed`;
    if (below.account !== account) {
      return `resource ${shown(below.resource)}, under ${shown(resource)}, has an IAM policy of ${accountShownTo(below.account, account)}: a policy cannot be attached to ${shown(resource)} while a resource under it holds another account's`;
    }
  }
  return undefined;
}
