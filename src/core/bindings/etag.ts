/**
 * Etags for optimistic concurrency (google/iam/v1/policy.proto `etag`): a reader gets the policy with its etag;
 * a writer sends the etag it read; the write is refused if the policy changed in between — it is never merged,
 * the writer reads again and reapplies its change. A write without an etag overwrites (as `setIamPolicy`
 * does), unless the caller requires one.
 *
 * The etag is a hash of where the policy is and which write made it — the resource it is attached to and its
 * revision, which every write of that resource's policy moves on — and of the policy's canonical form. So two
 * resources with the same bindings have different etags, and a policy changed from A to B and back to A has a
 * new etag: an etag read at the first A is stale (no ABA). Reading again without a write in between gives the
 * same etag, and how the policy was spelled does not count (member order and duplicates, binding order, the
 * `version`/`etag` fields). The hash is 64-bit FNV-1a (pure, no `node:crypto` in the core), shown as base64 like
 * GCP's etags (`BwXhqDFw0f0=`). It detects change, it does not resist forgery: an etag is not a secret or a
 * signature.
 */
import type { Result } from '../errors.ts';
import type { IamBinding, IamPolicy } from './types.ts';

interface CanonicalBinding {
  readonly role: string;
  readonly members: readonly string[];
  readonly condition?: { readonly expression: string; readonly title?: string; readonly description?: string };
}

/** The canonical form: bindings with sorted, de-duplicated members, sorted; no version, no etag. */
export function canonicalPolicy(policy: IamPolicy): { readonly bindings: readonly CanonicalBinding[] } {
  const bindings = policy.bindings.map(canonicalBinding);
  const keyed = bindings.map((b) => [JSON.stringify(b), b] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { bindings: keyed.map(([, b]) => b) };
}

function canonicalBinding(b: IamBinding): CanonicalBinding {
  // Fixed key order: JSON.stringify of these objects is the canonical text.
  const members = [...new Set(b.members)].sort();
  if (b.condition === undefined) return { role: b.role, members };
  const c = b.condition;
  return {
    role: b.role,
    members,
    condition: { expression: c.expression, ...(c.title !== undefined ? { title: c.title } : {}), ...(c.description !== undefined ? { description: c.description } : {}) },
  };
}

/** 64-bit FNV-1a over bytes, in four 16-bit limbs (exact in doubles), as 8 big-endian bytes. */
export function fnv1a64(bytes: Uint8Array): Uint8Array {
  // offset basis 0xcbf29ce484222325; prime 0x100000001b3 = 2^40 + 0x1b3
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i] as number;
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + h0 * 0x100;
    let t3 = h3 * 0x1b3 + h1 * 0x100;
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    t3 += t2 >>> 16;
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return Uint8Array.of(h3 >>> 8, h3 & 0xff, h2 >>> 8, h2 & 0xff, h1 >>> 8, h1 & 0xff, h0 >>> 8, h0 & 0xff);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[(n >>> 18) & 63] as string;
    out += B64[(n >>> 12) & 63] as string;
    out += b === undefined ? '=' : (B64[(n >>> 6) & 63] as string);
    out += c === undefined ? '=' : (B64[n & 63] as string);
  }
  return out;
}

const encoder = new TextEncoder();

/** What an etag depends on besides the bindings. */
export interface EtagScope {
  /** The resource the policy is attached to, always spelled the same way (the app passes its store key). */
  readonly resource: string;
  /**
   * How many writes the policy of `resource` has had: moved on by every write, never reused (not even after the
   * policy was removed), so that no later state of the policy has an etag an earlier one had.
   */
  readonly revision: number;
}

/** The etag of a policy: stable across processes and versions of Gatehouse (golden values in etag.test.ts). */
export function computeEtag(policy: IamPolicy, at: EtagScope): string {
  // Fixed key order: this JSON text is what is hashed.
  return base64(fnv1a64(encoder.encode(JSON.stringify({ resource: at.resource, revision: at.revision, bindings: canonicalPolicy(policy).bindings }))));
}

/**
 * The policy as a reader gets it: its etag, and the version its bindings need, as GCP answers it — 3 when a binding is
 * conditional, else 1, whatever version it was written with ("if you specify version 3, but the policy has no
 * conditional role bindings, the response uses version 1", google/iam/v1 `GetPolicyOptions`).
 */
