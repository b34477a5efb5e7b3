/**
 * Whether a request refused before its signature was checked (for its time: outside ±15 minutes, a presigned one
 * expired or dated ahead; or for its key: an inactive key, an expired or revoked session) was signed with the secret of
 * the key it names (review tu, 1 and 2). Its refusal is then the key holder's own (a replayed request, a client whose
 * clock is off, a disabled key still in use), and the audit says so; otherwise the request was made by someone who
 * knows only the key id, which anyone may name. Checked as of the request's own time (`signedAt`: its time is what was
 * refused, not its signature), with the secret of the key as held in memory (`app.refusedKeySecret`: a long-term key,
 * active or not, or a session whose token opens, expired or revoked too; no store read, so a flood of refused requests
 * naming unknown keys costs what it did). Nothing is let in, nor noted as a use of the key.
 */
import type { App } from '../../app/index.ts';
import { parseSigV4, type SigV4Options, type SigV4Parsed, type SigV4Request } from '../sigv4/index.ts';
import { SIGNATURE_MISMATCH_MESSAGE } from '../sigv4/errors.ts';

/** The refusals of a key (`app.authenticate`'s codes) that a signature by its holder makes the holder's own: not an outage's. */
export const KEY_REFUSALS: ReadonlySet<string> = new Set(['INVALID_CLIENT_TOKEN_ID', 'EXPIRED_TOKEN']);

/**
 * True: signed with the key's secret; false: the key's secret is known and did not sign it; undefined: not checked
 * (no time to check it as of, or a key no secret is held for). `requests`: the request as
 * it may have been signed (a presigned proof: GET or POST); `check`: how a signature is checked (default `verify`).
 */
export function signedByKeyHolder(
  app: Pick<App, 'refusedKeySecret'>,
  requests: readonly SigV4Request[],
  signedAt: number | undefined,
  options: SigV4Options,
  check: (parsed: SigV4Parsed, secret: string) => boolean = (parsed, secret) => parsed.verify(secret).ok,
): boolean | undefined {
  if (signedAt === undefined || requests.length === 0) return undefined;
  const parsed = requests.map((r) => parseSigV4(r, signedAt, options));
  const first = parsed[0];
  if (first === undefined || !first.ok) return undefined;
  const secret = app.refusedKeySecret(first.accessKeyId, first.sessionToken);
  if (secret === undefined) return undefined;
  return parsed.some((p) => p.ok && p.accessKeyId === first.accessKeyId && check(p, secret));
}

/**
 * What the record of a request whose signature was checked with its active key's secret and did not match says
 * (SignatureDoesNotMatch): false, its key's secret did not sign it (review vi, 2; it said nothing, where every other
 * refusal checked says). Undefined for a signature that matched over a body that does not (`x-amz-content-sha256`).
 */
export const mismatchSigned = (v: { readonly message: string }): false | undefined => (v.message === SIGNATURE_MISMATCH_MESSAGE ? false : undefined);
