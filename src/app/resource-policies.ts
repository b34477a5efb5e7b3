/**
 * Resource-based policies on any resource ARN (kind `ResourcePolicy`): bucket policies, policies on
 * training resources. Kept in the store's key/value table, compiled once, and held in memory by every
 * instance (reloaded when the change log moves). A policy attached to `arn:…:bucket` applies to the bucket and
 * to everything under it (`arn:…:bucket/key`), as a bucket policy does.
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { accountOf, attachmentWildcard, parsePolicy, resolvedGlobMatcher, type CompiledPolicy } from '../core/iam/index.ts';
import { ROOT_ACCOUNT } from './accounts.ts';
import { unknownPrincipal } from './principal-refs.ts';
import type { AppDeps } from './deps.ts';
import type { ReadTx, WriteTx } from './ports/store.ts';
import { compileStored, STORED_POLICY_MAX_CHARS, unreadableLog, type UnreadableNote } from './unreadable-policy.ts';
import { readChanges } from './change-log.ts';
import { accountShownTo, canonicalArn, governingArns, iamPolicyClaim, OSS_ARN_RE, resourcePartStart } from './resource-tree.ts';
import { resourcePolicyMaxChars } from './resource-policy-limits.ts';

export const RESOURCE_POLICY_PREFIX = 'respol/';
/**
 * The owner of each bucket of the S3 gateway, by bucket name: its ARN names no account, and every instance (the
 * authorize API of replicas that serve no objects included) must know whose it is.
 */
export const BUCKET_OWNER_PREFIX = 'bucket-owner/';
export { KEY_POLICY_MAX_CHARS, RESOURCE_POLICY_MAX_CHARS, resourcePolicyMaxChars } from './resource-policy-limits.ts';

export interface StoredResourcePolicy {
  readonly resource: string;
  /** The account the resource belongs to: the ARN's account, else the account that attached the policy. */
  readonly account: string;
  readonly document: string;
  readonly updated: string;
}

/**
 * The one form an OSS ARN is kept and looked up under (review U, U3): `acs:oss:*:*:<bucket>[/<object>]`, as IAM
 * policies keep it too (src/app/resource-tree.ts `canonicalArn`).
 */
export const resourcePolicyArn = canonicalArn;

/** Whether `resource` is an OSS ARN of one bucket, whose owner its region and account segments do not say. */
export const isOss = (resource: string): boolean => OSS_ARN_RE.test(resource);

export function resourcePolicyKey(resource: string): string {
  return `${RESOURCE_POLICY_PREFIX}${resourcePolicyArn(resource)}`;
}

export function bucketOwnerKey(bucket: string): string {
  return `${BUCKET_OWNER_PREFIX}${bucket}`;
}

/**
 * The owner of a bucket whose owner record cannot be read (`bucketOwnerAccount`): no account's, so that the record fails
 * closed (DESIGN.md: the union "fails closed on error"; src/app/unreadable-policy.ts). Read as unknown, a bucket went
 * to whoever attached a policy to it first, and any account's identity policy reached it through the authorize API.
 */
export const UNREADABLE_BUCKET_OWNER = 'unreadable-owner-record';

/**
 * The account of a bucket's owner record (`{"account": "<12 digits>", "created": …}`, as the S3 gateway writes it), or
 * undefined when the record is not one (a database restored or edited by hand). It was parsed unguarded: one such
 * record stopped every start with `Unexpected token … is not valid JSON`, naming no record (review ot, 1).
 */
export function bucketOwnerAccount(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const account = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { account?: unknown }).account : undefined;
  return typeof account === 'string' && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * The owner `ownerIn` found, in words: the account, or, for a bucket whose owner record cannot be read, that (no account
 * may attach a policy to it until the record is written again).
 */
export function ownerWords(owner: string): string {
  return owner === UNREADABLE_BUCKET_OWNER ? 'no account: its bucket\'s owner record cannot be read (restart the S3 gateway that holds the bucket, which writes it again, or replace the record)' : `account ${owner}`;
}

/** `ownerWords`, as told to principals of account `asker` (`accountShownTo`: another tenant's id only to the root account's). */
export function ownerWordsTo(owner: string, asker: string): string {
  return owner === UNREADABLE_BUCKET_OWNER ? ownerWords(owner) : accountShownTo(owner, asker);
}