export function withEtag(policy: IamPolicy, at: EtagScope): IamPolicy & { readonly etag: string; readonly version: number } {
  const conditional = policy.bindings.some((b) => b.condition !== undefined);
  return { version: conditional ? 3 : 1, bindings: policy.bindings, etag: computeEtag(policy, at) };
}

/** The bytes a base64 text encodes (standard or URL-safe alphabet, padded or not); undefined when it is not base64. */
function base64Bytes(text: string): number[] | undefined {
  const body = text.replace(/=+$/, '');
  if (body.length % 4 === 1 || text.length - body.length > 2) return undefined;
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    const v = c === '-' ? 62 : c === '_' ? 63 : B64.indexOf(c);
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >>> bits) & 0xff);
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}

/**
 * Whether two etags are the same: the same bytes, whichever base64 spelling each is in. `Policy.etag` is `bytes`, which
 * proto3's JSON reads "in either standard or URL-safe base64 encoding with/without paddings": a client writing back the
 * etag it read, as bytes, may send `mtcf0F7uPfk` for `mtcf0F7uPfk=` (review hs, 3). Text that is not base64 compares as
 * text.
 */
export function sameEtag(a: string, b: string): boolean {
  if (a === b) return true;
  const x = base64Bytes(a);
  const y = base64Bytes(b);
  return x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => v === y[i]);
}

export interface EtagCheckOptions {
  /** Refuse a write without an etag (default false: such a write overwrites, as `setIamPolicy` does). */
  readonly required?: boolean;
}

/**
 * Whether a write that read the policy with etag `given` may replace the policy stored now, whose etag is
 * `current` (`computeEtag` of it, or of `{bindings: []}` at its revision when there is none). Answers the current
 * etag on success. An empty `given` is no etag.
 */
export function checkEtag(current: string, given: string | undefined, options: EtagCheckOptions = {}): Result<string> {
  // `""` is proto3's default for `bytes etag`: GCP reads it as no etag.
  if (given === undefined || given === '') {
    if (options.required === true) return { ok: false, errors: [{ code: 'BINDINGS_MISSING_FIELD', message: `an \`etag\` is required: read the policy first (its etag is returned with it) and send it with the write`, path: 'etag' }] };
    return { ok: true, value: current };
  }
  if (!sameEtag(given, current)) {
    const shown = given.length > 40 ? `${given.slice(0, 40)}…` : given;
    return { ok: false, errors: [{ code: 'ETAG_MISMATCH', message: `etag \`${shown}\` is stale: the policy changed since it was read (its etag is now \`${current}\`); read it again, reapply your change and retry`, path: 'etag' }] };
  }
  return { ok: true, value: current };
}

/**
 * Whether a write that names `version` 0 or 1 may replace the policy stored now (`current`). GCP's `Policy.version`
 * (google/iam/v1/policy.proto; policy-semantics.md §A.4): any operation that affects conditional role bindings must
 * specify version 3 — "removing any role binding, with or without a condition, from a policy that includes
 * conditions" among them — and only a write without an etag may overwrite a version 3 policy with a version 1 one.
 * So a write that carries an etag and says version 0 or 1 (a read-modify-write by a client that does not see
 * conditions) is refused when the stored policy has a conditional binding: it would drop them silently. A write
 * without a version is read as the latest, as everywhere in Gatehouse. `path` prefixes the error's path (`spec`).
 */
export function checkVersion(current: readonly IamBinding[], policy: IamPolicy, path = ''): Result<void> {
  const given = policy.etag !== undefined && policy.etag !== '' ? policy.version : undefined;
  if (given === undefined || given === 3 || !current.some((b) => b.condition !== undefined)) return { ok: true, value: undefined };
  return {
    ok: false,
    errors: [{
      code: 'BINDINGS_INVALID_VERSION',
      message: `the policy has a conditional binding, so a write of it must be version 3, not ${given}: a version ${given} writer does not see conditions and would drop them; read it again as version 3 (\`gatehouse iam-policy get … --json\`) and write it back with \`version: 3\``,
      path: path === '' ? 'version' : `${path}.version`,
    }],
  };
}
