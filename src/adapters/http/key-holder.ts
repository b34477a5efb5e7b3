/**
 * Whether a request refused before its signature was checked (for its time: outside ±15 minutes, a presigned one
 * expired or dated ahead; or for its key: an inactive key, an expired or revoked session) was signed with the secret of
 * the key it names (review tu, 1 and 2). Its refusal is then the key holder's own (a replayed request, a client whose
 * clock is off, a disabled key still in use), and the audit says so; otherwise the request was made by someone who
 * knows only the key id, which anyone may name. Checked as of the request's own time (`signedAt`: its time is what was
 * refused, not its signature), with the refused key's secret: a usable key's, an inactive long-term key's (its user
 * enabled), or an expired or revoked session's (its token opens). Nothing is let in, nor noted as a use of the key.
 */
import type { App } from '../../app/index.ts';
import { parseSigV4, type SigV4Options, type SigV4Parsed, type SigV4Request } from '../sigv4/index.ts';

/** The refusals of a key (`app.authenticate`'s codes) that a signature by its holder makes the holder's own: not an outage. */
export const KEY_REFUSALS: ReadonlySet<string> = new Set(['INVALID_CLIENT_TOKEN_ID', 'EXPIRED_TOKEN']);

/**
 * True: signed with the key's secret; false: the key's secret is known and did not sign it; undefined: not checked
 * (no time to check it as of, a key no secret is known for, or the store not answering). `requests`: the request as
 * it may have been signed (a presigned proof: GET or POST); `check`: how a signature is checked (default `verify`).
 */
export async function signedByKeyHolder(
  app: Pick<App, 'authenticate' | 'inactiveKeySecret' | 'refusedSessionSecret'>,
  requests: readonly SigV4Request[],
  signedAt: number | undefined,
  options: SigV4Options,
  check: (parsed: SigV4Parsed, secret: string) => boolean = (parsed, secret) => parsed.verify(secret).ok,
): Promise<boolean | undefined> {
  if (signedAt === undefined || requests.length === 0) return undefined;
  const parsed = requests.map((r) => parseSigV4(r, signedAt, options));
  const first = parsed[0];
  if (first === undefined || !first.ok) return undefined;
  let secret: string | undefined;
  try {
    if (first.sessionToken !== undefined && first.sessionToken !== '') secret = app.refusedSessionSecret(first.accessKeyId, first.sessionToken);
    else {
      const usable = await app.authenticate(first.accessKeyId);
      secret = usable.ok ? usable.value.secret : await app.inactiveKeySecret(first.accessKeyId);
    }
  } catch {
    // The store not answering (or the directory too stale to answer from): not known either way.
    return undefined;
  }
  if (secret === undefined) return undefined;
  const key = secret;
  return parsed.some((p) => p.ok && p.accessKeyId === first.accessKeyId && check(p, key));
}