/** The bucket of an S3 ARN (`arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`), else undefined. */
export function bucketOf(resource: string): string | undefined {
  if (!resource.startsWith('arn:aws:s3:::')) return undefined;
  const rest = resource.slice('arn:aws:s3:::'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  return bucket === '' || bucket.includes('*') || bucket.includes('?') ? undefined : bucket;
}

/**
 * The record stored under `key`, or undefined when it is not one (the store was edited by hand): such a record is
 * still a policy on its ARN, unreadable, which fails closed (`ResourcePolicies.refresh`).
 */
export function storedResourcePolicy(key: string, value: string): StoredResourcePolicy | undefined {
  try {
    const v = JSON.parse(value) as Partial<StoredResourcePolicy> | null;
    if (v !== null && typeof v === 'object' && typeof v.resource === 'string' && typeof v.account === 'string' && typeof v.document === 'string' && resourcePolicyKey(v.resource) === resourcePolicyKey(key.slice(RESOURCE_POLICY_PREFIX.length))) {
      return v as StoredResourcePolicy;
    }
  } catch {
    // Not JSON: as not a record.
  }
  return undefined;
}

/**
 * The record under `key` as it governs: the stored record, or for one that is not a record at all (edited by hand)
 * a stand-in with the text as its document, which fails closed, of the account its ARN names (none, `''`, when the
 * ARN names none).
 */
export function resourcePolicyRecord(key: string, value: string): StoredResourcePolicy {
  const resource = key.slice(RESOURCE_POLICY_PREFIX.length);
  return storedResourcePolicy(key, value) ?? { resource, account: accountOf(resource) ?? '', document: value, updated: '' };
}

/**
 * Whether `account` may read, replace or delete the record `stored`: its own; a record of no account (one that is
 * not a record, on an ARN that names no account) the resource's owner's (`owner`), or the root account's when the
 * resource has none, so that the platform's operator can remove what fails closed.
 */
export function managesResourcePolicy(stored: StoredResourcePolicy, account: string, owner: string | undefined): boolean {
  return stored.account === account || (stored.account === '' && (owner ?? ROOT_ACCOUNT) === account);
}

/** Whether a change after `after` up to `head` may touch a resource policy or a bucket's owner (both kv records; true when unsure). */
async function concernsResourcePolicies(tx: ReadTx, after: number, head: number): Promise<boolean> {
  const read = await readChanges(tx, after, head, (c) => (c.kind === 'kv' && (c.key.startsWith(RESOURCE_POLICY_PREFIX) || c.key.startsWith(BUCKET_OWNER_PREFIX)) ? 'stop' : undefined));
  return read !== 'done';
}

/** What a reload of the resource policies read in its transaction (`ResourcePolicies.read`), to compile after it. */
export interface PoliciesRead {
  readonly head: number;
  /** The head of the policies in place when they were read: a load of an older `head` is a restore's only if nothing was put in place since. */
  readonly from: number;
  readonly policies: readonly { readonly key: string; readonly value: string }[];
  readonly owners: readonly { readonly key: string; readonly value: string }[];
}

/** How long a full load compiles before it lets the event loop turn (probes, decisions, session checks wait that long at most). */
const LOAD_SLICE_MS = 10;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ResourcePolicies {
  private readonly deps: AppDeps;
  private byArn = new Map<string, { stored: StoredResourcePolicy; compiled: CompiledPolicy }>();
  /**
   * `lengths[n]`: some key of `byArn` is `n` characters long. A governing ARN (`governingArns`) is looked up only at
   * the lengths a key has, so a request on a resource that no policy governs slices and hashes nothing.
   */
  private lengths = new Uint8Array(0);
  private bucketOwners = new Map<string, string>();
  private head = -1;
  /** The next `read` reads everything (`forget`); taken by the read that begins after it, not one already running. */
  private forgotten = false;
  private generation = 0;
  private readonly unreadable: UnreadableNote;
  private readonly ownerByIamPolicy: ((resource: string) => string | undefined) | undefined;

  /**
   * `note`: where a stored policy that no longer parses is reported (`unreadableLog`). `ownerByIamPolicy`: the account
   * whose IAM policy (bindings) governs an ARN, the owner of one that neither the S3 gateway nor a resource policy gives
   * one to (`forResource`; review hs, 1).
   */
  constructor(deps: AppDeps, note: UnreadableNote = unreadableLog(undefined), ownerByIamPolicy?: (resource: string) => string | undefined) {
    this.deps = deps;
    this.unreadable = note;
    this.ownerByIamPolicy = ownerByIamPolicy;
  }

  /**
   * Reloads every resource policy when the change head moved (`read` in `tx`, then `load`). One whose document no
   * longer parses fails closed (review N, N3): it denies every request on its resource and under it
   * (src/app/unreadable-policy.ts), and is logged once. A record that is not one at all counts as such a policy of
   * whichever account owns the resource (`account` empty: it governs whatever the owner).
   */
  async refresh(head: number, tx: ReadTx): Promise<void> {
    const read = await this.read(head, tx);
    if (read !== undefined) await this.load(read);
  }

  /**
   * The records a reload up to `head` needs, read in `tx`; undefined when there is nothing to compile (the head did not
   * move, or moved over changes that concern no resource policy: that is applied at once). `load` compiles them, after
   * the transaction: a full load of thousands of policies takes seconds of CPU, which must not hold a transaction open.
   */
  async read(head: number, tx: ReadTx): Promise<PoliciesRead | undefined> {
    const whole = this.forgotten;
    this.forgotten = false;
    if (whole) return { head, from: this.head, policies: await tx.kv.list(RESOURCE_POLICY_PREFIX), owners: await tx.kv.list(BUCKET_OWNER_PREFIX) };
    if (head === this.head) return undefined;
    // Most changes concern no resource policy (a scoped session's record, a job's event, a user's key): the version
    // moves (the authorizer's caches of principals key on it) but nothing is read again or recompiled. Every
    // AssumeRole with a session policy or tags writes one; each one reloaded every resource policy on every instance.
    if (this.head >= 0 && head > this.head && !(await concernsResourcePolicies(tx, this.head, head))) {
      this.head = head;
      this.generation++;
      return undefined;
    }
    return { head, from: this.head, policies: await tx.kv.list(RESOURCE_POLICY_PREFIX), owners: await tx.kv.list(BUCKET_OWNER_PREFIX) };
  }

  /**
   * Compiles what `read` read and puts it in place whole. The compiling lets the event loop turn every `LOAD_SLICE_MS`
   * (review jv, 2: 2,500 policies blocked it for 0.5 to 1.4 s, and health probes and decisions with it); decisions
   * meanwhile read the state compiled before, never a part of the new one. A load of a head older than the one in
   * place is dropped when another load was put in place after it was read (loads overlapping, which the app's serial
   * reload does not do); one read at a head below the one then in place (a database restored from a backup, which
   * puts the head back) is put in place: dropped, a policy the restore took away went on deciding here until the head
   * passed its old value again (review qp, 1).
   */
  async load(read: PoliciesRead): Promise<void> {
    const next = new Map<string, { stored: StoredResourcePolicy; compiled: CompiledPolicy }>();
    let sliceStart = performance.now();
    for (const { key, value } of read.policies) {
      const resource = key.slice(RESOURCE_POLICY_PREFIX.length);
      const stored = resourcePolicyRecord(key, value);
      const name = `resource policy of ${resource}`;
      // Kept under the one form it is looked up by (a record written before OSS ARNs were normalised included).
      next.set(resourcePolicyArn(resource), { stored, compiled: compileStored(name, stored.document, 'resource', STORED_POLICY_MAX_CHARS, this.unreadable, `resource policy of \`${resource}\``) });
      if (performance.now() - sliceStart >= LOAD_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    if (read.head < this.head && read.from !== this.head) return;
    const owners = new Map<string, string>();
    for (const { key, value } of read.owners) {
      const bucket = key.slice(BUCKET_OWNER_PREFIX.length);
      const account = bucketOwnerAccount(value);
      if (account === undefined) this.unreadable(`owner record \`${key}\` of bucket \`${bucket}\``, value, [{ code: 'VALIDATION_ERROR', path: '', message: 'not a JSON object with a 12-digit `account`; the bucket is no account\'s' }]);
      owners.set(bucket, account ?? UNREADABLE_BUCKET_OWNER);
    }
    let longest = 0;
    for (const arn of next.keys()) if (arn.length > longest) longest = arn.length;
    const lengths = new Uint8Array(longest + 1);
    for (const arn of next.keys()) lengths[arn.length] = 1;
    this.byArn = next;
    this.lengths = lengths;
    this.bucketOwners = owners;
    this.head = read.head;
    this.generation++;
  }

  /**
   * Moves the version at once (after a write on this instance: the authorizer's caches of principals key on it, and the
   * refresh that follows the write has not run yet). The policies themselves are brought up by that refresh, from the
   * change log, as on every other instance: forgetting the head here made each write through this instance, of
   * whatever, read and compile every resource policy of every account again (review jj, 3).
   */
  invalidate(): void {
    this.generation++;
  }

  /**
   * Makes the next `read` read everything again: the directory found the change log rewritten under it (a database
   * restored from a backup, and changed since past the old head), so the changes past `head` are not all that changed
   * (review qp, 2).
   */
  forget(): void {
    this.forgotten = true;
  }

  /**
   * Moves whenever the directory may have changed: a write on this instance (`invalidate`) or a reload after
   * the change head moved. Caches of anything read from the store key on it.
   */
  get version(): number {
    return this.generation;
  }

  /**
   * The account a resource belongs to (DESIGN.md "Resource ownership"): the one its ARN names; for a bucket of the
   * S3 gateway, the account whose principal created it; else the account that attached the first policy on it or
   * on a resource above it. Undefined when none of these says.
   */
  ownerOf(resource: string): string | undefined {
    // An OSS bucket's owner is whoever attached its policy, whatever account the ARN spells; the ARN's only without one.
    const oss = isOss(resource);
    const named = oss ? undefined : accountOf(resource);
    if (named !== undefined) return named;
    const bucket = bucketOf(resource);
    const owner = bucket !== undefined ? this.bucketOwners.get(bucket) : undefined;
    if (owner !== undefined) return owner;
    for (const hit of this.governing(resourcePolicyArn(resource))) if (hit.stored.account !== '') return hit.stored.account;
    return oss ? accountOf(resource) : undefined;
  }

  /** The owner of `bucket` when it is a bucket of the S3 gateway (its owner record, which every instance loads). */
  gatewayBucketOwner(bucket: string): string | undefined {
    return this.bucketOwners.get(bucket);
  }

  /** Whether the S3 gateway holds any bucket (`gatewayBucketOwner` answers undefined for every bucket when not). */
  holdsGatewayBuckets(): boolean {
    return this.bucketOwners.size > 0;
  }

  /**
   * The compiled policies that govern a request on `resource`, and the account that owns it (if known): `owner`
   * (an S3 bucket's owner, given by the gateway), else as `ownerOf`, else the account whose IAM policy governs it (review
   * hs, 1: the bindings engine's owner). Only the owner's policies count (review N, N4):
   * another account may have attached one to the ARN or above it (an ARN naming no account goes to whoever attached
   * first, nearest first), and it must grant nothing there. An unreadable record of no known account counts whatever
   * the owner (it fails closed).
   */
  forResource(resource: string, owner?: string): { policies: CompiledPolicy[]; account: string | undefined } {
    const policies: CompiledPolicy[] = [];
    if (owner === undefined && this.bucketOwners.size > 0) {
      const bucket = bucketOf(resource);
      if (bucket !== undefined) owner = this.bucketOwners.get(bucket);
    }
    const oss = isOss(resource);
    let account: string | undefined = owner ?? (oss ? undefined : accountOf(resource));
    const hits = this.governing(oss ? resourcePolicyArn(resource) : resource);
    if (account === undefined) {
      for (const hit of hits) {
        if (hit.stored.account !== '') {
          account = hit.stored.account;
          break;
        }
      }
    }
    // Else the account whose IAM policy governs it, as the bindings engine takes it: decided as the asker's own account's,
    // another account's principal was allowed there by its own identity policy alone (review hs, 1).
    if (account === undefined && this.ownerByIamPolicy !== undefined) account = this.ownerByIamPolicy(resource);
    if (account === undefined && oss) account = accountOf(resource);
    for (const hit of hits) if (hit.stored.account === account || hit.stored.account === '') policies.push(hit.compiled);
    return { policies, account };
  }

  /** The records attached to `arn` and to each ARN above it (`governingArns`), nearest first. */
  private governing(arn: string): { stored: StoredResourcePolicy; compiled: CompiledPolicy }[] {
    const hits: { stored: StoredResourcePolicy; compiled: CompiledPolicy }[] = [];
    const lengths = this.lengths;
    if (arn.length < lengths.length && lengths[arn.length] === 1) {
      const hit = this.byArn.get(arn);
      if (hit !== undefined) hits.push(hit);
    }
    const start = resourcePartStart(arn);
    for (let i = arn.lastIndexOf('/'); i > start; i = arn.lastIndexOf('/', i - 1)) {
      if (i >= lengths.length || lengths[i] !== 1) continue;
      const hit = this.byArn.get(arn.slice(0, i));
      if (hit !== undefined) hits.push(hit);
    }
    return hits;
  }

  get(resource: string): StoredResourcePolicy | undefined {
    return this.byArn.get(resourcePolicyArn(resource))?.stored;
  }

  /** Every record, or those `account` manages (`managesResourcePolicy`). */
  list(account?: string): StoredResourcePolicy[] {
    return [...this.byArn.values()].map((v) => v.stored).filter((s) => account === undefined || managesResourcePolicy(s, account, this.ownerOf(s.resource)));
  }

  /**
   * Validates and writes a policy inside `tx`, for `input.account`, which must own the resource: read in `tx` from
   * the ARN, the bucket's owner, or the policies already attached on it and above it.
   */
  static async put(deps: AppDeps, tx: WriteTx, input: { resource: string; account: string; document: string }): Promise<Result<StoredResourcePolicy>> {
    const r = checkResourcePolicy(input.resource, input.document);
    if (!r.ok) return r;
    // A user or role it names must exist (review Z, finding 3), in an account that exists (review bx, 2): S3 answers
    // `MalformedPolicy: Invalid principal in policy`.
    const unknown = await unknownPrincipal(tx, input.document, { accountMustExist: true });
    if (unknown) return unknown;
    const owner = await ownerIn(tx, input.resource);
    if (owner !== undefined && owner !== input.account) {
      return failWith('ACCESS_DENIED', `resource ${input.resource} belongs to ${ownerWordsTo(owner, input.account)}; only that account may attach a policy to it`);
    }
    const claimed = await claimedByAnother(tx, input.resource, input.account);
    if (claimed !== undefined) return failWith('ACCESS_DENIED', claimed);
    const stored: StoredResourcePolicy = { resource: input.resource, account: input.account, document: input.document, updated: new Date(deps.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    await tx.kv.put(resourcePolicyKey(input.resource), JSON.stringify(stored));
    return ok(stored);
  }
}

/**
 * Removes, inside `tx`, the resource policies of the ARN `resource` and of every resource under it that account
 * `keep` does not own (every one without `keep`): at CreateBucket and DeleteBucket, as `removeIamPoliciesUnder`.
 */
export async function removeResourcePoliciesUnder(tx: WriteTx, resource: string, keep?: string): Promise<number> {
  const key = resourcePolicyKey(resource);
  let removed = 0;
  for (const e of await tx.kv.list(key)) {
    if (e.key !== key && !e.key.startsWith(`${key}/`)) continue;
    if (keep !== undefined && storedResourcePolicy(e.key, e.value)?.account === keep) continue;
    await tx.kv.delete(e.key);
    removed++;
  }
  return removed;
}

/**
 * Whether a resource under `resource` holds a policy of an account other than `account`, read in `tx`: then
 * `account` may not attach one to `resource` (review N, N4), or it would govern the other account's resource (an ARN
 * that names no account is the first attacher's, nearest first), or grant nothing there. The refusal's words,
 * naming the ARN below and its account, not the policy; undefined when there is none.
 */
export async function claimedBelow(tx: ReadTx, resource: string, account: string): Promise<string | undefined> {
  const prefix = `${resourcePolicyKey(resource)}/`;
  for (const e of await tx.kv.list(prefix)) {
    if (!e.key.startsWith(prefix)) continue;
    const below = storedResourcePolicy(e.key, e.value);
    if (below !== undefined && below.account === account) continue;
    const arn = e.key.slice(RESOURCE_POLICY_PREFIX.length);
    return `resource ${arn}, under ${resource}, belongs to ${below !== undefined ? ownerWordsTo(below.account, account) : 'another account'}: a policy cannot be attached to ${resource} while a resource under it holds another account's`;
  }
  return undefined;
}

/**
 * Why account `account` may not attach a resource policy to `resource`, read in `tx`, beyond whose `resource` is
 * (`ownerIn`): a resource under it holds another account's resource policy (`claimedBelow`), or another account's IAM
 * policy (bindings) sits on it, above it or under it (review cl, 1: B's resource policy under A's IAM policy made
 * A's objects there B's, and B's policy naming B's own user granted them alone). Undefined when it may.
 */
export async function claimedByAnother(tx: ReadTx, resource: string, account: string): Promise<string | undefined> {
  return (await claimedBelow(tx, resource, account)) ?? (await iamPolicyClaim(tx, resource, account, true));
}

/**
 * Why account `account` may not set an IAM policy (bindings) on `resource` for a resource policy of another account
 * on it, above it or under it, read in `tx` (review cl, 1); undefined when there is none.
 */
export async function resourcePolicyClaim(tx: ReadTx, resource: string, account: string): Promise<string | undefined> {
  const own = resourcePolicyArn(resource);
  for (const arn of governingArns(own)) {
    const key = resourcePolicyKey(arn);
    const text = await tx.kv.get(key);
    const stored = text !== undefined ? storedResourcePolicy(key, text) : undefined;
    if (stored === undefined || stored.account === '' || stored.account === account) continue;
    return arn === own
      ? `resource ${resource} has a resource policy of ${ownerWordsTo(stored.account, account)}: only that account may attach policies to it`
      : `resource ${resource} lies under ${arn}, whose resource policy belongs to ${ownerWordsTo(stored.account, account)}: only that account may attach policies to what lies under it`;
  }
  return claimedBelow(tx, resource, account);
}

/** `ResourcePolicies.ownerOf`, read in a transaction (exact, where the cached form may be a moment behind). */
export async function ownerIn(tx: ReadTx, resource: string): Promise<string | undefined> {
  const oss = isOss(resource);
  const named = oss ? undefined : accountOf(resource);
  if (named !== undefined) return named;
  const bucket = bucketOf(resource);
  const owner = bucket !== undefined ? await tx.kv.get(bucketOwnerKey(bucket)) : undefined;
  // One that cannot be read is no account's, as `refresh` takes it (review ot, 1): parsed unguarded here, it made every
  // exact read of the bucket's owner (apply's plan of a policy on it, PUT /v1/resource-policies) a 500 (review pi, 7).
  if (owner !== undefined) return bucketOwnerAccount(owner) ?? UNREADABLE_BUCKET_OWNER;
  for (const arn of governingArns(resourcePolicyArn(resource))) {
    const text = await tx.kv.get(resourcePolicyKey(arn));
    const stored = text !== undefined ? storedResourcePolicy(resourcePolicyKey(arn), text) : undefined;
    if (stored !== undefined && stored.account !== '') return stored.account;
  }
  return oss ? accountOf(resource) : undefined;
}

/**
 * The longest ARN a policy may be attached to, in bytes of UTF-8: the longest a request may name (2,048 characters,
 * src/app/authorize.ts `decide`), and short enough that its store key (`respol/<ARN>`) fits PostgreSQL's B-tree (2,704
 * bytes an entry): 1,400 CJK characters are 4,200 bytes, and such a PUT answered 500 there (review ax, 4).
 */
export const RESOURCE_ARN_MAX_BYTES = 2048;

/**
 * Why a policy cannot be attached to `resource`, else undefined: it must be an ARN a request can name and reach, since
 * a policy governs the ARN it is attached to and the ARNs under it (`governingArns`), found by the request's ARN and
 * its `/`-prefixes (review ax, 3). On `arn:aws:s3:::data/secret/` (an S3 folder as prefixes are written) it governed
 * nothing under the folder, on `arn:aws:s3:::` nothing at all, and a Deny there was silently ignored, as on a wildcard
 * ARN (`wildcardProblem`). PUT /v1/resource-policies, S3 PutBucketPolicy and apply's ResourcePolicy ask it.
 */
export function attachmentProblem(resource: string): string | undefined {
  const shown = resource.length > 100 ? `${resource.slice(0, 100)}…` : resource;
  if (!/^(arn:[a-z-]+:[a-z0-9-]+:|acs:[a-z0-9-]+:)/.test(resource)) return `resource \`${shown}\` must be an ARN (arn:partition:service:… or acs:service:…)`;
  const bytes = Buffer.byteLength(resource, 'utf8');
  if (bytes > RESOURCE_ARN_MAX_BYTES) return `resource \`${shown}\` is ${resource.length} characters, ${bytes} bytes in UTF-8; an ARN a policy is attached to is at most ${RESOURCE_ARN_MAX_BYTES} bytes (2048 ASCII characters, the longest a request may name)`;
  const control = /[\u0000-\u001f\u007f]/.exec(resource);
  if (control) return `resource \`${JSON.stringify(shown).slice(1, -1)}\` holds the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${control.index}, which no request's ARN holds`;
  // Neither store can keep a lone UTF-16 surrogate (both write U+FFFD): the policy was kept under another ARN than its
  // record's, read back as no record at all, and its Deny governed nothing (review jf, 2).
  if (!resource.isWellFormed()) return `resource \`${JSON.stringify(shown).slice(1, -1)}\` holds an unpaired UTF-16 surrogate (a \`\\ud800\`-style escape alone), which no store can keep and no request's ARN in UTF-8 holds`;
  const acs = resource.startsWith('acs:');
  const colons = resource.split(':', 6).length - 1;
  const part = resourcePartStart(resource);
  if (colons < (acs ? 4 : 5) || part >= resource.length) {
    return `resource \`${shown}\` names no resource: an ARN is ${acs ? 'acs:service:region:account:resource' : 'arn:partition:service:region:account:resource'}, such as ${acs ? '`acs:oss:*:*:mybucket`' : '`arn:aws:s3:::mybucket`'}`;
  }
  const account = resource.slice(0, part - 1).split(':')[acs ? 3 : 4] ?? '';
  if (!acs && account !== '' && !/^\d{12}$/.test(account)) return `resource \`${shown}\`: the account part \`${account}\` must be a 12-digit account id, or empty (as in S3 ARNs)`;
  const wild = wildcardProblem(resource);
  if (wild !== undefined) return wild;
  if (resource.endsWith('/')) {
    const parent = resource.replace(/\/+$/, '');
    return `resource \`${shown}\` ends in \`/\`: a resource policy governs the ARN it is attached to and the ARNs it is a \`/\`-prefix of, so one here would not govern \`${parent}/x\` (governed by \`${parent}\` and above); attach it to \`${parent}\` and select objects with its \`Resource\` element`;
  }
  return undefined;
}

export function checkResourcePolicy(resource: string, document: string): Result<void> {
  const problem = attachmentProblem(resource);
  if (problem !== undefined) return failWith('VALIDATION_ERROR', problem, 'resource');
  const parsed = parsePolicy(document, { kind: 'resource', maxChars: resourcePolicyMaxChars(resource), written: true });
  if (!parsed.ok) return parsed;
  const nothing = coversNothing(resource, document);
  if (nothing !== undefined) return failWith('POLICY_INVALID_RESOURCE', nothing.message, nothing.path);
  const operation = operationNameAction(resource, document);
  if (operation !== undefined) return failWith('POLICY_INVALID_ACTION', operation.message, operation.path);
  const bucket = bucketOf(resource);
  const outside = bucket !== undefined ? outsideBucket(bucket, document, false) : undefined;
  if (outside !== undefined) return failWith(outside.code, outside.message, outside.path);
  return ok(undefined);
}

/**
 * S3 API operations whose names are not actions (Service Authorization Reference, Amazon S3, lists none of them), with
 * the actions S3 decides them as. Written in a bucket policy (`s3:ListObjectsV2`, `s3:HeadObject`…), S3 refuses the
 * policy with MalformedPolicy "Policy has invalid action"; stored, the statement matched no request, so an Allow granted
 * nothing and a Deny protected nothing (review ha, 1). Only names certain not to be actions are here; another unknown
 * name is taken as it is. Every door refuses them on an S3 resource: PutBucketPolicy, `PUT /v1/resource-policies` and
 * apply (review ha, 3).
 */
const OPERATION_NAMES: ReadonlyMap<string, readonly string[]> = new Map(
  (
    [
      ['ListObjects', ['ListBucket']],
      ['ListObjectsV2', ['ListBucket']],
      ['HeadObject', ['GetObject']],
      ['CopyObject', ['GetObject', 'PutObject']],
      ['UploadPart', ['PutObject']],
      ['UploadPartCopy', ['GetObject', 'PutObject']],
      ['CreateMultipartUpload', ['PutObject']],
      ['CompleteMultipartUpload', ['PutObject']],
      ['DeleteObjects', ['DeleteObject']],
      ['ListParts', ['ListMultipartUploadParts']],
      ['ListMultipartUploads', ['ListBucketMultipartUploads']],
      ['ListBuckets', ['ListAllMyBuckets']],
      ['ListObjectVersions', ['ListBucketVersions']],
      ['GetBucketEncryption', ['GetEncryptionConfiguration']],
      ['PutBucketEncryption', ['PutEncryptionConfiguration']],
      ['GetBucketLifecycleConfiguration', ['GetLifecycleConfiguration']],
      ['PutBucketLifecycleConfiguration', ['PutLifecycleConfiguration']],
    ] as const
  ).map(([name, actions]) => [name.toLowerCase(), actions]),
);

/** Why `action` (at `path`, e.g. `Statement[0].Action`) is an S3 API operation's name rather than an action, if it is. */
export function operationNameProblem(action: string, path: string): string | undefined {
  const instead = /^s3:/i.test(action) ? OPERATION_NAMES.get(action.slice(3).toLowerCase()) : undefined;
  if (instead === undefined) return undefined;
  return `Policy has invalid action: \`${action}\` (${path}) names an S3 API operation, not an action; that operation is decided as ${instead.map((x) => `\`s3:${x}\``).join(' and ')}`;
}

/** The first `Action` or `NotAction` of a policy on an S3 resource that names an S3 API operation (`operationNameProblem`). */
export function operationNameAction(resource: string, document: string): { message: string; path: string } | undefined {
  if (bucketOf(resource) === undefined) return undefined;
  for (const { statement, at } of statementsOf(document)) {
    for (const field of ['Action', 'NotAction'] as const) {
      const path = `${at}.${field}`;
      for (const a of stringsOf(statement[field])) {
        const message = operationNameProblem(a, path);
        if (message !== undefined) return { message, path };
      }
    }
  }
  return undefined;
}

/**
 * The statements of a policy document as written, each with its JSON path (`Statement[2]`, or `Statement` when it is
 * one object); none when the document is not JSON (the parser's own checks say why). Read by the checks below, which
 * run before or beside the parser.
 */
function statementsOf(document: string): { statement: Record<string, unknown>; at: string }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return [];
  }
  const statements = (parsed as { Statement?: unknown } | null)?.Statement;
  const list: unknown[] = Array.isArray(statements) ? statements : [statements];
  const out: { statement: Record<string, unknown>; at: string }[] = [];
  for (const [i, st] of list.entries()) {
    if (st !== null && typeof st === 'object') out.push({ statement: st as Record<string, unknown>, at: Array.isArray(statements) ? `Statement[${i}]` : 'Statement' });
  }
  return out;
}

/** A field written as one string or a list: its strings. */
const stringsOf = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * A statement whose every `Resource` names neither `resource` nor anything under it, which the policy attached there
 * can never apply (it is found by the ARNs a request names and their `/`-prefixes, `governingArns`): a Deny written
 * with a mistyped bucket or prefix looked in force and protected nothing. S3's PutBucketPolicy refuses such a policy
 * (`MalformedPolicy: Policy has invalid resource`); so does every door here. Judged on each pattern's literal head
 * (up to its first wildcard or policy variable), so a pattern that may match is never refused. `NotResource` covers
 * nearly everything and is not judged. An OSS bucket's policy governs every spelling of its region and account
 * (`resourcePolicyArn`), and a Deny's OSS `Resource` is read with any (src/core/iam/compile.ts): there the pattern's
 * resource part (bucket and object) is judged against the bucket's, whatever either writes for region and account.
 */
export function coversNothing(resource: string, document: string): { message: string; path: string } | undefined {
  for (const { statement, at } of statementsOf(document)) {
    const patterns = stringsOf(statement['Resource']);
    if (patterns.length === 0) continue;
    const mayMatch = patterns.some((p) => mayCover(resource, p));
    if (mayMatch) continue;
    const path = `${at}.Resource`;
    return { path, message: `Policy has invalid resource: no \`Resource\` of ${path} (${patterns.map((p) => `\`${p}\``).join(', ')}) is \`${resource}\` or under it, and a policy attached to \`${resource}\` governs only it and what is under it: name it (or \`${resource}/…\`), or attach the policy where the statement points` };
  }
  return undefined;
}

