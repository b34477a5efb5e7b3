/**
 * What the audit record of a refused request keeps of the request (review gm, 2 and 3). A request is read before the
 * caller's permission is decided (an admin API body up to 4 MiB, a Query API one up to 1 MiB), and some are refused
 * for want of permission before their values are checked (TagUser's tags, a resource policy's document): a refusal
 * recorded the request whole, so any principal with a key and no permission put megabytes in the audit log per
 * request, kept for ever.
 */
import { hash } from 'node:crypto';
import { canonicalRedacted } from '../core/audit/index.ts';
import { ISSUED_KEY_ID } from '../core/directory/rules.ts';

/**
 * The most of a refused request its record keeps whole, in characters of its JSON: more than any request a change
 * takes whole (a resource policy is at most 20,480 characters, a managed policy 6,144, an inline one 10,240).
 */
export const MAX_REFUSED_REQUEST_CHARS = 64 << 10;

/**
 * A refused request as its record keeps it: whole up to MAX_REFUSED_REQUEST_CHARS, else the length and SHA-256 of
 * the text the record would have held (its canonical JSON, secrets redacted), and its field names.
 */
export function refusedRequest(given: unknown): unknown {
  const body = withoutUnissuedKeyIds(given);
  // As the record would hold it (canonical, secrets redacted): the digest gives away no secret of the body.
  const text = canonicalRedacted(body);
  if (text.length <= MAX_REFUSED_REQUEST_CHARS) return body;
  // Its field names (of each object it lists, for a use case's several arguments).
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const fields = [...new Set((Array.isArray(body) ? body.filter(isObject) : isObject(body) ? [body] : []).flatMap((o) => Object.keys(o)))];
  return {
    notRecorded: `the request's body (${text.length} characters of JSON) is longer than a refused request's record keeps (${MAX_REFUSED_REQUEST_CHARS})`,
    characters: text.length,
    sha256: hash('sha256', text, 'hex'),
    fields: fields.slice(0, 32).map((f) => (f.length > 128 ? `${f.slice(0, 128)}…` : f)),
  };
}


/** What a refused request's record holds in place of an `accessKeyId` not shaped as an issued key id. */
export const UNISSUED_KEY_ID = '[not a key id as issued: not recorded]';

/**
 * `body` (a use case's argument, or a list of them) with each `accessKeyId` that is not shaped as an issued key id
 * (`AKIA…`, `LTAI…`) replaced: such a value is most often the secret access key given for the id, and a refused
 * DeleteAccessKey or UpdateAccessKey kept it in the chain (review qz, 4). Only that one field of the top-level objects.
 */
function withoutUnissuedKeyIds(body: unknown): unknown {
  const one = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const id = (v as Record<string, unknown>)['accessKeyId'];
    return typeof id === 'string' && !ISSUED_KEY_ID.test(id) ? { ...v, accessKeyId: UNISSUED_KEY_ID } : v;
  };
  return Array.isArray(body) ? body.map(one) : one(body);
}