/** Whether `pattern` may match `resource` or an ARN under it (`coversNothing`). */
function mayCover(resource: string, pattern: string): boolean {
  const bucket = OSS_ARN_RE.exec(resource)?.[1];
  const oss = bucket !== undefined ? OSS_PATTERN_HEAD_RE.exec(pattern) : null;
  // Only a pattern whose region and account hold no policy variable (`${…}` may hold a colon) is cut there.
  if (bucket !== undefined && oss && !oss[0].includes('${')) return headCovers(bucket, pattern.slice(oss[0].length));
  return headCovers(resource, pattern);
}
const OSS_PATTERN_HEAD_RE = /^acs:oss:[^:]*:[^:]*:/;

/** Whether `pattern` may match `target` or what is under it (`target/…`), judged on its head up to the first wildcard or variable. */
function headCovers(target: string, pattern: string): boolean {
  const under = `${target}/`;
  const cut = pattern.search(/[*?]|\$\{/);
  if (cut === -1) return pattern === target || pattern.startsWith(under);
  const head = pattern.slice(0, cut);
  return under.startsWith(head) || head.startsWith(under);
}

/**
 * Why a policy cannot be attached to `resource` because of a wildcard, else undefined. A policy governs the ARN it is
 * attached to and everything under it, looked up by the request's ARN and its `/`-prefixes (`governingArns`), never
 * matched as a pattern: one attached to `arn:aws:s3:::data/*` governed nothing, and a Deny there was silently ignored
 * (policy review C6). Only an OSS ARN's region and account may be `*` (`resourcePolicyArn` reads them as any).
 */
export function wildcardProblem(resource: string): string | undefined {
  const w = attachmentWildcard(resource);
  if (w === undefined) return undefined;
  if (w.at === 'head') return `resource \`${resource}\` has a wildcard before its resource part: a resource policy is attached to one ARN and is found by the ARN a request names, so write its region and account out (only an OSS ARN may give \`*\` for them)`;
  return `resource \`${resource}\` has a wildcard: a resource policy is attached to one ARN and governs it and everything under it (attach it to the bucket or prefix, such as \`${resource.slice(0, w.part)}${resource.slice(w.part).split(/[*?]/)[0]?.replace(/\/+$/, '') ?? ''}\`, and select objects with its \`Resource\` element)`;
}

/**
 * Glob match of `*` and `?` over a whole string (a bucket name has no `/`), by the IAM engine's matcher: a regular
 * expression of one `.*` per `*` backtracked through every way of splitting the name among them, and a `Resource` of
 * two dozen `*` and a letter held the server's thread for good (review vo, 3).
 */
function globMatches(pattern: string, text: string): boolean {
  return resolvedGlobMatcher(pattern)(text);
}

/**
 * S3 actions by the kind of resource they are decided on (Service Authorization Reference, Amazon S3: "object" or
 * "bucket"), for PutBucketPolicy's "Action does not apply to any resource(s) in statement". Only actions named here are
 * judged; any other (and any wildcard) is taken as it is.
 */
const OBJECT_ACTIONS = new Set(
  [
    'GetObject', 'PutObject', 'DeleteObject', 'GetObjectTagging', 'PutObjectTagging', 'DeleteObjectTagging', 'GetObjectAcl', 'PutObjectAcl',
    'GetObjectVersion', 'DeleteObjectVersion', 'GetObjectVersionTagging', 'PutObjectVersionTagging', 'DeleteObjectVersionTagging',
    'GetObjectVersionAcl', 'PutObjectVersionAcl', 'AbortMultipartUpload', 'ListMultipartUploadParts', 'RestoreObject', 'GetObjectAttributes',
    'GetObjectVersionAttributes', 'GetObjectRetention', 'PutObjectRetention', 'GetObjectLegalHold', 'PutObjectLegalHold',
  ].map((a) => a.toLowerCase()),
);
const BUCKET_ACTIONS = new Set(
  [
    'ListBucket', 'ListBucketVersions', 'ListBucketMultipartUploads', 'CreateBucket', 'DeleteBucket', 'GetBucketLocation', 'GetBucketPolicy',
    'PutBucketPolicy', 'DeleteBucketPolicy', 'GetBucketPolicyStatus', 'GetBucketAcl', 'PutBucketAcl', 'GetBucketVersioning', 'PutBucketVersioning',
    'GetBucketTagging', 'PutBucketTagging', 'GetBucketCORS', 'PutBucketCORS', 'GetLifecycleConfiguration', 'PutLifecycleConfiguration',
    'GetEncryptionConfiguration', 'PutEncryptionConfiguration', 'GetBucketPublicAccessBlock', 'PutBucketPublicAccessBlock',
    'GetBucketOwnershipControls', 'PutBucketOwnershipControls', 'GetBucketLogging', 'PutBucketLogging', 'GetBucketNotification',
    'PutBucketNotification', 'GetBucketWebsite', 'PutBucketWebsite', 'DeleteBucketWebsite', 'GetBucketObjectLockConfiguration',
    'PutBucketObjectLockConfiguration', 'GetReplicationConfiguration', 'PutReplicationConfiguration',
  ].map((a) => a.toLowerCase()),
);

/**
 * Which kinds of resource of `bucket` a bucket policy's `Resource` can match: the bucket's ARN (no `/`), its objects'
 * (`bucket/…`), or both (`*`; a `*` in the bucket segment, which also matches `/…`; a policy variable).
 */
function resourceKinds(r: string): { bucket: boolean; object: boolean } {
  if (r === '*' || r.includes('${')) return { bucket: true, object: true };
  const rest = r.startsWith('arn:aws:s3:::') ? r.slice('arn:aws:s3:::'.length) : undefined;
  if (rest === undefined) return { bucket: false, object: false };
  if (rest.includes('/')) return { bucket: false, object: true };
  return { bucket: true, object: rest.includes('*') };
}

/**
 * What S3's PutBucketPolicy refuses that the policy grammar allows (MalformedPolicy "Policy has invalid resource" /
 * "Policy has invalid action"): a `Resource` or `NotResource` outside the bucket (another bucket's ARN, a non-S3 ARN),
 * and an `Action` or `NotAction` of another service. A bucket policy governs its own bucket only (`governingArns`),
 * so such a statement would be stored and never apply: a Deny written with a mistyped bucket name looked in force and
 * protected nothing. `*`, a bucket segment whose wildcard covers the bucket, and a policy variable in it are
 * accepted. Undefined when the policy passes, or is not JSON (the parser then says why). Every door asks it of a policy
 * on an S3 resource: PutBucketPolicy, `PUT /v1/resource-policies` and apply (review nc, 2: the last two stored such a
 * statement, and a Deny so written denied nothing). `resources` false: the `Resource`s are left to `coversNothing`, which
 * those two doors ask first and which takes a list holding one pattern that may match (policy review S30).
 */
export function outsideBucket(bucket: string, document: string, resources = true): { message: string; path: string; code: 'POLICY_INVALID_ACTION' | 'POLICY_INVALID_RESOURCE' } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const statements = (parsed as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  for (const [i, st] of list.entries()) {
    if (st === null || typeof st !== 'object') continue;
    const where = Array.isArray(statements) ? `Statement[${i}]` : 'Statement';
    for (const field of ['Action', 'NotAction'] as const) {
      for (const a of strings((st as Record<string, unknown>)[field])) {
        // Not `service:Action` at all: the policy grammar refuses it, naming its line (checked after this).
        const operation = operationNameProblem(a, `${where}.${field}`);
        if (operation !== undefined) return { message: operation, path: `${where}.${field}`, code: 'POLICY_INVALID_ACTION' };
        if (a === '*' || /^s3:/i.test(a) || !/^[^:\s]+:[^:\s]*$/.test(a)) continue;
        return { message: `Policy has invalid action: \`${a}\` (${where}.${field}) is not an S3 action; a bucket policy takes \`s3:\` actions only`, path: `${where}.${field}`, code: 'POLICY_INVALID_ACTION' };
      }
    }
    for (const field of resources ? (['Resource', 'NotResource'] as const) : []) {
      for (const r of strings((st as Record<string, unknown>)[field])) {
        // Not an ARN at all: the policy grammar refuses it, naming its line.
        if (r === '*' || !/^(arn|acs):/.test(r)) continue;
        const part = r.startsWith('arn:aws:s3:::') ? r.slice('arn:aws:s3:::'.length).split('/')[0] ?? '' : undefined;
        if (part !== undefined && (part.includes('${') || globMatches(part, bucket))) continue;
        return { message: `Policy has invalid resource: \`${r}\` (${where}.${field}) is not bucket \`${bucket}\` or an object in it; a bucket policy governs its own bucket only (write \`arn:aws:s3:::${bucket}\` or \`arn:aws:s3:::${bucket}/…\`)`, path: `${where}.${field}`, code: 'POLICY_INVALID_RESOURCE' };
      }
    }
    // "Action does not apply to any resource(s) in statement" (review fz, 2): an object action whose every Resource is
    // the bucket (`s3:GetObject` on `arn:aws:s3:::bucket`), or a bucket action whose every Resource is objects
    // (`s3:ListBucket` on `bucket/*`), matches no request; stored, a Deny so written looked in force and denied nothing.
    const fields = st as Record<string, unknown>;
    if (fields['NotResource'] === undefined && fields['NotAction'] === undefined && fields['Resource'] !== undefined) {
      const resources = strings(fields['Resource']);
      const judged = resources.length > 0 && resources.every((r) => r === '*' || r.startsWith('arn:aws:s3:::') || r.includes('${'));
      const kinds = resources.map(resourceKinds);
      for (const a of judged ? strings(fields['Action']) : []) {
        const name = /^s3:/i.test(a) ? a.slice(3).toLowerCase() : undefined;
        if (name === undefined) continue;
        const kind = OBJECT_ACTIONS.has(name) ? 'object' : BUCKET_ACTIONS.has(name) ? 'bucket' : undefined;
        if (kind === undefined || kinds.some((k) => k[kind])) continue;
        const want = kind === 'object' ? `\`arn:aws:s3:::${bucket}/*\` (its objects)` : `\`arn:aws:s3:::${bucket}\` (the bucket itself)`;
        return { message: `Action does not apply to any resource(s) in statement: \`${a}\` (${where}.Action) is decided on ${kind === 'object' ? 'objects' : 'the bucket'}, and no Resource of the statement names ${kind === 'object' ? 'an object' : 'the bucket'}; write ${want}`, path: `${where}.Action`, code: 'POLICY_INVALID_ACTION' };
      }
    }
  }
  return undefined;
}
