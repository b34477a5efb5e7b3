/**
 * The S3-compatible HTTP edge on `--s3-listen`: the path-style S3 REST API (`/bucket/key`), SigV4 (header and
 * presigned forms, every `x-amz-content-sha256` form including `aws-chunked` with chained chunk signatures and
 * trailing checksums), S3's XML answers and errors. Every operation goes through the use cases of `app/s3.ts`,
 * which decide it with the engine before the object store is touched.
 *
 * Built on `node:http` directly, as the other edges: bodies stream from the socket through the checks into the
 * store, and objects stream from the store to the socket (memory independent of object size). A body that can
 * send itself (objects-fs's `sendTo`) is written straight to the response from the store's reused blocks, each
 * taken back once the socket has flushed it; any other Readable is piped.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { TLSSocket } from 'node:tls';
import type { App, Caller } from '../../app/index.ts';
import { keyUsedBy } from '../../app/principals.ts';
import { MAX_KEY_BYTES, rangeOf, resolveRequestedRange, type S3, type S3Call, type S3Failure, type S3Result, type StoreDigests } from '../../app/s3.ts';
import {
  DEFAULT_CONTENT_TYPE,
  isStorageClass,
  MAX_REDIRECT_LOCATION,
  OBJECT_HEADER_NAMES,
  STORAGE_CLASSES,
  type ChecksumAlgorithm,
  type ChecksumType,
  type CompleteChecks,
  type CopyConditions,
  type ObjectChecksum,
  type ObjectHeaderName,
  type ObjectHeaders,
  type ObjectInfo,
  type SourceConditions,
  type StorageClass,
  type UploadChecksum,
  type UploadInitiator,
  type WriteConditions,
} from '../../app/ports/objects.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable } from '../../app/ports/store.ts';
import { checkSignatureOnly, chunkSignatures, nodeRequestHeaders, parseSigV4, providedSignature, type SigV4Parsed } from '../sigv4/index.ts';
import { isSigV2, parseSigV2 } from './sigv2.ts';
import { CHECKSUM_HEADERS, CHECKSUM_NAMES, badChecksumMessage, checksumOf, decodeBody, MIN_CHUNK_SIZE, isChecksumValue, isMd5Value, md5Mismatch, readWhole, sha256Mismatch, type BodyOptions } from './body.ts';
import { BodyRejected, S3_STATUS, s3Error, type S3Error } from './errors.ts';
import { S3_NAMESPACE, errorDocument, escapeText, parseAcl, parseComplete, parseCreateBucket, parseDelete, parseTagPairs, xmlDocument, type XmlNode } from './xml.ts';
import { tagRecord, tagSetProblem } from './tags.ts';
import { answeredRaw, CLOSED_CONNECTION, drainable, listenOn, timedStatus } from '../http/lifecycle.ts';
import { signedByKeyHolder } from '../http/key-holder.ts';
import { queryError } from '../http/xml.ts';
import { claimedCredential, recordAuthFailure } from '../../app/auth-failures.ts';
import { answeredWith, behindProxies, requestFactsOf, sourceIpOf, type TrustedProxies } from '../http/request-facts.ts';
import { refusedForHost, toOriginForm } from '../http/request-target.ts';
import { waitsItsTurn } from '../http/in-turn.ts';

export interface S3EdgeOptions {
  readonly app: App;
  readonly s3: S3;
  readonly log?: (line: string) => void;
  /** The region GetBucketLocation answers (the gateway accepts a signature for any region); default us-east-1. */
  readonly region?: string;
  /** Serve HTTPS with this certificate and key (PEM), as `--listen` does with `--tls-cert`/`--tls-key`. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Request latencies, under the label `api="s3"` (served at `GET /metrics` on `--listen`). */
  readonly metrics?: { observeRequest(api: string, status: number, seconds: number): void; storeUnavailable?(): void };
  /**
   * The URL of the API (`--listen`: IAM, STS, the admin API), named to a client that sent one of its requests here
   * (`queryApiCall`); asked at each such request, as it is known only once bound. Default: the option and its default.
   */
  readonly apiAddress?: () => string;
  /**
   * The most connections the gateway holds at once (`--max-connections`, as on `--listen`); a connection past it is
   * closed unanswered. Default `S3_MAX_CONNECTIONS`.
   */
  readonly maxConnections?: number;
  /**
   * How long an idle keep-alive connection stays open between requests (GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS, as on
   * `--listen`); default `S3_KEEP_ALIVE_MS`. Behind a load balancer it must pass the balancer's own idle timeout (an ALB's
   * 60 s), or the balancer reuses a connection the gateway is closing and answers 502 (review lz, 1).
   */
  readonly keepAliveTimeoutMs?: number;
  /** The load balancers in front of the gateway (GATEHOUSE_TRUSTED_PROXIES), as `--listen`'s (HttpEdgeOptions). */
  readonly trustedProxies?: TrustedProxies;
}

/** Without a cap, unauthenticated clients holding half-sent requests took every file descriptor of the process (review limits, L5). */
export const S3_MAX_CONNECTIONS = 1024;
/** An idle keep-alive connection between requests is closed after this long: S3 closes them after 20 s. */
export const S3_KEEP_ALIVE_MS = 20_000;

export interface S3Edge {
  readonly server: Server;
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  close(graceMs?: number): Promise<void>;
}

/** XML request bodies (DeleteObjects of 1,000 keys, CompleteMultipartUpload of 10,000 parts) fit in 2 MiB. */
const MAX_XML_BODY = 2 << 20;
/**
 * CreateBucket's configuration and a Tagging of 10 tags are under 4 KB: their bodies are parsed before the caller is
 * checked, so they are read up to 64 KiB, not the 2 MiB (about 1.1 s of parsing) the lists above need (review limits, L10).
 */
const MAX_SMALL_XML_BODY = 64 << 10;
const MAX_POLICY_BODY = 20 * 1024;

/**
 * The sub-resources the gateway serves, and for which methods, on a bucket and on an object. A request naming any
 * other query parameter that is not plain (`PLAIN_PARAMS`), or one of these elsewhere, is answered NotImplemented:
 * S3 keeps adding sub-resources, and one taken for the plain operation runs another (`DELETE /b?metadataTable` was a
 * DeleteBucket, `PUT /b/k?renameObject` an empty PutObject).
 */
const SUBRESOURCES: ReadonlyMap<string, { readonly bucket?: readonly string[]; readonly object?: readonly string[] }> = new Map([
  ['acl', { bucket: ['GET', 'PUT'], object: ['GET', 'PUT'] }],
  ['versioning', { bucket: ['GET'] }],
  ['location', { bucket: ['GET'] }],
  ['policy', { bucket: ['GET', 'PUT', 'DELETE'] }],
  ['uploads', { bucket: ['GET'], object: ['POST'] }],
  ['delete', { bucket: ['POST'] }],
  ['uploadId', { object: ['GET', 'PUT', 'POST', 'DELETE'] }],
  ['tagging', { object: ['GET', 'PUT', 'DELETE'] }],
  ['attributes', { object: ['GET'] }],
]);

/** The names `x-amz-object-attributes` takes (API_GetObjectAttributes). */
const OBJECT_ATTRIBUTES: ReadonlySet<string> = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

/** ListBuckets' own parameters (API_ListBuckets), besides `prefix` and `continuation-token`, which are plain. */
const LIST_BUCKETS_PARAMS = new Set(['max-buckets', 'bucket-region']);

/** The most buckets a ListBuckets page holds (`max-buckets`, and S3's page when it is not sent). */
const MAX_BUCKETS_PAGE = 10_000;

/** The first query parameter of the request that the gateway does not serve for this method on this resource. */
function unservedParam(method: string, level: 'service' | 'bucket' | 'object', query: Query, asHeaders: ReadonlySet<string>): string | undefined {
  for (const name of query.map.keys()) {
    if (PLAIN_PARAMS.test(name) || HOISTED_PARAMS.test(name.toLowerCase()) || asHeaders.has(name)) continue;
    if (level === 'service' && method === 'GET' && LIST_BUCKETS_PARAMS.has(name)) continue;
    const served = level === 'service' ? undefined : SUBRESOURCES.get(name)?.[level];
    if (served === undefined || !served.includes(method)) return name;
  }
  return undefined;
}

/** The `x-amz-checksum-<algorithm>` headers S3 knows: a body carries one at most. */
const CHECKSUM_VALUE_HEADERS = Object.keys(CHECKSUM_HEADERS);

/** `x-amz-checksum-*` headers that carry no checksum value: the algorithm and type of an upload, GetObject's mode. */
const NOT_CHECKSUM_VALUES: ReadonlySet<string> = new Set(['x-amz-checksum-algorithm', 'x-amz-checksum-type', 'x-amz-checksum-mode']);

/** S3's answer to an `x-amz-content-sha256` that is neither a payload keyword nor a SHA-256 (InvalidArgument). */
const PAYLOAD_HASH_MESSAGE =
  'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.';

const STREAMING = new Set(['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER']);

class Query {
  readonly map = new Map<string, string>();
  /**
   * The first parameter whose name or value is not percent-encoded UTF-8 (`uploadId=%FF`, `prefix=50%`), its name as
   * sent (at most 64 characters). Such a parameter was dropped without a word, so the request ran as if it had not been
   * sent: `DELETE /b/k?uploadId=%FF` (an AbortMultipartUpload) deleted the object, `versionId=%E9` deleted or served
   * the current object, `prefix=%FF` listed the whole bucket. The edge refuses the request instead (review iy, 1).
   */
  readonly undecodable: string | undefined;
  /**
   * The first parameter given more than once (`versionId=a&versionId=b`, `tagging&tagging`), its name (at most 64
   * characters). The gateway read the first value while the signature (SigV4's canonical query, SigV2's sub-resources)
   * covers every one, so a request meant with one reading ran with another (a signer or proxy that keeps the last value
   * approved one thing, the gateway did another). The edge refuses such a request (review ti, 2).
   */
  readonly repeated: string | undefined;
  constructor(raw: string) {
    let undecodable: string | undefined;
    let repeated: string | undefined;
    for (const pair of raw.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      const k = decodeForm(rawName);
      const v = decodeForm(eq < 0 ? '' : pair.slice(eq + 1));
      if (k === undefined || v === undefined) {
        undecodable ??= (k ?? rawName).length > 64 ? `${(k ?? rawName).slice(0, 64)}…` : (k ?? rawName);
        continue;
      }
      if (!this.map.has(k)) this.map.set(k, v);
      else repeated ??= k.length > 64 ? `${k.slice(0, 64)}…` : k;
    }
    this.undecodable = undecodable;
    this.repeated = repeated;
  }
  has(k: string): boolean {
    return this.map.has(k);
  }
  get(k: string): string | undefined {
    return this.map.get(k);
  }
}

function decodeForm(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** `s3:TlsVersion` of the connection (`TLSv1.3` → `1.3`); nothing over plain HTTP. */
function tlsVersionOf(req: IncomingMessage): { tlsVersion?: string } {
  const socket = req.socket as Partial<TLSSocket>;
  const m = typeof socket.getProtocol === 'function' ? /^TLSv(\d(?:\.\d)?)$/.exec(socket.getProtocol() ?? '') : null;
  return m ? { tlsVersion: (m[1] as string).includes('.') ? (m[1] as string) : `${m[1] as string}.0` } : {};
}

/** Whether the request carries a body (RFC 9112 §6.3: a Transfer-Encoding, or a Content-Length above 0). */
const sendsBody = (req: IncomingMessage): boolean => req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/** A string as S3's `*Bytes` error elements write it: each UTF-8 byte as two lowercase hex digits, space-separated. */
const hexBytes = (s: string): string => Buffer.from(s, 'utf8').toString('hex').replace(/(..)(?!$)/g, '$1 ');
const httpDate = (iso: string): string => new Date(iso).toUTCString();
const s3Date = (iso: string): string => new Date(iso).toISOString();

/**
 * An object's (or a part's) LastModified as S3 writes it in XML: to the second, `….000Z`, the instant its `Last-Modified`
 * header (an HTTP-date) names. The store keeps milliseconds; written with them, a listing and a HEAD of one object gave
 * two times, and sync tools comparing them fetched every object again (review tb, 1).
 */
const s3Second = (iso: string): string => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString();

/**
 * `encoding-type=url`: a key (prefix, delimiter, marker) as S3 writes it, which is form encoding (Java's URLEncoder,
 * Go's QueryEscape) with `/` kept: letters, digits, `-`, `_`, `.`, `*` and `/` as they are, a space as `+`, every
 * other UTF-8 byte `%XX` — `~`, `!`, `'`, `(` and `)` included, which encodeURIComponent leaves alone. S3's answers
 * show it (`a b.txt` is `a+b.txt`, `(test)+` is `%28test%29%2B`: versity/versitygw#2156, minio/minio#7260), and so do
 * the decoders clients apply to it: botocore's unquote_plus, the Java SDK's URL decoder, MinIO's `s3URLEncode`.
 */
function urlEncodeKey(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    if ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x2a || byte === 0x2f) out += String.fromCharCode(byte);
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A key as a URL path: each UTF-8 byte but RFC 3986's unreserved ones and `/` as `%XX` (`a b+c` is `a%20b%2Bc`). */
function uriPath(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e || byte === 0x2f;
    out += unreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * An upload's `Initiator`: who began it (its principal's ARN, or the account for a root), never the caller listing it.
 * An upload recorded before initiators were names the bucket owner, whose account began it or let it be begun. An
 * account has no DisplayName, as an Owner has none (`ownerXml`); an IAM user keeps its name, recorded with the upload.
 */
const initiatorXml = (initiator: UploadInitiator | undefined, owner: string): { ID: string; DisplayName?: string } =>
  initiator === undefined || !initiator.id.startsWith('arn:') ? ownerXml(initiator?.id ?? owner) : { ID: initiator.id, ...(initiator.displayName === undefined ? {} : { DisplayName: initiator.displayName }) };

/**
 * An `Owner` (and an ACL's CanonicalUser grantee): the account, the gateway's stand-in for a canonical id, without
 * DisplayName, which S3 has stopped returning everywhere since 21 November 2025 (API_Owner, API_Grantee: "Update
 * your applications to use canonical IDs …, AWS account ID … or IAM ARNs as a direct replacement of DisplayName").
 */
const ownerXml = (account: string): { ID: string } => ({ ID: account });

/**
 * `encoding-type`: absent, or `url` (the one value API_ListObjects and API_ListMultipartUploads name, and the only
 * one an SDK sends); anything else is S3's 400 InvalidArgument, naming the parameter and the value as S3 does.
 */
function encodingOf(query: Query): { ok: true; url: boolean } | { ok: false; error: S3Error } {
  const value = query.get('encoding-type');
  if (value === undefined) return { ok: true, url: false };
  if (value === 'url') return { ok: true, url: true };
  return { ok: false, error: s3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: value }) };
}

/**
 * A paging number (`max-keys`, `max-uploads`, `max-parts`, `part-number-marker`), read as S3 reads it: absent or
 * empty, undefined (the default); digits, leading zeros and all, within a signed 32-bit integer, their value. S3's
 * two refusals, both 400 InvalidArgument with an ArgumentName and the value as sent as ArgumentValue: a negative
 * value, "Argument <name> must be an integer between 0 and 2147483647"; anything else (a word, `+5`, ` 5`, a value
 * past the 32-bit range), "Provided <name> not an integer or within integer range". The negative one names the
 * parameter as S3's code does, which for ListObjects' `max-keys` is `maxKeys` (`negativeName`); the other names it
 * as sent.
 */
function pagingNumber(query: Query, name: string, negativeName = name): { ok: true; value: number | undefined } | { ok: false; error: S3Error } {
  const text = query.get(name);
  if (text === undefined || text === '') return { ok: true, value: undefined };
  const m = /^(-?)0*(\d+)$/.exec(text);
  const magnitude = m !== null && (m[2] as string).length <= 10 ? Number(m[2]) : Infinity;
  const value = m?.[1] === '-' ? -magnitude : magnitude;
  if (!(value >= -2_147_483_648 && value <= 2_147_483_647)) return { ok: false, error: s3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: text }) };
  if (value < 0) return { ok: false, error: s3Error('InvalidArgument', `Argument ${negativeName} must be an integer between 0 and 2147483647`, { ArgumentName: negativeName, ArgumentValue: text }) };
  return { ok: true, value: value === 0 ? 0 : value };
}

function metadataOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-amz-meta-') && v !== undefined) out[k.slice(11)] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/**
 * S3's limit on user-defined metadata (User Guide, "Working with object metadata"): 2 KB, the UTF-8 bytes of each
 * name (without `x-amz-meta-`) and value. Without it the edge took up to its 16 KiB header limit, which S3 and the
 * clients that check refuse, and which the store's in-memory key index held for every object.
 */
const MAX_USER_METADATA = 2048;

/** MetadataTooLarge for `x-amz-meta-*` over 2 KB; node:http reads header bytes as latin1, so a character is a byte sent. */
function metadataTooLarge(metadata: Readonly<Record<string, string>>): S3Error | undefined {
  let size = 0;
  for (const [k, v] of Object.entries(metadata)) size += k.length + v.length;
  if (size <= MAX_USER_METADATA) return undefined;
  return s3Error('MetadataTooLarge', `Your metadata headers exceed the maximum allowed metadata size: ${size} bytes of x-amz-meta-* names and values, at most ${MAX_USER_METADATA}; shorten them, or keep the data in the object or in tags`, {
    Size: String(size),
    MaxSizeAllowed: String(MAX_USER_METADATA),
  });
}

/**
 * The system-defined metadata a write sets on its object (PutObject, CreateMultipartUpload, CopyObject with
 * `x-amz-metadata-directive: REPLACE`): Cache-Control, Content-Disposition, Content-Encoding, Content-Language and
 * Expires, kept as sent and served back by GetObject and HeadObject, as S3 does ("Working with object metadata").
 * A header sent empty sets nothing.
 */
function objectHeadersOf(req: IncomingMessage): ObjectHeaders {
  const out: Partial<Record<ObjectHeaderName, string>> = {};
  for (const name of OBJECT_HEADER_NAMES) {
    const sent = header(req, name);
    const v = sent !== undefined && name === 'content-encoding' ? withoutAwsChunked(sent) : sent;
    if (v !== undefined && v.trim() !== '') out[name] = v;
  }
  return out;
}

/**
 * Content-Encoding without `aws-chunked`, the framing of a streamed body (sigv4-streaming.html), which SDK v3 and the
 * aws CLI add to the client's own encoding (`aws-chunked`, `gzip,aws-chunked`; the S3 documentation writes
 * `aws-chunked,gzip`). It describes the request, not the object: S3 removes it and stores the rest, nothing when
 * nothing is left. Stored, a browser fetching the object would be told of an encoding it cannot undo.
 */
function withoutAwsChunked(value: string): string {
  const tokens = value.split(',');
  const kept = tokens.filter((t) => t.trim().toLowerCase() !== 'aws-chunked');
  if (kept.length === tokens.length) return value;
  return kept
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .join(',');
}

/** The archive classes, whose objects S3 reads only after a RestoreObject: refused, the gateway has no archive tier. */
const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/**
 * `x-amz-storage-class` and `x-amz-website-redirect-location` of a write (PutObject, CreateMultipartUpload, CopyObject),
 * checked before the write is decided, as `x-amz-meta-*`'s size is. A class is one of `STORAGE_CLASSES`, spelled as S3
 * spells it, else 400 InvalidStorageClass with S3's `StorageClassRequested`. A redirect location starts with `/`,
 * `http://` or `https://` and has at most 2 KB (API_PutObject), else 400 InvalidRedirectLocation (S3's error codes).
 * Both absent when not sent.
 */
function objectClassOf(req: IncomingMessage): { ok: true; value: { storageClass?: StorageClass; redirectLocation?: string } } | { ok: false; error: S3Error } {
  const storageClass = header(req, 'x-amz-storage-class');
  if (storageClass !== undefined && !isStorageClass(storageClass)) {
    const why = ARCHIVE_CLASSES.has(storageClass)
      ? `\`${storageClass}\` is an archive class, whose objects are read only after a RestoreObject, and this gateway has no archive tier; write the object as GLACIER_IR (read at once) or another of ${STORAGE_CLASSES.join(', ')}`
      : `\`${storageClass}\` in x-amz-storage-class; send one of ${STORAGE_CLASSES.join(', ')}`;
    return { ok: false, error: s3Error('InvalidStorageClass', `The storage class you specified is not valid: ${why}`, { StorageClassRequested: storageClass }) };
  }
  // node:http reads header bytes as latin1: a character is a byte sent.
  const redirectLocation = header(req, 'x-amz-website-redirect-location');
  if (redirectLocation !== undefined && redirectLocation.length > MAX_REDIRECT_LOCATION) {
    return { ok: false, error: s3Error('InvalidRedirectLocation', `The website redirect location is too long: x-amz-website-redirect-location has ${redirectLocation.length} bytes, at most ${MAX_REDIRECT_LOCATION}`) };
  }
  if (redirectLocation !== undefined && !/^(?:\/|http:\/\/|https:\/\/)/.test(redirectLocation)) {
    return { ok: false, error: s3Error('InvalidRedirectLocation', `The website redirect location must have a prefix of 'http://' or 'https://' or '/': x-amz-website-redirect-location is \`${redirectLocation}\``) };
  }
  return { ok: true, value: { ...(storageClass !== undefined ? { storageClass } : {}), ...(redirectLocation !== undefined ? { redirectLocation } : {}) } };
}

/**
 * The tags of `x-amz-tagging` (URL query form, `k1=v1&k2=v2`), undefined when not sent; a set S3 would refuse (more
 * than 10, a key twice, a key or value too long: `tagSetProblem`) is 400 InvalidTag, before the write is decided. A key
 * sent twice was kept with its last value, and an 11th tag stored, where S3 refuses both.
 */
function tagsOf(value: string | undefined): { ok: true; value: Record<string, string> | undefined } | { ok: false; error: S3Error } {
  if (value === undefined) return { ok: true, value: undefined };
  const pairs = [...new URLSearchParams(value)];
  const problem = tagSetProblem(pairs);
  if (problem !== undefined) return { ok: false, error: s3Error('InvalidTag', `${problem} (x-amz-tagging)`) };
  return { ok: true, value: tagRecord(pairs) };
}

function objectHeaders(info: ObjectInfo): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'last-modified': httpDate(info.lastModified),
    etag: `"${info.etag}"`,
    'content-type': info.contentType || 'application/octet-stream',
    'accept-ranges': 'bytes',
  };
  for (const [k, v] of Object.entries(info.headers)) h[k] = v;
  for (const [k, v] of Object.entries(info.metadata)) h[`x-amz-meta-${k}`] = v;
  const tagCount = Object.keys(info.tags).length;
  if (tagCount > 0) h['x-amz-tagging-count'] = tagCount;
  // S3 answers the class only when it is not STANDARD (API_HeadObject: "Amazon S3 returns this header for all objects
  // except for S3 Standard storage class objects").
  if (info.storageClass !== 'STANDARD') h['x-amz-storage-class'] = info.storageClass;
  if (info.redirectLocation !== undefined) h['x-amz-website-redirect-location'] = info.redirectLocation;
  return h;
}

/** The element of a checksum in S3's XML answers (CopyObjectResult), by algorithm. */
const CHECKSUM_ELEMENTS: Readonly<Record<ChecksumAlgorithm, string>> = { crc32: 'ChecksumCRC32', crc32c: 'ChecksumCRC32C', crc64nvme: 'ChecksumCRC64NVME', sha1: 'ChecksumSHA1', sha256: 'ChecksumSHA256' };

/**
 * An object's checksum as S3 answers it (API_PutObject, API_GetObject, API_HeadObject): `x-amz-checksum-<algorithm>`
 * and `x-amz-checksum-type: FULL_OBJECT` (a checksum of the whole body). SDK v3 and botocore check a GetObject's bytes
 * against it; without it they checked nothing, silently (review cr, 4).
 */
const checksumHeaders = (c: ObjectChecksum | undefined): Record<string, string> => (c === undefined ? {} : { [`x-amz-checksum-${c.algorithm}`]: c.value, 'x-amz-checksum-type': c.type ?? 'FULL_OBJECT' });

/** An object's checksum as S3's XML answers name it (CopyObjectResult, CompleteMultipartUploadResult). */
const checksumElements = (c: ObjectChecksum | undefined): Record<string, string> => (c === undefined ? {} : { [CHECKSUM_ELEMENTS[c.algorithm]]: c.value, ChecksumType: c.type ?? 'FULL_OBJECT' });

/** An upload's checksum as ListParts and ListMultipartUploads name it. */
const uploadChecksumElements = (c: UploadChecksum | undefined): Record<string, string> => (c === undefined ? {} : { ChecksumAlgorithm: CHECKSUM_NAMES[c.algorithm], ChecksumType: c.type });

/** The algorithms by the name S3 gives them (`x-amz-checksum-algorithm: SHA256`). */
const ALGORITHMS_BY_NAME: ReadonlyMap<string, ChecksumAlgorithm> = new Map(Object.values(CHECKSUM_HEADERS).map((a) => [CHECKSUM_NAMES[a], a]));

/** Which checksum types each algorithm can be in a multipart upload, and its default (the first). */
const UPLOAD_TYPES: Readonly<Record<ChecksumAlgorithm, readonly ChecksumType[]>> = {
  crc32: ['COMPOSITE', 'FULL_OBJECT'],
  crc32c: ['COMPOSITE', 'FULL_OBJECT'],
  crc64nvme: ['FULL_OBJECT'],
  sha1: ['COMPOSITE'],
  sha256: ['COMPOSITE'],
};

const isChecksumType = (v: string): v is ChecksumType => v === 'COMPOSITE' || v === 'FULL_OBJECT';

/**
 * CreateMultipartUpload's `x-amz-checksum-algorithm` and `x-amz-checksum-type` (API_CreateMultipartUpload; User Guide,
 * "Checking object integrity": FULL_OBJECT is for the CRCs, COMPOSITE for all but CRC64NVME, which is FULL_OBJECT by
 * default and the others COMPOSITE), refused with S3's messages. Undefined: neither sent.
 */
function uploadChecksumOf(req: IncomingMessage): { ok: true; value: UploadChecksum | undefined } | { ok: false; error: S3Error } {
  const name = header(req, 'x-amz-checksum-algorithm');
  const typeName = header(req, 'x-amz-checksum-type');
  if (name === undefined && typeName === undefined) return { ok: true, value: undefined };
  const algorithm = name === undefined ? undefined : ALGORITHMS_BY_NAME.get(name.trim().toUpperCase());
  if (name !== undefined && algorithm === undefined) return { ok: false, error: s3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]') };
  if (algorithm === undefined) return { ok: false, error: s3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.') };
  const type = typeName?.trim().toUpperCase() ?? UPLOAD_TYPES[algorithm][0]!;
  if (!isChecksumType(type)) return { ok: false, error: s3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.') };
  if (!UPLOAD_TYPES[algorithm].includes(type)) return { ok: false, error: s3Error('InvalidRequest', `The ${type} checksum type cannot be used with the ${CHECKSUM_NAMES[algorithm]} checksum algorithm.`) };
  return { ok: true, value: { algorithm, type } };
}

/**
 * What a CompleteMultipartUpload asserts of the object in its headers (API_CompleteMultipartUpload): an
 * `x-amz-checksum-<algorithm>` (one at most), an `x-amz-checksum-type`, and its size (`x-amz-mp-object-size`, a whole
 * number of bytes). They describe the object, not the request's body, which carries none.
 */
function completeChecksOf(req: IncomingMessage, query: Query): { ok: true; value: CompleteChecks | undefined } | { ok: false; error: S3Error } {
  // SDK v3's presigner hoists Complete's `x-amz-checksum-*` and `x-amz-checksum-type` into the signed query, where
  // they still describe the object: read there when the header is not sent, as the other signed `x-amz-*` parameters
  // are (review tp, 3: passed over as an upload's body checksum, a URL presigned for one object completed another).
  const asSent = (name: string): string | undefined => header(req, name) ?? query.get(name);
  const sent = Object.entries(CHECKSUM_HEADERS).filter(([name]) => asSent(name) !== undefined);
  if (sent.length > 1) return { ok: false, error: s3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.') };
  const typeName = asSent('x-amz-checksum-type')?.trim().toUpperCase();
  if (typeName !== undefined && !isChecksumType(typeName)) return { ok: false, error: s3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.') };
  const [name, algorithm] = sent[0] ?? [];
  const value = name === undefined ? undefined : asSent(name);
  const sizeText = header(req, 'x-amz-mp-object-size')?.trim();
  if (sizeText !== undefined && !/^\d{1,15}$/.test(sizeText)) {
    return { ok: false, error: s3Error('InvalidArgument', 'x-amz-mp-object-size must be the object\'s size, a whole number of bytes', { ArgumentName: 'x-amz-mp-object-size', ArgumentValue: sizeText.slice(0, 64) }) };
  }
  const checks: CompleteChecks = {
    ...(algorithm !== undefined && value !== undefined ? { checksum: { algorithm, value: value.trim() } } : {}),
    ...(typeName !== undefined ? { type: typeName } : {}),
    ...(sizeText !== undefined ? { objectSize: Number(sizeText) } : {}),
  };
  return { ok: true, value: Object.keys(checks).length > 0 ? checks : undefined };
}

/** The `response-*` query parameters of GetObject and HeadObject, and the answer header each one sets. */
const RESPONSE_OVERRIDES = [
  ['response-content-type', 'content-type'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
  ['response-content-language', 'content-language'],
  ['response-cache-control', 'cache-control'],
  ['response-expires', 'expires'],
] as const;

/**
 * A `response-*` value that no HTTP header can carry, refused as S3 refuses it (400 InvalidArgument naming the
 * parameter and the value): a character past ISO-8859-1 ("Header value cannot be represented using ISO-8859-1.", as
 * S3 answers a presigned download named `filename="ABC nằm mơ.xlsx"`), or a control character (CR, LF, NUL…), which
 * would end the header. Sent on, node:http threw on the answer's headers and the client got 500 InternalError, which
 * SDKs retry, for a URL that can never work (review cr, 3).
 */
function unsendableOverride(query: Query): S3Error | undefined {
  for (const [param] of RESPONSE_OVERRIDES) {
    const v = query.get(param);
    if (v === undefined) continue;
    const message = /[^\t\x20-\x7e\x80-\xff]/.test(v)
      ? /[^\x00-\xff]/.test(v)
        ? 'Header value cannot be represented using ISO-8859-1.'
        : 'Header value contains a control character (CR, LF, NUL…), which no HTTP header may carry.'
      : undefined;
    if (message !== undefined) return s3Error('InvalidArgument', message, { ArgumentName: param, ArgumentValue: v });
  }
  return undefined;
}

/** `Range: bytes=a-b | a- | -n`; anything else (several ranges, another unit) is ignored, as HTTP allows. */
function parseRange(value: string | undefined): { start?: number; end?: number; suffix?: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m) return undefined;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return undefined;
  if (a === '') return { suffix: Number(b) };
  if (b !== '' && Number(b) < Number(a)) return undefined;
  return b === '' ? { start: Number(a) } : { start: Number(a), end: Number(b) };
}

/** An ACL that says what holds here: the bucket's owner account has full control, nobody else is granted anything by ACL. */
function aclDocument(owner: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy xmlns="${S3_NAMESPACE}"><Owner><ID>${owner}</ID></Owner>` +
    `<AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${owner}</ID></Grantee>` +
    `<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`
  );
}

/**
 * `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, maybe `?versionId=…` (`null`, the only version an
 * unversioned object has, or another value, which the edge refuses).
 */
function copySourceOf(source: string): { bucket: string; key: string; versionId?: string } | undefined {
  try {
    const q = source.indexOf('?');
    const s = decodeURIComponent(q < 0 ? source : source.slice(0, q)).replace(/^\//, '');
    const slash = s.indexOf('/');
    if (slash <= 0 || slash === s.length - 1) return undefined;
    const versionId = q < 0 ? null : new URLSearchParams(source.slice(q + 1)).get('versionId');
    return versionId === null ? { bucket: s.slice(0, slash), key: s.slice(slash + 1) } : { bucket: s.slice(0, slash), key: s.slice(slash + 1), versionId };
  } catch {
    return undefined;
  }
}

/**
 * No bucket is versioned here: the one version of an object is `null` (as S3 names the version of an object written
 * while versioning was off), and any other version id names nothing. S3 answers such an id on an unversioned bucket
 * with 400 InvalidArgument "Invalid version id specified"; refused before anything is read, decided or deleted.
 */
const NULL_VERSION = 'null';
const invalidVersion = (argument: string, value: string): S3Error => s3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: argument, ArgumentValue: value });

/** DeleteObject's conditions that S3 takes on directory buckets only (API_DeleteObject): refused, never dropped. */
const DIRECTORY_DELETE_CONDITIONS = ['x-amz-if-match-last-modified-time', 'x-amz-if-match-size'] as const;

/**
 * The ETags of an `If-Match`-style header, unquoted (`*` kept): `"a", "b"` → `a`, `b`. If-None-Match compares weakly
 * (RFC 9110 §13.1.2), so `W/"a"` there is `a`; If-Match compares strongly (§13.1.1, RFC 7232 §3.1 as S3's API
 * reference cites), in which a weak tag matches nothing: it is kept whole (`W/"a"`), which no stored ETag equals.
 */
const etagList = (value: string, comparison: 'strong' | 'weak'): string[] =>
  value
    .split(',')
    .map((t) => t.trim())
    .map((t) => (t.startsWith('W/') && comparison === 'strong' ? t : t.replace(/^W\//, '').replace(/^"|"$/g, '')))
    .filter((t) => t !== '');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ( \d|\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms a recipient must accept) as
 * epoch ms, or undefined for anything else. `Date.parse` took far more (`2039`, `0`, ISO 8601, `Tue 1 2 3`), and a
 * condition of such a value was held; §13.1.3 and §13.1.4 say a recipient MUST ignore an invalid date, and S3 does.
 * A two-digit RFC 850 year more than 50 years ahead is of the previous century (§5.6.7).
 */
function httpDateValue(value: string): number | undefined {
  const v = value.trim();
  let parts: [string, string, string, string, string, string] | undefined;
  let m = IMF_FIXDATE.exec(v);
  if (m) parts = [m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!];
  else if ((m = RFC850_DATE.exec(v))) {
    const nowYear = new Date().getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(m[3]);
    if (year > nowYear + 50) year -= 100;
    parts = [m[1]!, m[2]!, String(year), m[4]!, m[5]!, m[6]!];
  } else if ((m = ASCTIME_DATE.exec(v))) parts = [m[2]!.trim(), m[1]!, m[6]!, m[3]!, m[4]!, m[5]!];
  if (parts === undefined) return undefined;
  const [day, monthName, year, hour, minute, second] = parts.map((p, i) => (i === 1 ? p : Number(p))) as [number, string, number, number, number, number];
  const month = MONTHS.indexOf(monthName);
  if (month < 0 || hour > 23 || minute > 59 || second > 60) return undefined;
  const t = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  // A day the month does not have (`31 Feb`) is not a date.
  return new Date(t).getUTCDate() === day ? t : undefined;
}

/** An HTTP date header as epoch ms; one that is not an HTTP-date is ignored (`httpDateValue`), as S3 ignores it. */
function dateHeader(value: string | undefined): number | undefined {
  return value === undefined ? undefined : httpDateValue(value);
}

/** A body that writes itself to the response with buffers it reuses once each write has been flushed (objects-fs's). */
interface SendsItself {
  sendTo(out: ServerResponse): Promise<void>;
}

const sendsItself = (stream: object): stream is SendsItself => typeof (stream as Partial<SendsItself>).sendTo === 'function';

/** Query parameters that leave a plain object or bucket operation what it is (listing, presigning, SDK hints). */
const PLAIN_PARAMS =
  /^(?:list-type|prefix|delimiter|max-keys|continuation-token|start-after|marker|encoding-type|fetch-owner|x-id|partNumber|versionId|max-parts|part-number-marker|key-marker|upload-id-marker|max-uploads|response-[a-z-]+|X-Amz-(?:Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token)|AWSAccessKeyId|Signature|Expires)$/;

/**
 * `x-amz-*` headers that presigners move into the query (SDK v3's hoisting, botocore's SigV2 query auth) and that the
 * edge leaves there: credentials and payload checksums (S3 ignores a checksum on a presigned upload; SDK v3 signs the
 * CRC32 of an empty body into every presigned PutObject). Any other (`x-amz-copy-source`, `x-amz-tagging`,
 * `x-amz-meta-*`…) is, on a SigV4 request or a SigV2 presigned one, read as the header (`queryHeaders`); on a SigV2
 * request signed in its Authorization header, whose signature does not cover it, it is not served: a copy source
 * added there would otherwise turn a signed PutObject into a copy.
 */
const HOISTED_PARAMS = /^x-amz-(?:security-token|date|content-sha256|checksum-[a-z0-9]+|sdk-checksum-algorithm|user-agent)$/;

/** SigV4's own query parameters (`X-Amz-Algorithm`…), in lower case: never a header. */
const SIGV4_QUERY_AUTH = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders', 'x-amz-signature', 'x-amz-security-token']);

/**
 * The `x-amz-*` query parameters of a request whose signature covers them that S3 reads as headers (review hx, 2 and
 * 3): what SDK v3's presigner hoisted (a presigned PutObject's `x-amz-meta-*`, `x-amz-tagging`, `x-amz-storage-class`;
 * a presigned CopyObject's `x-amz-copy-source`), signed as part of SigV4's canonical query string, and what botocore
 * moved into a SigV2 presigned query, signed as x-amz headers (`parseSigV2`). Each is set as the header (lower-cased)
 * when the request does not send that header itself; the names (as sent) are returned, for `unservedParam` to pass.
 * A SigV2 presigned query's `content-type` and `content-md5` are botocore's copies of headers its signature covers as
 * sent: the type is passed over, never read. The MD5, which `parseSigV2` verifies the signature with when no
 * Content-MD5 header is sent, is then that header, so the body is checked against it: a URL presigned for one content
 * stored any body sent without the header (review oh, 4).
 */
function queryHeaders(req: IncomingMessage, query: Query, sigV2Query: boolean): ReadonlySet<string> {
  const taken = new Set<string>();
  for (const [name, value] of query.map) {
    const lower = name.toLowerCase();
    if (sigV2Query && (lower === 'content-type' || lower === 'content-md5')) {
      if (lower === 'content-md5' && req.headers['content-md5'] === undefined) req.headers['content-md5'] = value;
      taken.add(name);
      continue;
    }
    if (!lower.startsWith('x-amz-') || SIGV4_QUERY_AUTH.has(lower) || HOISTED_PARAMS.test(lower)) continue;
    if (req.headers[lower] === undefined) req.headers[lower] = value;
    taken.add(name);
  }
  return taken;
}

/**
 * What a request refused at authentication attempted, for its audit record: the S3 action of a plain object or
 * bucket operation with its ARN, else the method and path (the operation is not decided before authentication).
 */
function attemptedS3(method: string, bucket: string, key: string, query: Query, path: string): { action: string; resource: string } {
  const plain = [...query.map.keys()].every((k) => PLAIN_PARAMS.test(k));
  if (plain && bucket === '' && method === 'GET') return { action: 's3:ListAllMyBuckets', resource: '*' };
  if (plain && bucket !== '' && key !== '') {
    const action = method === 'GET' || method === 'HEAD' ? 's3:GetObject' : method === 'PUT' ? 's3:PutObject' : method === 'DELETE' ? 's3:DeleteObject' : undefined;
    if (action) return { action, resource: `arn:aws:s3:::${bucket}/${key}` };
  }
  if (plain && bucket !== '' && key === '') {
    const action = method === 'GET' || method === 'HEAD' ? 's3:ListBucket' : method === 'PUT' ? 's3:CreateBucket' : method === 'DELETE' ? 's3:DeleteBucket' : undefined;
    if (action) return { action, resource: `arn:aws:s3:::${bucket}` };
  }
  return { action: `${method} ${path}`, resource: bucket === '' ? '*' : `arn:aws:s3:::${key === '' ? bucket : `${bucket}/${key}`}` };
}

/**
 * The `x-amz-*` headers of a SigV4 request that its signature does not cover. S3 requires every one to be signed
 * (sigv4-header-based-auth.html; in the query form, X-Amz-SignedHeaders must list "any x-amz-* headers that you plan
 * to add to the request") and refuses the rest with AccessDenied "There were headers present in the request which
 * were not signed". Covered without being listed: `x-amz-content-sha256`, which is the last line of the canonical
 * request in both forms, and in the header form `x-amz-date`, which is in the string to sign.
 */
function unsignedAmzHeaders(headers: IncomingMessage['headers'], parsed: Pick<SigV4Parsed, 'form' | 'signedHeaders'>): string[] {
  const out: string[] = [];
  for (const name of Object.keys(headers)) {
    if (!name.startsWith('x-amz-') || name === 'x-amz-content-sha256' || (name === 'x-amz-date' && parsed.form === 'header')) continue;
    if (!parsed.signedHeaders.includes(name)) out.push(name);
  }
  return out;
}

const QUERY_NAMESPACES: Readonly<Record<'iam' | 'sts', string>> = { iam: 'https://iam.amazonaws.com/doc/2010-05-08/', sts: 'https://sts.amazonaws.com/doc/2011-06-15/' };

/**
 * Whether a request sent to the gateway is one of the IAM or STS Query API (someone gave the S3 port as the
 * endpoint: `aws iam list-users --endpoint-url http://127.0.0.1:8472`), and which: signed for `iam` or `sts` (the
 * credential scope of the Authorization header or of `X-Amz-Credential`), or, at the root, an `Action` parameter or a
 * form POST (S3 serves neither there). S3's `<Error>` document is not what those clients parse: botocore's Query
 * parser read it as `(Unknown) … Unknown` (review readme, R9), so such a request is answered in the Query API's
 * shape. Undefined for anything else.
 */
function queryApiCall(req: IncomingMessage, bucket: string, query: Query): { readonly service: 'iam' | 'sts' | undefined } | undefined {
  const credential = /Credential=[^/,\s]{1,128}\/\d{8}\/[^/,\s]{1,64}\/([A-Za-z0-9-]{1,32})\/aws4_request/.exec((header(req, 'authorization') ?? '').slice(0, 4096))?.[1] ?? query.get('X-Amz-Credential')?.split('/')[3];
  const service = credential?.toLowerCase();
  if (service === 'iam' || service === 'sts') return { service };
  if (bucket !== '') return undefined;
  const form = req.method === 'POST' && /^application\/x-www-form-urlencoded\b/i.test(header(req, 'content-type') ?? '');
  return query.has('Action') || form ? { service: undefined } : undefined;
}

/**
 * S3's reading of SigV4: a presigned URL lives 1 to 604800 seconds ("The minimum value you can set is 1",
 * sigv4-query-string-auth.html); X-Amz-Expires=0, which SDK v3's presigner signs, is a malformed URL (review kr, 2).
 */
const S3_SIGV4 = { presignedMinExpiresSeconds: 1 } as const;

/** The clock difference a signed request may have, as S3 (and the SigV4 and SigV2 verifiers) allow it. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/** An instant as S3's error documents write it: ISO 8601 to the second (`2026-01-02T03:04:05Z`). */
const isoSecond = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');

/** S3's answer to a request whose line and headers pass `max` bytes (`createS3Edge`'s `clientError`). */
function s3HeadersTooLarge(max: number): string {
  const ids = randomBytes(32);
  const requestId = ids.toString('hex', 0, 8).toUpperCase();
  const code = 'RequestHeaderSectionTooLarge';
  const body = errorDocument(code, 'Your request header section exceeds the maximum allowed size.', '', requestId, { MaxSizeAllowed: String(max) });
  return `HTTP/1.1 ${S3_STATUS[code]} Bad Request\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amz-request-id: ${requestId}\r\nx-amz-id-2: ${ids.toString('base64', 8, 32)}\r\nServer: Gatehouse\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * S3's answer to a request that did not arrive in time (its headers within `headersTimeout`): `RequestTimeout`, 400, "Your
 * socket connection to the server was not read from or written to within the timeout period." (S3 API reference, error
 * responses).
 */
function s3RequestTimedOut(): string {
  const ids = randomBytes(32);
  const requestId = ids.toString('hex', 0, 8).toUpperCase();
  const body = errorDocument('RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.', '', requestId);
  return `HTTP/1.1 ${S3_STATUS.RequestTimeout} Bad Request\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amz-request-id: ${requestId}\r\nx-amz-id-2: ${ids.toString('base64', 8, 32)}\r\nServer: Gatehouse\r\nConnection: close\r\n\r\n${body}`;
}

export function createS3Edge(opts: S3EdgeOptions): S3Edge {
  const { app, s3 } = opts;
  const log = opts.log ?? (() => {});
  const region = opts.region ?? 'us-east-1';

  interface Authenticated {
    readonly caller: Caller;
    /** SigV4: what the body's chunk signatures chain from. Absent for SigV2, whose signature covers no payload. */
    readonly v4?: { readonly parsed: SigV4Parsed; readonly secret: string; readonly signature: string };
    /** SigV2 presigned (query) form, whose signature covers the query's `x-amz-*` parameters. */
    readonly sigV2Query?: boolean;
  }

  async function resolveKey(accessKeyId: string, sessionToken: string | undefined): Promise<{ ok: true; value: { secret: string; caller: Caller } } | { ok: false; error: S3Error }> {
    const who = await app.authenticate(accessKeyId, sessionToken);
    if (who.ok) return who;
    const code = who.errors[0]?.code;
    if (code === 'EXPIRED_TOKEN') return { ok: false, error: s3Error('ExpiredToken', 'The provided token has expired.') };
    if (code === 'SERVICE_UNAVAILABLE') return { ok: false, error: s3Error('ServiceUnavailable', who.errors[0]?.message ?? 'Please reduce your request rate.') };
    if (sessionToken !== undefined) return { ok: false, error: s3Error('InvalidToken', 'The provided token is malformed or otherwise invalid.') };
    return { ok: false, error: s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId }) };
  }

  /**
   * RequestTimeTooSkewed in S3's words, SigV4 or SigV2 (IAM's "Signature expired: …" was the SigV4 door's: review ld,
   * 5), with the times S3's document gives: the request's date as sent (`x-amz-date`, else `Date`), the server's clock,
   * and the skew allowed. SDK v3 corrects its clock from `ServerTime`.
   */
  function skewed(req: IncomingMessage): S3Error {
    const sent = (header(req, 'x-amz-date') ?? header(req, 'date') ?? '').slice(0, 64);
    return s3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', { RequestTime: sent, ServerTime: isoSecond(Date.now()), MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS) });
  }

  async function authenticate(req: IncomingMessage, rawQuery: string, virtualBucket: string | undefined): Promise<{ ok: true; value: Authenticated } | { ok: false; error: S3Error; signatureVerified?: boolean }> {
    // Every value of a repeated header, as for SigV4: SigV2 signs an x-amz-* header sent on several lines as its values
    // joined with `,` (S3's own example, two `X-Amz-Meta-ReviewedBy` lines), which Node's `req.headers` joins with `, `.
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: nodeRequestHeaders(req), ...(virtualBucket !== undefined ? { virtualBucket } : {}) };
    if (isSigV2(request)) {
      // Refused for its time or its key before its signature was checked: whether the key's secret (as held in memory,
      // key-holder.ts) signed it, checked as of a time it is valid at (review um, 3, as SigV4's since review tu).
      const signedByHolder = (at: number | undefined): boolean | undefined => {
        const p = at === undefined ? undefined : parseSigV2(request, at);
        const secret = p?.ok === true ? app.refusedKeySecret(p.accessKeyId, p.sessionToken) : undefined;
        return p?.ok === true && secret !== undefined ? p.verify(secret) : undefined;
      };
      const v2 = parseSigV2(request, Date.now());
      if (!v2.ok) {
        const signatureVerified = signedByHolder(v2.signedAt);
        const refused = v2.code === 'RequestTimeTooSkewed' ? skewed(req) : s3Error(v2.code, v2.message, v2.expiresAt !== undefined ? { Expires: isoSecond(v2.expiresAt), ServerTime: isoSecond(Date.now()) } : undefined);
        return { ok: false, error: refused, ...(signatureVerified !== undefined ? { signatureVerified } : {}) };
      }
      const who = await resolveKey(v2.accessKeyId, v2.sessionToken);
      if (!who.ok) {
        if (who.error.code === 'ServiceUnavailable') return who;
        const secret = app.refusedKeySecret(v2.accessKeyId, v2.sessionToken);
        return secret === undefined ? who : { ...who, signatureVerified: v2.verify(secret) };
      }
      if (!v2.verify(who.value.secret)) {
        // S3's SigV2 document: what it signed, as text and as bytes, and the signature it was given.
        const toSign = v2.stringToSign();
        return {
          ok: false,
          error: s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
            AWSAccessKeyId: v2.accessKeyId,
            StringToSign: toSign,
            SignatureProvided: v2.signature,
            StringToSignBytes: hexBytes(toSign),
          }),
          // Checked with the key's secret, and not its signature: said in its record (review vi, 2).
          signatureVerified: false,
        };
      }
      // SigV2 names no region: the gateway's own.
      app.keyUse.note(keyUsedBy(who.value.caller, v2.accessKeyId), 's3', region);
      app.signatureVerified(who.value.caller);
      return { ok: true, value: { caller: who.value.caller, ...(header(req, 'authorization') === undefined ? { sigV2Query: true } : {}) } };
    }
    const sigRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: nodeRequestHeaders(req) };
    const parsed = parseSigV4(sigRequest, Date.now(), S3_SIGV4);
    // The signature alone, as below (the body is not read yet), for the record of a request refused before it is checked.
    const signedAsSent = (p: SigV4Parsed, secret: string): boolean => {
      const given = providedSignature(p, header(req, 'authorization'), rawQuery);
      return given !== undefined && checkSignatureOnly(p, secret, given);
    };
    const presigned = /(?:^|&)X-Amz-(?:Algorithm|Credential|Signature)=/.test(rawQuery);
    if (!parsed.ok) {
      // Refused for its time (skewed, a URL expired or dated ahead): whether the key's holder signed it, for its record
      // (review tu, 2).
      const signatureVerified = signedByKeyHolder(app, [sigRequest], parsed.signedAt, S3_SIGV4, signedAsSent);
      const refused = ((): { ok: false; error: S3Error } => {
        switch (parsed.code) {
          case 'MissingAuthenticationToken':
            return { ok: false, error: s3Error('AccessDenied', 'Access Denied: anonymous requests are not served; sign the request (SigV4 with service `s3`, or SigV2)') };
          case 'IncompleteSignature':
            // S3 names the header that is wrong: the Authorization header was well formed.
            if (!presigned && /^x-amz-content-sha256 must be /.test(parsed.message)) {
              return { ok: false, error: s3Error('InvalidArgument', PAYLOAD_HASH_MESSAGE, { ArgumentName: 'x-amz-content-sha256', ArgumentValue: header(req, 'x-amz-content-sha256') ?? '' }) };
            }
            // No readable request date in the header form (none, empty, not ISO 8601 basic): S3's own answer, 403 as its
            // SigV2 door gives it, where IAM and STS say IncompleteSignature (review ld, 4).
            if (!presigned && /^(?:Authorization header requires existence of either|Invalid date )/.test(parsed.message)) {
              return { ok: false, error: s3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header') };
            }
            return { ok: false, error: s3Error(presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed', parsed.message) };
          case 'SignatureDoesNotMatch':
            // A scope dated another day than the request is a malformed request to S3 (400, its own words), where IAM and
            // STS call it a wrong signature: what a client dating its scope by the local clock is told around midnight
            // (review ld, 3).
            if (/^Date in Credential scope does not match/.test(parsed.message)) {
              return { ok: false, error: presigned ? s3Error('AuthorizationQueryParametersError', 'Invalid credential date. Date is not the same as X-Amz-Date.') : s3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.') };
            }
            // A presigned URL dated ahead of the clock is S3's counterpart of "Request has expired": its holder cannot
            // sign it again, which is what RequestTimeTooSkewed asks of a client.
            if (presigned && /^Signature not yet current/.test(parsed.message)) return { ok: false, error: s3Error('AccessDenied', 'Request is not yet valid', { ServerTime: isoSecond(Date.now()) }) };
            return { ok: false, error: /^Signature (expired|not yet current)/.test(parsed.message) ? skewed(req) : s3Error('SignatureDoesNotMatch', parsed.message) };
          case 'AccessDenied': {
            // An expired URL, with the times S3's document names: the lifetime it was signed with, when it ended, and now.
            const expired = parsed.expired;
            return { ok: false, error: s3Error('AccessDenied', parsed.message, expired ? { 'X-Amz-Expires': String(expired.expiresSeconds), Expires: isoSecond(expired.expiresAt), ServerTime: isoSecond(Date.now()) } : undefined) };
          }
        }
      })();
      return signatureVerified === undefined ? refused : { ...refused, signatureVerified };
    }
    if (parsed.service !== 's3') {
      // The admin API's requests (the `gatehouse` CLI's, signed for `gatehouse`) are told where it is, as the IAM and STS
      // ones are (sendQueryError): the CLI given this port as its endpoint said only "is it the API?" (review iv, 4).
      const elsewhere = parsed.service === 'gatehouse' ? ` This is Gatehouse's S3 gateway, which serves S3 requests only; send admin API requests to ${opts.apiAddress?.() || 'the `gatehouse server --listen` address, http://127.0.0.1:8470 by default'}` : '';
      return { ok: false, error: s3Error(presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed', `The authorization header is malformed; incorrect service '${parsed.service}'. This endpoint belongs to 's3'.${elsewhere}`) };
    }
    // Every x-amz-* header the edge may act on (x-amz-copy-source, x-amz-tagging, x-amz-meta-*…) must be signed, or
    // the holder of a presigned URL, or anyone replaying a signed request, adds one: refused before anything is looked up.
    const unsigned = unsignedAmzHeaders(req.headers, parsed);
    if (unsigned.length > 0) return { ok: false, error: s3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') }) };
    const who = await resolveKey(parsed.accessKeyId, parsed.sessionToken);
    if (!who.ok) {
      // Refused for its key (inactive, its session expired or revoked): whether the key's holder signed it (review tu, 3).
      if (who.error.code === 'ServiceUnavailable') return who;
      const signatureVerified = signedByKeyHolder(app, [sigRequest], parsed.signedAt, S3_SIGV4, signedAsSent);
      return signatureVerified === undefined ? who : { ...who, signatureVerified };
    }
    const signature = providedSignature(parsed, header(req, 'authorization'), rawQuery);
    if (signature === undefined || !checkSignatureOnly(parsed, who.value.secret, signature)) {
      return {
        ok: false,
        error: s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
          AWSAccessKeyId: parsed.accessKeyId,
          StringToSign: parsed.stringToSign(),
          SignatureProvided: signature ?? '',
          StringToSignBytes: hexBytes(parsed.stringToSign()),
          CanonicalRequest: parsed.canonicalRequest(),
          CanonicalRequestBytes: hexBytes(parsed.canonicalRequest()),
        }),
        // Checked with the key's secret, and not its signature: said in its record (review vi, 2).
        ...(signature !== undefined ? { signatureVerified: false } : {}),
      };
    }
    app.keyUse.note(keyUsedBy(who.value.caller, parsed.accessKeyId), 's3', parsed.region);
    app.signatureVerified(who.value.caller);
    return { ok: true, value: { caller: who.value.caller, v4: { parsed, secret: who.value.secret, signature } } };
  }

  /** The body's checks, from the headers the client sent (and signed). */
  /** `describesObject`: the request's `x-amz-checksum-*` headers are the object's (CompleteMultipartUpload), not its body's. */
  function bodyOptions(req: IncomingMessage, auth: Authenticated, limit?: number, describesObject = false): { ok: true; value: BodyOptions } | { ok: false; error: S3Error } {
    const v4 = auth.v4;
    // A presigned URL's payload hash is in its query when its signer put one there (`X-Amz-Content-Sha256`, signed as the
    // canonical request's last line): a hex one is the body's check, as the header's is; else UNSIGNED-PAYLOAD (review
    // ld, 2: a URL signing a body's hash stored any body).
    const declared = header(req, 'x-amz-content-sha256') ?? (v4 === undefined ? 'UNSIGNED-PAYLOAD' : v4.parsed.form === 'presigned' ? (v4.parsed.declaredPayloadHash ?? 'UNSIGNED-PAYLOAD') : undefined);
    const method = req.method ?? 'GET';
    if (declared === undefined && (method === 'PUT' || method === 'POST')) return { ok: false, error: s3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256') };
    const chunked = declared !== undefined && STREAMING.has(declared);
    if (declared !== undefined && declared.startsWith('STREAMING-') && !chunked) return { ok: false, error: s3Error('NotImplemented', `x-amz-content-sha256 \`${declared}\` is not supported; use STREAMING-AWS4-HMAC-SHA256-PAYLOAD or an HMAC form`) };
    // A checksum of an algorithm the gateway does not compute (SDK v3's ChecksumSHA512, ChecksumMD5, ChecksumXXHASH64…)
    // is refused, as S3 refuses an algorithm it does not know: ignored, the body was stored as if it had been checked.
    for (const name of Object.keys(req.headers)) {
      if (name.startsWith('x-amz-checksum-') && !NOT_CHECKSUM_VALUES.has(name) && CHECKSUM_HEADERS[name] === undefined) {
        return { ok: false, error: s3Error('InvalidRequest', 'The algorithm type you specified in x-amz-checksum- header is invalid.') };
      }
    }
    let checksum: BodyOptions['checksum'];
    for (const [name, algorithm] of Object.entries(CHECKSUM_HEADERS)) {
      const v = describesObject ? undefined : header(req, name);
      if (v !== undefined) checksum = { algorithm, expected: v };
    }
    // S3 reads `x-amz-trailer` as a list that may end in commas (`x-amz-checksum-crc32,` is accepted; a leading comma
    // or an empty member between two is not): the value as it came refused a body S3 stores.
    const trailer = header(req, 'x-amz-trailer')?.trim().replace(/,+$/, '');
    // One checksum a body, as S3 takes it: of two, only one was checked (the last in CHECKSUM_HEADERS' order, or the
    // trailer's over a header's), so a wrong one was stored as if checked (review cr, 5).
    const declaredChecksums = (describesObject ? 0 : CHECKSUM_VALUE_HEADERS.filter((name) => req.headers[name] !== undefined).length) + (chunked && trailer !== undefined && /^x-amz-checksum-/i.test(trailer.trim()) ? 1 : 0);
    if (declaredChecksums > 1) return { ok: false, error: s3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.') };
    // S3 refuses a value that is not the base64 of a digest of its algorithm before it reads the body, with its own
    // message; only a well-formed value that the body does not match is BadDigest.
    if (checksum?.expected !== undefined && !isChecksumValue(checksum.algorithm, checksum.expected)) {
      return { ok: false, error: s3Error('InvalidRequest', `Value for x-amz-checksum-${checksum.algorithm} header is invalid.`) };
    }
    // So is a Content-MD5 that is not the base64 of an MD5 (16 bytes): InvalidDigest, as S3 answers it (ErrorResponses,
    // "The Content-MD5 or checksum value that you specified is not valid"). It was read whole, then called BadDigest.
    const md5 = header(req, 'content-md5');
    if (md5 !== undefined && !isMd5Value(md5)) return { ok: false, error: s3Error('InvalidDigest', 'The Content-MD5 you specified was not valid.') };
    if (chunked && trailer !== undefined) {
      const algorithm = CHECKSUM_HEADERS[trailer.trim().toLowerCase()];
      if (algorithm === undefined) return { ok: false, error: s3Error('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported') };
      checksum = { algorithm };
    }
    // `x-amz-sdk-checksum-algorithm` names the algorithm of the checksum sent (a header or the trailer), as S3 reads
    // it: one it does not know, or another than the checksum's, is refused with the same message; one without any
    // checksum with another (checking-object-integrity-upload.html; S3's answers as versitygw and Swift's s3api
    // tests record them).
    const sdkAlgorithm = header(req, 'x-amz-sdk-checksum-algorithm');
    if (sdkAlgorithm !== undefined) {
      if (checksum === undefined) return { ok: false, error: s3Error('InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.') };
      if (sdkAlgorithm.trim().toUpperCase() !== CHECKSUM_NAMES[checksum.algorithm]) return { ok: false, error: s3Error('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.') };
    }
    const sizeText = chunked ? header(req, 'x-amz-decoded-content-length') : header(req, 'content-length');
    const size = sizeText !== undefined && /^\d{1,16}$/.test(sizeText) ? Number(sizeText) : undefined;
    if (chunked && size === undefined) return { ok: false, error: s3Error('MissingContentLength', 'You must provide the x-amz-decoded-content-length header with an aws-chunked body.') };
    if (limit !== undefined && size !== undefined && size > limit) return { ok: false, error: s3Error('MaxMessageLengthExceeded', `Your request was too big: at most ${limit} bytes`) };
    const signed = declared === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' || declared === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
    if (signed && v4 === undefined) return { ok: false, error: s3Error('InvalidRequest', 'signed aws-chunked payloads need a SigV4 signature') };
    return {
      ok: true,
      value: {
        chunked,
        ...(signed && v4 ? { signatures: chunkSignatures(v4.parsed, v4.secret, v4.signature) } : {}),
        ...(declared === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' ? { signedTrailer: true } : {}),
        ...(declared !== undefined && /^[0-9a-fA-F]{64}$/.test(declared) ? { sha256Hex: declared } : {}),
        ...(checksum ? { checksum } : {}),
        ...(size !== undefined ? { size } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(chunked ? { minChunkSize: MIN_CHUNK_SIZE } : {}),
      },
    };
  }

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string | number> = {}): void {
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function sendXml(res: ServerResponse, root: string, body: { readonly [name: string]: XmlNode }, headers: Record<string, string | number> = {}): void {
    send(res, 200, xmlDocument(root, body), headers);
  }

  function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
    res.writeHead(status, headers);
    res.end();
  }

  function sendError(req: IncomingMessage, res: ServerResponse, error: S3Error, resource: string, requestId: string, headers: Record<string, string | number> = {}): void {
    if (res.headersSent) return void res.destroy();
    // A body the client is still sending is not read: the connection closes after the answer. A request without a
    // body (a HEAD, a GET) keeps its connection: closing it after every refusal or 404 made clients that probe keys
    // with HEAD (`aws s3 cp`, s3fs, rclone) open a connection, and a TLS session, per missing key.
    if (!req.complete && sendsBody(req)) {
      res.setHeader('connection', 'close');
      req.resume();
    }
    const status = S3_STATUS[error.code];
    const document = errorDocument(error.code, error.message, resource, requestId, error.extra);
    // A HEAD error has no body, and says the length the GET's error would have (RFC 9110 §9.3.2): without a
    // Content-Length, Node's clients did not reuse the connection after it.
    if (req.method === 'HEAD') return sendEmpty(res, status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(document), ...headers });
    send(res, status, document, headers);
  }

  /** A use case's failure, with the names S3 puts in its error document (`<BucketName>`, `<Key>`, `<UploadId>`) when it has them. */
  const failure = (e: S3Failure): S3Error => {
    const names = {
      ...(e.bucketName !== undefined ? { BucketName: e.bucketName } : {}),
      ...(e.key !== undefined ? { Key: e.key } : {}),
      ...(e.uploadId !== undefined ? { UploadId: e.uploadId } : {}),
      // A body shorter or longer than declared: both numbers, as S3's document gives them (review qj, 4).
      ...(e.bytes !== undefined ? { NumberBytesExpected: String(e.bytes.expected), NumberBytesProvided: String(e.bytes.provided) } : {}),
      // Which condition did not hold, as S3's 412 names it (review sf, 2).
      ...(e.condition !== undefined ? { Condition: e.condition } : {}),
      // A key over S3's limit: its size and the limit, as S3's KeyTooLongError gives them (review ti, 4).
      ...(e.keySize !== undefined ? { Size: String(e.keySize), MaxSizeAllowed: String(MAX_KEY_BYTES) } : {}),
    };
    return s3Error(e.code, e.message, Object.keys(names).length > 0 ? names : undefined);
  };

  /**
   * The answer to an IAM or STS request sent here (`queryApiCall`), in the Query API's error shape, which the aws
   * CLI and the SDKs read (`An error occurred (AuthorizationHeaderMalformed) when calling the ListUsers operation:
   * …`), saying where those requests go. The S3 error's extras (a string to sign) are not sent.
   */
  function sendQueryError(req: IncomingMessage, res: ServerResponse, call: { readonly service: 'iam' | 'sts' | undefined }, code: string, status: number, message: string, requestId: string): void {
    if (res.headersSent) return void res.destroy();
    if (!req.complete && sendsBody(req)) {
      res.setHeader('connection', 'close');
      req.resume();
    }
    if (req.method === 'HEAD') return sendEmpty(res, status);
    const api = opts.apiAddress?.() || 'the `gatehouse server --listen` address, http://127.0.0.1:8470 by default';
    const hint = `This is Gatehouse's S3 gateway, which serves S3 requests only; send IAM, STS and admin API requests to ${api}`;
    const text = `${message.replace(/\s*$/, '')}${/[.!?]$/.test(message.trim()) ? '' : '.'} ${hint}`;
    send(res, status, queryError(QUERY_NAMESPACES[call.service ?? 'iam'], 'Sender', code, text, requestId), { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const query = new Query(rawQuery);
    const method = req.method ?? 'GET';
    let bucket = '';
    let key = '';
    // Path-style (`/bucket/key`), or virtual-hosted under `*.localhost` (RFC 6761 names that resolve to loopback),
    // which SDK v3 picks for an endpoint named `localhost` unless told `forcePathStyle`.
    const virtual = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.localhost(?::\d+)?$/i.exec(header(req, 'host') ?? '');
    try {
      if (virtual) {
        bucket = (virtual[1] as string).toLowerCase();
        key = decodeURIComponent(rawPath.slice(1));
      } else {
        const slash = rawPath.indexOf('/', 1);
        bucket = decodeURIComponent(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
        key = slash < 0 ? '' : decodeURIComponent(rawPath.slice(slash + 1));
      }
    } catch {
      return sendError(req, res, s3Error('InvalidRequest', 'The request path is not valid percent-encoded UTF-8.'), rawPath, requestId);
    }
    const resource = bucket === '' ? '/' : key === '' ? `/${bucket}` : `/${bucket}/${key}`;
    /**
     * The object's URL, as CompleteMultipartUpload's `Location` names it (API_CompleteMultipartUpload: "The URI that
     * identifies the newly created object"; S3 answers `https://bucket.s3.region.amazonaws.com/key`): absolute, on the
     * host and in the addressing style the request used, its key percent-encoded so that the URL fetches the object.
     * It was `/${bucket}/${key}`, relative and raw: what a client keeps as the object's address (lib-storage's
     * `Upload`, the Go s3manager) named no host, and a key with a space, `%`, `?` or `#` named another resource or none.
     */
    const objectUrl = (): string => {
      const host = header(req, 'host') ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? ''}`;
      return `${opts.tls ? 'https' : 'http'}://${host}${virtual ? '' : `/${bucket}`}/${uriPath(key)}`;
    };
    const fail = (error: S3Error, headers?: Record<string, string | number>): void => sendError(req, res, error, resource, requestId, headers);
    // As the path: a query parameter that does not decode is refused, never dropped (the request would run without it).
    if (query.undecodable !== undefined) {
      return fail(s3Error('InvalidRequest', `The query parameter \`${query.undecodable}\` is not valid percent-encoded UTF-8.`));
    }
    // Nor is one given twice acted on by its first value alone (review ti, 2); its values are not quoted (a token's may be).
    if (query.repeated !== undefined) {
      return fail(s3Error('InvalidArgument', `The query parameter \`${query.repeated}\` was given more than once; send it once.`, { ArgumentName: query.repeated }));
    }

    /**
     * POST Object (RESTObjectPOST: a browser form upload, `multipart/form-data`, whose signature is a form field over
     * its POST policy, as boto3's `generate_presigned_post` and `@aws-sdk/s3-presigned-post` make it) is not served.
     * Carrying no Authorization header or signed query, it was refused as an anonymous request (403), which sent its
     * user to debug signing; it is refused as the operation it is, saying what to use instead (review ls, 3).
     */
    if (method === 'POST' && bucket !== '' && key === '' && /^multipart\/form-data\b/i.test(header(req, 'content-type') ?? '') && header(req, 'authorization') === undefined && !/(?:^|&)(?:X-Amz-Signature|Signature)=/.test(rawQuery)) {
      return fail(s3Error('NotImplemented', 'A header or query you provided requested a function that is not implemented: POST Object (a browser form upload signed with a POST policy); upload with a presigned PUT URL instead (PutObject, presigned)'));
    }
    const queryApi = queryApiCall(req, bucket, query);
    const auth = await authenticate(req, rawQuery, virtual ? bucket : undefined);
    if (!auth.ok) {
      // Refused at authentication: recorded (flood-limited) under the claimed key's owner, or `anonymous`; never the
      // error's extras (the string to sign and canonical request carry the session token).
      const claimed = claimedCredential(header(req, 'authorization'), header(req, 'x-amz-security-token'), rawQuery);
      const attempt = attemptedS3(method, bucket, key, query, resource);
      recordAuthFailure(app, { ...claimed, ...attempt, code: auth.error.code, message: auth.error.message, sourceIp: sourceIpOf(req), requestId, signatureVerified: auth.signatureVerified });
      if (queryApi) return sendQueryError(req, res, queryApi, auth.error.code, S3_STATUS[auth.error.code], auth.error.message, requestId);
      return fail(auth.error);
    }
    if (queryApi) return sendQueryError(req, res, queryApi, 'InvalidAction', 400, 'IAM and STS actions are not served on this port', requestId);
    // A header-signed request carries x-amz-content-sha256 whatever its method, as S3 requires it (a presigned URL
    // needs none): only PUT and POST were refused, so a client that left it out of a GET worked here and not on S3.
    if (auth.value.v4?.parsed.form === 'header' && header(req, 'x-amz-content-sha256') === undefined) {
      return fail(s3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'));
    }
    // Before anything reads a header (the policy's request facts included): a signed query's x-amz-* are its headers.
    const asHeaders = auth.value.v4 !== undefined || auth.value.sigV2Query === true ? queryHeaders(req, query, auth.value.v4 === undefined) : new Set<string>();
    const contentSha256 = header(req, 'x-amz-content-sha256');
    // The payload's declaration: the header, else a presigned URL's signed `X-Amz-Content-Sha256` (as `bodyOptions` reads it).
    const declaredPayload = contentSha256 ?? (auth.value.v4?.parsed.form === 'presigned' ? auth.value.v4.parsed.declaredPayloadHash : undefined);
    const call: S3Call = {
      caller: auth.value.caller,
      facts: {
        ...requestFactsOf(req),
        signatureVersion: auth.value.v4 ? 'AWS4-HMAC-SHA256' : 'AWS',
        authType: header(req, 'authorization') !== undefined ? 'REST-HEADER' : 'REST-QUERY-STRING',
        ...(contentSha256 !== undefined ? { contentSha256 } : {}),
        ...(auth.value.v4 ? { signatureAgeMs: Date.now() - auth.value.v4.parsed.signedAt } : {}),
        ...tlsVersionOf(req),
        requestedRegion: auth.value.v4 ? auth.value.v4.parsed.region : region,
        headers: req.headers,
      },
    };
    const answer = <T>(r: S3Result<T>, then: (value: T) => void): void => (r.ok ? then(r.value) : fail(failure(r.error)));

    /**
     * The body, read only once the request is allowed: a client that sent `Expect: 100-continue` (the aws CLI and
     * boto3 do for uploads) is told to go on when the store first pulls, so a refused upload is never sent.
     */
    async function* source(): AsyncGenerator<Uint8Array> {
      if (awaitingContinue.has(req)) {
        awaitingContinue.delete(req);
        res.writeContinue();
      }
      yield* req;
    }

    /** A small body (XML, a policy), read whole through the same checks. */
    const smallBody = async (limit: number, describesObject = false): Promise<Buffer | undefined> => {
      const o = bodyOptions(req, auth.value, limit, describesObject);
      if (!o.ok) return void fail(o.error);
      // A checksum parameter in the query (SDK v3's presigner hoists the `x-amz-checksum-*` it computed over the body
      // the URL was made for, and signs it) is, under UNSIGNED-PAYLOAD, all that ties a presigned body to its signer:
      // unchecked, a URL presigned to delete one key deleted any other of the same length, a PutBucketPolicy URL set
      // any policy as long. A small body is checked against it as against the header (review tp, 1); uploads (PutObject,
      // UploadPart) are not small bodies and keep S3's rule of ignoring it.
      const signedSums = describesObject ? [] : [...query.map].flatMap(([name, value]) => {
        const algorithm = CHECKSUM_HEADERS[name.toLowerCase()];
        return algorithm === undefined ? [] : [{ algorithm, value }];
      });
      for (const { algorithm, value } of signedSums) {
        if (!isChecksumValue(algorithm, value)) return void fail(s3Error('InvalidRequest', `Value for x-amz-checksum-${algorithm} header is invalid.`));
      }
      try {
        const body = await readWhole(decodeBody(source(), o.value));
        const md5 = header(req, 'content-md5');
        if (md5 !== undefined) {
          const computed = createHash('md5').update(body).digest('base64');
          if (computed !== md5) return void fail(md5Mismatch(md5, computed));
        }
        for (const { algorithm, value } of signedSums) {
          const sum = checksumOf(algorithm);
          sum.update(body);
          if ((await sum.digest()) !== value) return void fail(s3Error('BadDigest', badChecksumMessage(algorithm)));
        }
        return body;
      } catch (e) {
        if (e instanceof BodyRejected) return void fail(e.error);
        throw e;
      }
    };

    /**
     * The streamed body of PutObject and UploadPart. The digests declared in headers are the store's to check: it
     * hashes every body anyway (MD5 for the ETag, SHA-256 kept), so hashing here too would read the bytes twice.
     * What only the edge can check (chunk signatures, trailing checksums, lengths) is checked here.
     */
    const streamBody = (): { ok: true; body: AsyncIterable<Uint8Array>; size?: number; digests: StoreDigests; sent: ChecksumAlgorithm | 'none' } | { ok: false } => {
      const o = bodyOptions(req, auth.value);
      if (!o.ok) {
        fail(o.error);
        return { ok: false };
      }
      // Neither Content-Length nor Transfer-Encoding: HTTP gives the request no body, and it was stored as an empty
      // object (or part) whatever the client meant to send; S3 asks for the length (Swift's s3api tests, against AWS).
      if (header(req, 'content-length') === undefined && header(req, 'transfer-encoding') === undefined) {
        fail(s3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.'));
        return { ok: false };
      }
      const { sha256Hex, checksum, ...rest } = o.value;
      const digests: { -readonly [K in keyof StoreDigests]: StoreDigests[K] } = {};
      if (sha256Hex !== undefined) digests.sha256Hex = sha256Hex;
      if (checksum !== undefined) digests.checksumAlgorithm = checksum.algorithm;
      let mine: BodyOptions['checksum'] = checksum;
      if (checksum?.expected !== undefined) {
        if (checksum.algorithm === 'crc32') digests.crc32Base64 = checksum.expected;
        else if (checksum.algorithm === 'crc32c') digests.crc32cBase64 = checksum.expected;
        else if (checksum.algorithm === 'crc64nvme') digests.crc64nvmeBase64 = checksum.expected;
        else if (checksum.algorithm === 'sha256') digests.sha256Base64 = checksum.expected;
        if (checksum.algorithm !== 'sha1') mine = undefined;
      }
      return { ok: true, body: decodeBody(source(), { ...rest, ...(mine ? { checksum: mine } : {}) }), ...(o.value.size !== undefined ? { size: o.value.size } : {}), digests, sent: checksum?.algorithm ?? 'none' };
    };
    const storing = async <T>(p: Promise<S3Result<T>>, then: (value: T) => void): Promise<void> => {
      try {
        const r = await p;
        // The store names the digest that failed, as declared and as computed; S3 has a code of its own for the signed
        // payload hash, and names both values of it and of a Content-MD5.
        const digest = r.ok ? undefined : r.error.digest;
        if (digest?.header === 'x-amz-content-sha256') return fail(sha256Mismatch(digest.declared, digest.computed));
        if (digest?.header === 'Content-MD5') return fail(md5Mismatch(digest.declared, digest.computed));
        // A checksum header the body does not match: S3's own message, naming the algorithm.
        const named = !r.ok && r.error.code === 'BadDigest' ? CHECKSUM_HEADERS[/`(x-amz-checksum-[a-z0-9]+)`/.exec(r.error.message)?.[1] ?? ''] : undefined;
        if (named !== undefined) return fail(s3Error('BadDigest', badChecksumMessage(named)));
        answer(r, then);
      } catch (e) {
        if (e instanceof BodyRejected) return fail(e.error);
        throw e;
      }
    };

    const unserved = unservedParam(method, bucket === '' ? 'service' : key === '' ? 'bucket' : 'object', query, asHeaders);
    if (unserved !== undefined) return fail(s3Error('NotImplemented', `A header or query you provided requested a function that is not implemented: ${method} ${resource}?${unserved}`));
    // `null` from here on, or absent: the use cases decide a request naming it as the versioned action (s3:GetObjectVersion…).
    const versionId = query.get('versionId');
    if (versionId !== undefined && versionId !== NULL_VERSION) return fail(invalidVersion('versionId', versionId));

    /**
     * `If-Match` / `If-None-Match` of a write (PutObject, CompleteMultipartUpload, CopyObject's destination), which the
     * use case passes to the store, which holds the commit to them (`PreconditionFailed`, 412). S3 takes only `*` in
     * If-None-Match on a write. Absent (`value` undefined) when the request carries neither.
     */
    const destinationConditions = (): { ok: true; value: WriteConditions | undefined } | { ok: false; error: S3Error } => {
      const ifMatch = header(req, 'if-match');
      const ifNoneMatch = header(req, 'if-none-match');
      if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
        return { ok: false, error: s3Error('NotImplemented', `A header you provided implies functionality that is not implemented: If-None-Match on ${method} takes only \`*\`, got \`${ifNoneMatch}\``) };
      }
      if (ifMatch === undefined && ifNoneMatch === undefined) return { ok: true, value: undefined };
      return { ok: true, value: { ...(ifMatch !== undefined ? { ifMatch: etagList(ifMatch, 'strong') } : {}), ...(ifNoneMatch !== undefined ? { ifNoneMatch: '*' as const } : {}) } };
    };
    /** `x-amz-copy-source-if-*` of CopyObject and UploadPartCopy, held against the version copied. */
    const sourceConditions = (): SourceConditions | undefined => {
      const ifMatch = header(req, 'x-amz-copy-source-if-match');
      const ifNoneMatch = header(req, 'x-amz-copy-source-if-none-match');
      // A date ahead of the server's clock is ignored, as S3 ignores it (LocalStack's AWS-validated copy preconditions):
      // held, it refused every copy whose client clock ran ahead (review qj, 3; GetObject's If-Modified-Since, qj 1).
      const sent = dateHeader(header(req, 'x-amz-copy-source-if-modified-since'));
      const ifModifiedSince = sent !== undefined && sent <= Date.now() ? sent : undefined;
      const ifUnmodifiedSince = dateHeader(header(req, 'x-amz-copy-source-if-unmodified-since'));
      const c: SourceConditions = {
        ...(ifMatch !== undefined ? { ifMatch: etagList(ifMatch, 'strong') } : {}),
        ...(ifNoneMatch !== undefined ? { ifNoneMatch: etagList(ifNoneMatch, 'weak') } : {}),
        ...(ifModifiedSince !== undefined ? { ifModifiedSince } : {}),
        ...(ifUnmodifiedSince !== undefined ? { ifUnmodifiedSince } : {}),
      };
      return Object.keys(c).length > 0 ? c : undefined;
    };

    // Service: ListBuckets.
    if (bucket === '') {
      if (method !== 'GET') return fail(s3Error('MethodNotAllowed', `The specified method is not allowed against this resource: ${method} /`));
      return listBuckets();
    }

    // Read-only answers some tools ask for before anything else (the owner's full control, no versioning).
    if (method === 'GET' && query.has('acl')) {
      return answer(key === '' ? await s3.bucketSetting(call, bucket, 's3:GetBucketAcl') : await s3.objectAcl(call, bucket, key, versionId), (b) => send(res, 200, aclDocument(b.owner)));
    }
    // PutObjectAcl and PutBucketAcl, as S3 answers them with ACLs disabled: an owner-only ACL is taken (nothing
    // changes), any other is 400 AccessControlListNotSupported. They were 501 NotImplemented, which failed the
    // cross-account writer's `aws s3api put-object-acl --acl bucket-owner-full-control` that S3 answers 200.
    if (method === 'PUT' && query.has('acl')) {
      const body = await smallBody(MAX_SMALL_XML_BODY);
      if (body === undefined) return;
      const grants = body.length === 0 ? undefined : parseAcl(body.toString('utf8'));
      if (body.length > 0 && grants === undefined) return fail(s3Error('MalformedACLError', 'The XML you provided was not well-formed or did not validate against our published schema'));
      return answer(await s3.putAcl(call, bucket, key === '' ? undefined : key, versionId, grants), () => sendEmpty(res, 200));
    }
    if (method === 'GET' && key === '' && query.has('versioning')) {
      return answer(await s3.bucketSetting(call, bucket, 's3:GetBucketVersioning'), () => sendXml(res, 'VersioningConfiguration', {}));
    }

    if (key === '') return bucketOperation();
    return objectOperation();

    /**
     * ListBuckets, and its paging (API_ListBuckets): `prefix`, `continuation-token`, `max-buckets` (1 to 10,000) and
     * `bucket-region`. With any of them the answer is a page (at most 10,000 when `max-buckets` is not sent, as S3
     * pages), names the next page's `ContinuationToken` when more remain, echoes `Prefix`, and gives each bucket its
     * `BucketRegion`; without, every bucket, as before. Every bucket is in the gateway's region, so another
     * `bucket-region` lists none.
     */
    async function listBuckets(): Promise<void> {
      const paged = ['prefix', 'continuation-token', 'max-buckets', 'bucket-region'].some((p) => query.has(p));
      const max = pagingNumber(query, 'max-buckets');
      if (!max.ok) return fail(max.error);
      if (max.value !== undefined && (max.value < 1 || max.value > MAX_BUCKETS_PAGE)) {
        return fail(s3Error('InvalidArgument', `Argument max-buckets must be an integer between 1 and ${MAX_BUCKETS_PAGE}`, { ArgumentName: 'max-buckets', ArgumentValue: query.get('max-buckets') ?? '' }));
      }
      const token = query.get('continuation-token');
      let after: string | undefined;
      if (token !== undefined && token !== '') {
        after = Buffer.from(token, 'base64url').toString('utf8');
        if (Buffer.from(after, 'utf8').toString('base64url') !== token) return fail(s3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token', ArgumentValue: token }));
      }
      const prefix = query.get('prefix');
      const bucketRegion = query.get('bucket-region');
      const page = paged ? { ...(prefix !== undefined && prefix !== '' ? { prefix } : {}), ...(after !== undefined ? { after } : {}), max: max.value ?? MAX_BUCKETS_PAGE } : undefined;
      return answer(await s3.listBuckets(call, page), (r) => {
        const buckets = bucketRegion !== undefined && bucketRegion !== '' && bucketRegion !== region ? [] : r.buckets;
        const next = buckets.length > 0 ? r.next : undefined;
        sendXml(res, 'ListAllMyBucketsResult', {
          Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: s3Date(b.created), ...(paged ? { BucketRegion: region } : {}) })) },
          Owner: ownerXml(call.caller.account),
          ...(next !== undefined ? { ContinuationToken: Buffer.from(next, 'utf8').toString('base64url') } : {}),
          ...(prefix !== undefined ? { Prefix: prefix } : {}),
        });
      });
    }

    async function bucketOperation(): Promise<void> {
      if (method === 'GET' && query.has('location')) {
        // us-east-1 is the empty constraint, as S3 answers it.
        const text = region === 'us-east-1' ? '' : escapeText(region);
        return answer(await s3.getBucketLocation(call, bucket), () => send(res, 200, `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${S3_NAMESPACE}">${text}</LocationConstraint>`));
      }
      if (query.has('policy')) {
        if (method === 'GET') return answer(await s3.getBucketPolicy(call, bucket), (doc) => send(res, 200, doc, { 'content-type': 'application/json' }));
        if (method === 'DELETE') return answer(await s3.deleteBucketPolicy(call, bucket), () => sendEmpty(res, 204));
        if (method === 'PUT') {
          const body = await smallBody(MAX_POLICY_BODY);
          if (body === undefined) return;
          return answer(await s3.putBucketPolicy(call, bucket, body.toString('utf8')), () => sendEmpty(res, 204));
        }
      }
      if (query.has('uploads') && method === 'GET') return listUploads();
      if (query.has('delete') && method === 'POST') return deleteObjects();
      switch (method) {
        case 'GET':
          return listObjects(query.get('list-type') === '2');
        case 'HEAD':
          return answer(await s3.headBucket(call, bucket), () => sendEmpty(res, 200, { 'x-amz-bucket-region': region }));
        case 'PUT': {
          const body = await smallBody(MAX_SMALL_XML_BODY);
          if (body === undefined) return;
          const configuration = parseCreateBucket(body.toString('utf8'));
          if (!configuration) return fail(s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'));
          return answer(await s3.createBucket(call, bucket, { location: configuration.location, region }), () => sendEmpty(res, 200, { location: `/${bucket}` }));
        }
        case 'DELETE':
          return answer(await s3.deleteBucket(call, bucket), () => sendEmpty(res, 204));
        default:
          return fail(s3Error('MethodNotAllowed', `The specified method is not allowed against this resource: ${method} /${bucket}`));
      }
    }

    async function listObjects(v2: boolean): Promise<void> {
      const maxText = query.get('max-keys');
      // An empty max-keys stays refused, as before S3's reading was matched: no trace shows what S3 makes of it.
      if (maxText === '') return fail(s3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: '' }));
      const max = pagingNumber(query, 'max-keys', 'maxKeys');
      if (!max.ok) return fail(max.error);
      const maxKeys = Math.min(1000, max.value ?? 1000);
      const encoding = encodingOf(query);
      if (!encoding.ok) return fail(encoding.error);
      const enc = (s: string): string => (encoding.url ? urlEncodeKey(s) : s);
      const prefix = query.get('prefix');
      const delimiter = query.get('delimiter');
      const token = v2 ? query.get('continuation-token') : undefined;
      let after = v2 ? query.get('start-after') : query.get('marker');
      if (token !== undefined) {
        const decoded = Buffer.from(token, 'base64url').toString('utf8');
        if (token === '' || Buffer.from(decoded, 'utf8').toString('base64url') !== token) return fail(s3Error('InvalidArgument', 'The continuation token provided is incorrect'));
        after = decoded;
      }
      const input = {
        bucket,
        ...(prefix !== undefined && prefix !== '' ? { prefix } : {}),
        ...(delimiter !== undefined && delimiter !== '' ? { delimiter } : {}),
        maxKeys: Math.max(1, maxKeys),
        ...(after !== undefined && after !== '' ? { after } : {}),
        // The condition keys take the parameters as sent (`prefix=` included, max-keys not capped), not as served.
        sent: { ...(prefix !== undefined ? { prefix } : {}), ...(delimiter !== undefined ? { delimiter } : {}), ...(maxText !== undefined ? { maxKeys: maxText } : {}) },
      };
      const r = await s3.listObjects(call, input);
      if (!r.ok) return fail(failure(r.error));
      const page = maxKeys === 0 ? { objects: [], prefixes: [], truncated: false } : r.value;
      // Every object is its bucket owner's (ACLs disabled); V2 names it only when asked (`fetch-owner=true`), as S3.
      const owner = ownerXml(r.value.owner);
      const withOwner = !v2 || query.get('fetch-owner') === 'true';
      const contents = page.objects.map((o) => ({ Key: enc(o.key), LastModified: s3Second(o.lastModified), ETag: `"${o.etag}"`, Size: o.size, ...(withOwner ? { Owner: owner } : {}), StorageClass: o.storageClass }));
      const prefixes = page.prefixes.map((p) => ({ Prefix: enc(p) }));
      const next = 'next' in page ? page.next : undefined;
      if (v2) {
        return sendXml(res, 'ListBucketResult', {
          Name: bucket,
          Prefix: enc(prefix ?? ''),
          ...(delimiter !== undefined ? { Delimiter: enc(delimiter) } : {}),
          MaxKeys: maxKeys,
          ...(encoding.url ? { EncodingType: 'url' } : {}),
          KeyCount: contents.length + prefixes.length,
          IsTruncated: page.truncated,
          ...(token !== undefined ? { ContinuationToken: token } : {}),
          ...(page.truncated && next !== undefined ? { NextContinuationToken: Buffer.from(next, 'utf8').toString('base64url') } : {}),
          ...(query.get('start-after') !== undefined ? { StartAfter: enc(query.get('start-after') ?? '') } : {}),
          Contents: contents,
          CommonPrefixes: prefixes,
        });
      }
      return sendXml(res, 'ListBucketResult', {
        Name: bucket,
        Prefix: enc(prefix ?? ''),
        Marker: enc(query.get('marker') ?? ''),
        // S3 names NextMarker only for a listing with a delimiter (API_ListObjects); without one, a client pages on
        // with the page's last Key, and one that read NextMarker here would break on S3 (review kr, 1).
        ...(page.truncated && next !== undefined && delimiter !== undefined && delimiter !== '' ? { NextMarker: enc(next) } : {}),
        MaxKeys: maxKeys,
        ...(delimiter !== undefined ? { Delimiter: enc(delimiter) } : {}),
        ...(encoding.url ? { EncodingType: 'url' } : {}),
        IsTruncated: page.truncated,
        Contents: contents,
        CommonPrefixes: prefixes,
      });
    }

    /**
     * ListMultipartUploads (API_ListMultipartUploads): `prefix`, `delimiter` (CommonPrefixes), `key-marker` and
     * `upload-id-marker`, `max-uploads` (default and at most 1000), `encoding-type=url`; a truncated page names where
     * the next starts (NextKeyMarker, and NextUploadIdMarker unless the page ends on a common prefix).
     */
    async function listUploads(): Promise<void> {
      const max = pagingNumber(query, 'max-uploads');
      if (!max.ok) return fail(max.error);
      const encoding = encodingOf(query);
      if (!encoding.ok) return fail(encoding.error);
      const enc = (s: string): string => (encoding.url ? urlEncodeKey(s) : s);
      const prefix = query.get('prefix');
      const delimiter = query.get('delimiter');
      const keyMarker = query.get('key-marker');
      // Ignored without a key-marker (API_ListMultipartUploads), and echoed as used.
      const uploadIdMarker = keyMarker ? query.get('upload-id-marker') : undefined;
      const maxUploads = Math.min(1000, max.value ?? 1000);
      const r = await s3.listUploads(call, {
        bucket,
        ...(prefix ? { prefix } : {}),
        ...(delimiter ? { delimiter } : {}),
        maxUploads,
        ...(keyMarker ? { keyMarker } : {}),
        ...(uploadIdMarker ? { uploadIdMarker } : {}),
      });
      return answer(r, (page) =>
        sendXml(res, 'ListMultipartUploadsResult', {
          Bucket: bucket,
          KeyMarker: enc(keyMarker ?? ''),
          UploadIdMarker: uploadIdMarker ?? '',
          ...(page.nextKeyMarker !== undefined ? { NextKeyMarker: enc(page.nextKeyMarker) } : {}),
          ...(page.nextUploadIdMarker !== undefined ? { NextUploadIdMarker: page.nextUploadIdMarker } : {}),
          ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
          Prefix: enc(prefix ?? ''),
          MaxUploads: maxUploads,
          ...(encoding.url ? { EncodingType: 'url' } : {}),
          IsTruncated: page.truncated,
          Upload: page.uploads.map((u) => ({ ...uploadChecksumElements(u.checksum), Key: enc(u.key), UploadId: u.uploadId, Initiator: initiatorXml(u.initiator, page.owner), Owner: ownerXml(page.owner), StorageClass: u.storageClass, Initiated: s3Date(u.initiated) })),
          CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
        }),
      );
    }

    async function deleteObjects(): Promise<void> {
      // S3 deletes only a list it can check (API_DeleteObjects): a Content-MD5, an x-amz-checksum-* header, or one the
      // aws-chunked trailer carries (announced in x-amz-trailer); a presigned URL's signed checksum parameter counts (checked by smallBody), as
      // SDK v3 puts it there. Without one, a body damaged on its way deleted the keys it happened to name.
      const digested =
        header(req, 'content-md5') !== undefined ||
        CHECKSUM_VALUE_HEADERS.some((name) => req.headers[name] !== undefined) ||
        [...query.map.keys()].some((name) => CHECKSUM_HEADERS[name.toLowerCase()] !== undefined) ||
        // A trailer is in an aws-chunked body only (`STREAMING-…-TRAILER`), where the body reader checks it; on any other
        // body the header announces a checksum no one computed, and was taken as the digest (review tp, 2).
        (/^STREAMING-.*-TRAILER$/.test(declaredPayload ?? '') && /^\s*x-amz-checksum-/i.test(header(req, 'x-amz-trailer') ?? ''));
      if (!digested) return fail(s3Error('InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*'));
      const body = await smallBody(MAX_XML_BODY);
      if (body === undefined) return;
      const parsed = parseDelete(body.toString('utf8'));
      if (!parsed) return fail(s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'));
      // An entry naming a version other than `null` names nothing here: refused in the answer, its key left alone.
      const refused = parsed.objects.filter((o) => o.versionId !== undefined && o.versionId !== NULL_VERSION);
      const served = parsed.objects.filter((o) => o.versionId === undefined || o.versionId === NULL_VERSION);
      const nullVersion = new Set(served.filter((o) => o.versionId === NULL_VERSION).map((o) => o.key));
      if (parsed.directoryConditions) return fail(s3Error('NotImplemented', 'A header you provided implies functionality that is not implemented: an Object entry with `LastModifiedTime` or `Size` (a conditional delete of directory buckets); use `ETag`'));
      // An entry's `ETag` makes its deletion conditional (If-Match), unquoted as the header's are.
      const entries = served.map((o) => (o.etag === undefined ? o : { ...o, etag: etagList(o.etag, 'strong')[0] ?? '' }));
      return answer(await s3.deleteObjects(call, bucket, entries), (r) =>
        sendXml(res, 'DeleteResult', {
          Deleted: parsed.quiet ? [] : r.deleted.map((k) => (nullVersion.has(k) ? { Key: k, VersionId: NULL_VERSION } : { Key: k })),
          Error: [
            ...refused.map((o) => ({ Key: o.key, VersionId: o.versionId ?? '', Code: 'InvalidArgument', Message: 'Invalid version id specified' })),
            ...r.errors.map((e) => ({ Key: e.key, Code: e.code, Message: e.message })),
          ],
        }),
      );
    }

    async function objectOperation(): Promise<void> {
      const uploadId = query.get('uploadId');
      if (query.has('tagging')) return objectTagging();
      if (query.has('attributes')) return objectAttributes();
      switch (method) {
        case 'PUT': {
          // A part's number without its upload is no PutObject or CopyObject: S3 refuses it (InvalidArgument, "This
          // operation does not accept partNumber without uploadId"), where it was stored as the whole object, the part's
          // bytes (or the whole copy source) over what the key held. An upload without a part number is no UploadPart:
          // S3 answers 405, the methods an upload takes being DELETE, POST and GET.
          if (uploadId === undefined && query.has('partNumber')) {
            return fail(s3Error('InvalidArgument', 'This operation does not accept partNumber without uploadId', { ArgumentName: 'partNumber', ArgumentValue: query.get('partNumber') ?? '' }));
          }
          if (uploadId !== undefined && !query.has('partNumber')) {
            return fail(s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource: PUT on a multipart upload takes a partNumber (UploadPart)', { Method: 'PUT', ResourceType: 'UPLOAD' }), { allow: 'DELETE, POST, GET' });
          }
          if (uploadId !== undefined) {
            const partText = query.get('partNumber') ?? '';
            if (!/^\d{1,5}$/.test(partText) || Number(partText) < 1 || Number(partText) > 10_000) return fail(s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive'));
            const partSource = header(req, 'x-amz-copy-source');
            if (partSource !== undefined) {
              const from = copySourceOf(partSource);
              if (!from) return fail(s3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey'));
              if (from.versionId !== undefined && from.versionId !== NULL_VERSION) return fail(invalidVersion('x-amz-copy-source', partSource));
              const rangeText = header(req, 'x-amz-copy-source-range');
              const m = rangeText === undefined ? null : /^bytes=(\d+)-(\d+)$/.exec(rangeText.trim());
              // S3's document names the header and what it carried (ArgumentName, ArgumentValue).
              if (rangeText !== undefined && !m) {
                return fail(s3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rangeText }));
              }
              const range = m ? { start: Number(m[1]), end: Number(m[2]) } : undefined;
              // The part's checksum under its upload's algorithm is in the result (API_CopyPartResult), as UploadPart's
              // header: s3transfer's multipart copy (`aws s3 cp s3://… s3://… --checksum-algorithm CRC32`) lists each
              // part's in CompleteMultipartUpload from there, and a COMPOSITE upload is refused without them.
              return answer(await s3.uploadPartCopy(call, from, { bucket, key, uploadId, partNumber: Number(partText) }, range, sourceConditions()), (part) =>
                sendXml(res, 'CopyPartResult', {
                  LastModified: s3Second(part.lastModified),
                  ETag: `"${part.etag}"`,
                  ...(part.checksum !== undefined && part.checksumAlgorithm !== undefined ? { [CHECKSUM_ELEMENTS[part.checksumAlgorithm]]: part.checksum } : {}),
                }),
              );
            }
            const b = streamBody();
            if (!b.ok) return;
            const md5 = header(req, 'content-md5');
            const { checksumAlgorithm: _kept, ...declared } = b.digests;
            return storing(s3.uploadPart(call, { bucket, key, uploadId, partNumber: Number(partText), body: b.body, ...(b.size !== undefined ? { size: b.size } : {}), ...(md5 !== undefined ? { contentMd5: md5 } : {}), ...declared, sent: b.sent }), (part) =>
              sendEmpty(res, 200, { etag: `"${part.etag}"`, ...(part.checksum !== undefined && b.sent !== 'none' ? { [`x-amz-checksum-${b.sent}`]: part.checksum } : {}) }),
            );
          }
          const copySource = header(req, 'x-amz-copy-source');
          if (copySource !== undefined) return copyObject(copySource);
          const conditions = destinationConditions();
          if (!conditions.ok) return fail(conditions.error);
          const b = streamBody();
          if (!b.ok) return;
          const metadata = metadataOf(req);
          const tooLarge = metadataTooLarge(metadata);
          if (tooLarge) return fail(tooLarge);
          const classed = objectClassOf(req);
          if (!classed.ok) return fail(classed.error);
          const tagged = tagsOf(header(req, 'x-amz-tagging'));
          if (!tagged.ok) return fail(tagged.error);
          const tags = tagged.value;
          const md5 = header(req, 'content-md5');
          const contentType = header(req, 'content-type');
          return storing(
            s3.putObject(call, {
              bucket,
              key,
              body: b.body,
              ...(b.size !== undefined ? { size: b.size } : {}),
              ...(contentType !== undefined ? { contentType } : {}),
              metadata,
              headers: objectHeadersOf(req),
              ...(tags ? { tags } : {}),
              ...classed.value,
              ...(md5 !== undefined ? { contentMd5: md5 } : {}),
              ...b.digests,
              ...(conditions.value ? { conditions: conditions.value } : {}),
            }),
            (info) => sendEmpty(res, 200, { etag: `"${info.etag}"`, ...checksumHeaders(info.checksum) }),
          );
        }
        case 'GET':
        case 'HEAD': {
          if (uploadId !== undefined && method === 'GET') {
            // As API_ListParts: at most 1000 parts a page (the default), after `part-number-marker`.
            const max = pagingNumber(query, 'max-parts');
            if (!max.ok) return fail(max.error);
            const after = pagingNumber(query, 'part-number-marker');
            if (!after.ok) return fail(after.error);
            const maxParts = Math.min(1000, max.value ?? 1000);
            const marker = after.value ?? 0;
            return answer(await s3.listParts(call, bucket, key, uploadId, { after: marker, maxParts }), (r) =>
              sendXml(res, 'ListPartsResult', {
                Bucket: bucket,
                Key: key,
                UploadId: uploadId,
                Initiator: initiatorXml(r.initiator, r.owner),
                Owner: ownerXml(r.owner),
                StorageClass: r.storageClass,
                ...uploadChecksumElements(r.checksum),
                PartNumberMarker: marker,
                ...(r.truncated && r.next !== undefined ? { NextPartNumberMarker: r.next } : {}),
                MaxParts: maxParts,
                IsTruncated: r.truncated,
                Part: r.parts.map((p) => ({
                  PartNumber: p.partNumber,
                  LastModified: s3Second(p.lastModified),
                  ETag: `"${p.etag}"`,
                  Size: p.size,
                  ...(p.checksum !== undefined && r.checksum !== undefined ? { [CHECKSUM_ELEMENTS[r.checksum.algorithm]]: p.checksum } : {}),
                })),
              }),
            );
          }
          return getObject(method === 'HEAD');
        }
        case 'DELETE':
          if (uploadId !== undefined) {
            // S3 takes AbortMultipartUpload's condition on the upload's start on directory buckets only: refused, as
            // DeleteObject's, rather than dropped, which aborted an upload the client did not mean (review kr, 5).
            if (header(req, 'x-amz-if-match-initiated-time') !== undefined) {
              return fail(s3Error('NotImplemented', 'A header you provided implies functionality that is not implemented: `x-amz-if-match-initiated-time` (a conditional abort of directory buckets); check the upload with ListMultipartUploads, then abort it without the header'));
            }
            return answer(await s3.abortUpload(call, bucket, key, uploadId), () => sendEmpty(res, 204));
          }
          {
            // A conditional delete (If-Match: an ETag or `*`), held by the store in the key's lock. The directory-bucket
            // conditions on time and size are refused rather than dropped: the object would go whatever they say.
            const onlyDirectory = DIRECTORY_DELETE_CONDITIONS.find((name) => header(req, name) !== undefined);
            if (onlyDirectory !== undefined) return fail(s3Error('NotImplemented', `A header you provided implies functionality that is not implemented: \`${onlyDirectory}\` (a conditional delete of directory buckets); use If-Match with the object's ETag`));
            const ifMatch = header(req, 'if-match');
            const conditions = ifMatch === undefined ? undefined : { ifMatch: etagList(ifMatch, 'strong') };
            return answer(await s3.deleteObject(call, bucket, key, versionId, conditions), () => sendEmpty(res, 204));
          }
        case 'POST': {
          if (query.has('uploads')) {
            const metadata = metadataOf(req);
            const tooLarge = metadataTooLarge(metadata);
            if (tooLarge) return fail(tooLarge);
            const classed = objectClassOf(req);
            if (!classed.ok) return fail(classed.error);
            const summed = uploadChecksumOf(req);
            if (!summed.ok) return fail(summed.error);
            const tagged = tagsOf(header(req, 'x-amz-tagging'));
            if (!tagged.ok) return fail(tagged.error);
            const tags = tagged.value;
            const contentType = header(req, 'content-type');
            const input = { bucket, key, ...(contentType !== undefined ? { contentType } : {}), metadata, headers: objectHeadersOf(req), ...(tags ? { tags } : {}), ...classed.value, ...(summed.value ? { checksum: summed.value } : {}) };
            return answer(await s3.createUpload(call, input), (u) =>
              sendXml(res, 'InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: u.uploadId }, u.checksum === undefined ? {} : { 'x-amz-checksum-algorithm': CHECKSUM_NAMES[u.checksum.algorithm], 'x-amz-checksum-type': u.checksum.type }),
            );
          }
          if (uploadId !== undefined) {
            const conditions = destinationConditions();
            if (!conditions.ok) return fail(conditions.error);
            const checks = completeChecksOf(req, query);
            if (!checks.ok) return fail(checks.error);
            const body = await smallBody(MAX_XML_BODY, true);
            if (body === undefined) return;
            const parts = parseComplete(body.toString('utf8'));
            if (!parts) return fail(s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'));
            return answer(await s3.completeUpload(call, bucket, key, uploadId, parts, conditions.value, checks.value), (info) =>
              sendXml(res, 'CompleteMultipartUploadResult', { Location: objectUrl(), Bucket: bucket, Key: key, ETag: `"${info.etag}"`, ...checksumElements(info.checksum) }),
            );
          }
          return fail(s3Error('MethodNotAllowed', `The specified method is not allowed against this resource: POST ${resource}`));
        }
        default:
          return fail(s3Error('MethodNotAllowed', `The specified method is not allowed against this resource: ${method} ${resource}`));
      }
    }

    async function objectTagging(): Promise<void> {
      if (method === 'GET') {
        return answer(await s3.getObjectTagging(call, bucket, key, versionId), (tags) =>
          sendXml(res, 'Tagging', { TagSet: { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } }),
        );
      }
      if (method === 'DELETE') return answer(await s3.putObjectTagging(call, bucket, key, undefined, versionId), () => sendEmpty(res, 204));
      if (method === 'PUT') {
        const body = await smallBody(MAX_SMALL_XML_BODY);
        if (body === undefined) return;
        const pairs = parseTagPairs(body.toString('utf8'));
        if (!pairs) return fail(s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'));
        // A well-formed set S3 would not take is InvalidTag, saying why: it was MalformedXML, which named no reason.
        const problem = tagSetProblem(pairs);
        if (problem !== undefined) return fail(s3Error('InvalidTag', problem));
        return answer(await s3.putObjectTagging(call, bucket, key, tagRecord(pairs), versionId), () => sendEmpty(res, 200));
      }
      return fail(s3Error('MethodNotAllowed', `The specified method is not allowed against this resource: ${method} ${resource}?tagging`));
    }

    /**
     * GetObjectAttributes (API_GetObjectAttributes): only the root fields `x-amz-object-attributes` names, the ETag
     * unquoted, `ObjectParts` only for a multipart object (its `PartsCount`, from the ETag's `-N`). S3 lists each
     * `Part` only for an object uploaded with additional checksums; the store keeps no part's checksum or size in
     * the object's record, so no `Part` is listed (the count is). A missing or empty header, and a name S3 does not
     * know, are refused before anything is read, in S3's words.
     */
    async function objectAttributes(): Promise<void> {
      const names = (header(req, 'x-amz-object-attributes') ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
      if (names.length === 0) return fail(s3Error('InvalidRequest', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty'));
      if (names.some((n) => !OBJECT_ATTRIBUTES.has(n))) return fail(s3Error('InvalidArgument', 'Invalid attribute name specified.'));
      const asked = new Set(names);
      return answer(await s3.objectAttributes(call, bucket, key, versionId), (info) => {
        const parts = /-(\d+)$/.exec(info.etag)?.[1];
        sendXml(
          res,
          'GetObjectAttributesResponse',
          {
            ...(asked.has('ETag') ? { ETag: info.etag } : {}),
            ...(asked.has('Checksum') && info.checksum ? { Checksum: checksumElements(info.checksum) } : {}),
            ...(asked.has('ObjectParts') && parts !== undefined ? { ObjectParts: { PartsCount: parts } } : {}),
            ...(asked.has('StorageClass') ? { StorageClass: info.storageClass } : {}),
            ...(asked.has('ObjectSize') ? { ObjectSize: String(info.size) } : {}),
          },
          { 'last-modified': httpDate(info.lastModified) },
        );
      });
    }

    async function copyObject(source: string): Promise<void> {
      const from = copySourceOf(source);
      if (!from) return fail(s3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey'));
      if (from.versionId !== undefined && from.versionId !== NULL_VERSION) return fail(invalidVersion('x-amz-copy-source', source));
      // Each directive is refused in its own words (S3's), naming the header and what it carried.
      const directive = (header(req, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
      const tagDirective = (header(req, 'x-amz-tagging-directive') ?? 'COPY').toUpperCase();
      for (const [name, value, message] of [
        ['x-amz-metadata-directive', directive, 'Unknown metadata directive.'],
        ['x-amz-tagging-directive', tagDirective, 'Unknown tagging directive.'],
      ] as const) {
        if (value !== 'COPY' && value !== 'REPLACE') return fail(s3Error('InvalidArgument', message, { ArgumentName: name, ArgumentValue: header(req, name) ?? '' }));
      }
      // The copy's class and redirect location are the request's with either directive: S3 copies neither.
      const classed = objectClassOf(req);
      if (!classed.ok) return fail(classed.error);
      const { storageClass, redirectLocation } = classed.value;
      // S3 refuses a copy onto itself that changes none of the object's metadata (REPLACE), storage class, website
      // redirect location or encryption attributes (API_CopyObject). Encryption headers count by being sent, as S3
      // counts them: the in-place copy with `x-amz-server-side-encryption: AES256` of AWS's "encrypting existing
      // objects" guide is legal onto an object already SSE-S3. AES256 is then copied as any write (the object stays
      // as written); another value is refused by the use case as on any write (501 for KMS and SSE-C, 400 unknown).
      const encryption = Object.keys(req.headers).some((h) => h.startsWith('x-amz-server-side-encryption'));
      // `x-amz-checksum-algorithm` (API_CopyObject): the copy's checksum under it. A copy onto itself that asks for one
      // is a change: it is how AWS documents changing an object's checksum algorithm ("Checking object integrity").
      const algorithmName = header(req, 'x-amz-checksum-algorithm');
      const checksumAlgorithm = algorithmName === undefined ? undefined : ALGORITHMS_BY_NAME.get(algorithmName.trim().toUpperCase());
      if (algorithmName !== undefined && checksumAlgorithm === undefined) return fail(s3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]'));
      if (from.bucket === bucket && from.key === key && directive === 'COPY' && tagDirective === 'COPY' && storageClass === undefined && redirectLocation === undefined && !encryption && checksumAlgorithm === undefined) {
        return fail(s3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."));
      }
      const contentType = header(req, 'content-type');
      const tagged = tagDirective === 'REPLACE' ? tagsOf(header(req, 'x-amz-tagging')) : ({ ok: true, value: undefined } as const);
      if (!tagged.ok) return fail(tagged.error);
      const tags = tagged.value;
      const metadata = metadataOf(req);
      const tooLarge = directive === 'REPLACE' ? metadataTooLarge(metadata) : undefined;
      if (tooLarge) return fail(tooLarge);
      const replace = {
        // REPLACE sets the request's system-defined metadata, dropping what it does not send, as S3 does: Content-Type
        // too, which without one is S3's default (`binary/octet-stream`, as a PutObject without one), not the source's.
        ...(directive === 'REPLACE' ? { contentType: contentType ?? DEFAULT_CONTENT_TYPE, metadata, headers: objectHeadersOf(req) } : {}),
        ...(tagDirective === 'REPLACE' ? { tags: tags ?? {} } : {}),
        ...classed.value,
        ...(checksumAlgorithm !== undefined ? { checksumAlgorithm } : {}),
      };
      const conditions = destinationConditions();
      if (!conditions.ok) return fail(conditions.error);
      const sourceIf = sourceConditions();
      const all: CopyConditions | undefined = sourceIf ? { ...conditions.value, source: sourceIf } : conditions.value;
      return answer(await s3.copyObject(call, from, { bucket, key }, Object.keys(replace).length > 0 ? replace : undefined, all), (info) =>
        sendXml(res, 'CopyObjectResult', {
          LastModified: s3Second(info.lastModified),
          ETag: `"${info.etag}"`,
          ...checksumElements(info.checksum),
        }),
      );
    }

    async function getObject(head: boolean): Promise<void> {
      const override = unsendableOverride(query);
      if (override) return fail(override);
      const checksumAsked = header(req, 'x-amz-checksum-mode')?.trim().toUpperCase() === 'ENABLED';
      /**
       * GetObject and HeadObject `?partNumber=N` (API_GetObject): the part of a multipart object, or of a single-part
       * object its only part, 1. A multipart object's part is its bytes (`partRange`, from the part sizes its record
       * keeps) with `x-amz-mp-parts-count`, which the Java and Go transfer managers read from part 1 to fetch the rest
       * in parallel (review ls, 2: part 1 was the whole object and any other 501). A part past the object's count is
       * 416 InvalidPartNumber, as S3 answers; it was once served as the whole object (200), which a downloader asking
       * part 2 spliced in. Asked after the decision, so only who may read the object learns how it was written.
       */
      const partText = query.get('partNumber');
      if (partText !== undefined && (!/^\d{1,5}$/.test(partText) || Number(partText) < 1 || Number(partText) > 10_000)) {
        return fail(s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: partText }));
      }
      // Both would select bytes; S3 refuses the pair rather than pick one.
      if (partText !== undefined && header(req, 'range') !== undefined) return fail(s3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter'));
      const partRefusal = (info: ObjectInfo): S3Error | undefined => {
        if (partText === undefined || Number(partText) <= (info.partSizes?.length ?? 1)) return undefined;
        return s3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable', { PartNumberRequested: partText, ActualPartCount: String(info.partSizes?.length ?? 1) });
      };
      /** `x-amz-mp-parts-count`, which S3 sends only when a part was asked of an object uploaded in parts (API_GetObject). */
      const partsCount = (info: ObjectInfo): Record<string, number> => (partText !== undefined && info.partSizes !== undefined ? { 'x-amz-mp-parts-count': info.partSizes.length } : {});
      const asked = parseRange(header(req, 'range'));
      // If-Range (RFC 9110 §13.1.5, as S3 honours it): the Range holds only while the object is the one it names.
      const ifRangeValue = header(req, 'if-range');
      const range = partText !== undefined ? { part: Number(partText) } : asked !== undefined && ifRangeValue !== undefined ? { ...asked, ifRange: ifRangeValue } : asked;
      /**
       * 416 InvalidRange as S3 writes it, with the range asked and the object's size (`RangeRequested`,
       * `ActualObjectSize`). The CRT tells an empty object by them: its first ranged GET of an object of unknown size
       * (`bytes=0-<part size - 1>`) is refused, and aws-c-s3 (`s_check_empty_file_download_error`) reads
       * `Error/ActualObjectSize` 0 to fetch the object again without a Range. Without it, every download of an empty
       * object (a `_SUCCESS` marker, an empty shard) through the CRT failed.
       */
      const invalidRange = (size: number): S3Error => s3Error('InvalidRange', 'The requested range is not satisfiable', { RangeRequested: header(req, 'range') ?? '', ActualObjectSize: String(size) });
      /**
       * `partNumber=1`, served as the whole object, is answered as S3 answers a part (and part 1 of a single-part
       * object, versity/versitygw#2074 shows it): 206 with `Content-Range: bytes 0-(size-1)/size`. The CRT's download
       * by part (aws-c-s3's GET_PART_NUMBER, for a file it expects to be one part) reads the object's size from that
       * Content-Range and failed without it. An empty object has no byte range to name: 200.
       */
      const wholePart = (info: ObjectInfo): { 'content-range': string } | undefined => (partText !== undefined && info.size > 0 ? { 'content-range': `bytes 0-${info.size - 1}/${info.size}` } : undefined);
      if (head) {
        return answer(await s3.headObject(call, bucket, key, versionId), (info) => {
          const part = partRefusal(info);
          if (part) return fail(part);
          const pre = preconditions(info);
          if (pre !== undefined) return pre === 304 ? sendEmpty(res, 304, { etag: `"${info.etag}"`, 'last-modified': httpDate(info.lastModified) }) : fail(preconditionFailed(pre));
          // HeadObject takes a Range as GetObject does (API_HeadObject: "If the Range is satisfiable, only the
          // ContentLength is affected in the response. If the Range is not satisfiable, S3 returns a 416"), answered
          // 206 with its Content-Range. The CRT's ranged download (aws-c-s3's auto-ranged GET, under Mountpoint,
          // s3torchconnector, the aws CLI's and boto3's CRT transfers) asks HeadObject with the GET's Range first and
          // reads the range to fetch from its Content-Range; ignored, it found none and failed every ranged read.
          const resolved = resolveRequestedRange(rangeOf(range, info), info.size);
          if (!resolved.ok) return fail(invalidRange(info.size), { 'content-range': `bytes */${info.size}` });
          if (resolved.value !== undefined) {
            const { start, end } = resolved.value;
            return sendEmpty(res, 206, { ...answerHeaders(info), ...partsCount(info), 'content-range': `bytes ${start}-${end}/${info.size}`, 'content-length': end - start + 1 });
          }
          const whole = wholePart(info);
          sendEmpty(res, whole ? 206 : 200, { ...answerHeaders(info), ...partsCount(info), ...(checksumAsked ? checksumHeaders(info.checksum) : {}), 'content-length': info.size, ...whole });
        });
      }
      const r = await s3.getObject(call, bucket, key, range, versionId);
      if (!r.ok) {
        if (!('info' in r)) return fail(failure(r.error));
        // An unsatisfiable Range: the preconditions first, as S3 and RFC 9110 §13.2.2 order them. A ranged download
        // that sends If-Match (s3transfer, the CRT) of an object replaced by a smaller one is told 412, which it reports
        // as the object having changed, not 416 for a range it computed from the object it had seen.
        const pre = preconditions(r.info);
        if (pre === 304) return sendEmpty(res, 304, { etag: `"${r.info.etag}"`, 'last-modified': httpDate(r.info.lastModified) });
        if (pre !== undefined) return fail(preconditionFailed(pre));
        return fail(r.error.code === 'InvalidRange' ? invalidRange(r.size) : failure(r.error), { 'content-range': `bytes */${r.size}` });
      }
      const { info, stream } = r.value;
      const part = partRefusal(info);
      if (part) {
        stream.destroy();
        return fail(part);
      }
      const pre = preconditions(info);
      if (pre !== undefined) {
        stream.destroy();
        if (pre === 304) return sendEmpty(res, 304, { etag: `"${info.etag}"`, 'last-modified': httpDate(info.lastModified) });
        return fail(preconditionFailed(pre));
      }
      const headers = { ...answerHeaders(info), ...partsCount(info) };
      let status = 200;
      if (r.value.range) {
        status = 206;
        headers['content-range'] = `bytes ${r.value.range.start}-${r.value.range.end}/${info.size}`;
        headers['content-length'] = r.value.range.end - r.value.range.start + 1;
      } else {
        headers['content-length'] = info.size;
        // The whole object's checksum goes with the whole object only: a client checks the bytes it got against it.
        if (checksumAsked) Object.assign(headers, checksumHeaders(info.checksum));
        const whole = wholePart(info);
        if (whole) {
          status = 206;
          Object.assign(headers, whole);
        }
      }
      res.writeHead(status, headers);
      try {
        if (sendsItself(stream)) {
          await stream.sendTo(res);
          res.end();
        } else await pipeline(stream, res);
      } catch (e) {
        // The integrity check failed mid-stream or the client went away: the body ends short, never wrong.
        if (!(e instanceof Error && /premature|ERR_STREAM_PREMATURE_CLOSE|aborted|EPIPE|ECONNRESET/i.test(`${(e as { code?: string }).code ?? ''} ${e.message}`))) log(`s3: GET ${resource} ended early: ${e instanceof Error ? e.message : String(e)}`);
        res.destroy();
      }
    }

    /**
     * The object's headers as GetObject and HeadObject answer them: a `response-*` query parameter overrides the
     * stored value for this answer (API_GetObject, API_HeadObject).
     */
    function answerHeaders(info: ObjectInfo): Record<string, string | number> {
      const headers = objectHeaders(info);
      for (const [param, name] of RESPONSE_OVERRIDES) {
        const v = query.get(param);
        if (v !== undefined) headers[name] = v;
      }
      return headers;
    }

    /** A 412 naming the header whose condition did not hold, as S3's document does (`<Condition>If-Match</Condition>`, review sf, 2). */
    function preconditionFailed(condition: 'If-Match' | 'If-Unmodified-Since'): S3Error {
      return s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
    }

    /** If-Match / If-None-Match / If-(Un)Modified-Since: 304, 412 (as PreconditionFailed, named by the header that failed), or go on. */
    function preconditions(info: ObjectInfo): 304 | 'If-Match' | 'If-Unmodified-Since' | undefined {
      const etag = `"${info.etag}"`;
      const ifMatch = header(req, 'if-match');
      const ifNoneMatch = header(req, 'if-none-match');
      const modified = Date.parse(info.lastModified);
      if (ifMatch !== undefined && !ifMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*' || t.trim() === info.etag)) return 'If-Match';
      const ius = dateHeader(header(req, 'if-unmodified-since'));
      if (ifMatch === undefined && ius !== undefined && Math.floor(modified / 1000) > Math.floor(ius / 1000)) return 'If-Unmodified-Since';
      // If-None-Match compares weakly (RFC 9110 §13.1.2): `W/"<etag>"`, as a cache that weakened the ETag sends it,
      // is the object's. If-Match above stays strong (§13.1.1). The copy's source conditions read `W/` so too.
      if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => [etag, '*', info.etag].includes(t.trim().replace(/^W\//, '')))) return 304;
      // A date later than the server's clock is not a valid If-Modified-Since (RFC 2616 §14.25 a) and is ignored, as S3
      // ignores it: held, a client whose clock runs ahead was told 304 for an object written since (review qj, 1).
      const ims = dateHeader(header(req, 'if-modified-since'));
      if (ifNoneMatch === undefined && ims !== undefined && ims <= Date.now() && Math.floor(modified / 1000) <= Math.floor(ims / 1000)) return 304;
      return undefined;
    }
  }

  const awaitingContinue = new WeakSet<IncomingMessage>();
  // A client that never finishes its headers (or its TLS hello) is cut within 25 s: Node checks the headers timeout
  // every `connectionsCheckingInterval` (30 s by default), and the connection cap below counts such clients too.
  const serverOptions = { headersTimeout: 20_000, connectionsCheckingInterval: 5_000, maxHeaderSize: 16 * 1024 };
  // An absolute-form target (`GET http://host/bucket/key`) as its origin form, before anything reads the path (review sl, 2).
  const behind = behindProxies(opts.trustedProxies ?? [], serve);
  // A connection's requests one at a time, each once the answers before it are sent, none behind an answer that closes
  // it (`waitsItsTurn`, as on `--listen`: review uq, 2): a GetObject pipelined behind a PutObject of its key was read
  // before the put was made, 404 after the put's 200 (RFC 9112 §9.3.2 lets only safe requests run side by side; review uw, 2).
  // Too many waiting their turn close the connection (`waitsItsTurn`: they were held without bound, review uz, 3).
  const proxied = (req: IncomingMessage, res: ServerResponse): void => {
    if (waitsItsTurn(req, res, proxied)) return;
    if (refusedForHost(req, res)) return;
    toOriginForm(req);
    behind(req, res);
  };
  const server: Server = opts.tls
    ? createTlsServer({ ...serverOptions, cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: 20_000 }, proxied)
    : createServer(serverOptions, proxied);
  const maxConnections = opts.maxConnections ?? S3_MAX_CONNECTIONS;
  server.maxConnections = maxConnections;
  // Every header within the 16 KiB is kept, not Node's first 1,000: a trusted proxy's X-Forwarded-For written after a
  // client's padding was dropped unsaid (review ky, 1; server.ts `boundedServer`).
  server.maxHeadersCount = 0;
  // A request line and headers past the 16 KiB are S3's 400 RequestHeaderSectionTooLarge in its error document (S3 API
  // reference, error codes): Node's bare 431 left the SDKs with `UnknownError`, as it once did on `--listen` (review ky,
  // 3; here review lz, 4). Everything else as Node answers it when no listener is set.
  const lingering = new WeakSet<Duplex>();
  server.on('clientError', (e: Error & { code?: string }, socket: Duplex & { _httpMessage?: { headersSent?: boolean } | null }) => {
    // The parser's later errors on a connection answered 400 and left to drain: its timer closes it.
    if (lingering.has(socket)) return;
    // Bytes after a request that said `Connection: close` are ignored; its answer still goes out (lifecycle.ts).
    if (e.code === CLOSED_CONNECTION) return;
    // Not on a keep-alive connection's bytes written: they count the answers before (server.ts `boundedServer`).
    if (socket.writable && !(socket._httpMessage?.headersSent ?? false)) {
      if (e.code === 'HPE_HEADER_OVERFLOW') {
        // Ended, not destroyed: the client is still sending the rest of its headers (and a body), and a socket closed
        // with unread bytes sends a reset that reached the SDK before the answer ("socket hang up"). What still comes is
        // read and dropped, for a second at most.
        lingering.add(socket);
        socket.end(s3HeadersTooLarge(serverOptions.maxHeaderSize));
        socket.on('data', () => {});
        setTimeout(() => socket.destroy(), 1_000).unref();
        return;
      } else if (e.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        // Timed under 408, not as a client that left (review nx, 1).
        // S3's `RequestTimeout` in its error document, which the SDKs retry as transient: it was a bare 408, which they
        // read as `UnknownError` (review ot, 3; as on `--listen`, review mj, 1).
        answeredRaw(socket._httpMessage, S3_STATUS.RequestTimeout);
        socket.write(s3RequestTimedOut());
      } else if (e.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') socket.write('HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n');
      else if (e.code !== 'ECONNRESET') socket.write('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
    socket.destroy();
  });
  let lastDropLog = 0;
  server.on('drop', () => {
    const t = Date.now();
    if (t - lastDropLog > 5000) {
      lastDropLog = t;
      log(`s3: connection refused: ${maxConnections} connections are open, the most this gateway accepts`);
    }
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.add(req);
    proxied(req, res);
  });
  const drain = drainable(server);
  function serve(req: IncomingMessage, res: ServerResponse): void {
    const metrics = opts.metrics;
    if (metrics) {
      // One listener for both, as on the API edge: the request leaves the in-flight count, a response sent in full is timed.
      const started = performance.now();
      drain.track(res, () => {
        metrics.observeRequest('s3', timedStatus(res), (performance.now() - started) / 1000);
      });
    } else drain.track(res);
    // One draw from the generator for both identifiers.
    const ids = randomBytes(32);
    const requestId = ids.toString('hex', 0, 8).toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    answeredWith(req, requestId);
    res.setHeader('x-amz-id-2', ids.toString('base64', 8, 32));
    res.setHeader('server', 'Gatehouse');
    handle(req, res, requestId).catch((e: unknown) => {
      const resource = (req.url ?? '/').split('?')[0] ?? '/';
      if (isStoreUnavailable(e)) {
        // Counted as the API edge counts its 503s of an outage (review gm, 8).
        opts.metrics?.storeUnavailable?.();
        return sendError(req, res, s3Error('ServiceUnavailable', 'Please reduce your request rate.'), resource, requestId);
      }
      // A change whose COMMIT answer was lost, recorded as such (src/app/s3.ts `committing`): S3's answer when it cannot
      // say how a request went, which the SDKs retry; not a fault of this server's to log with its stack.
      if (isStoreOutcomeUnknown(e)) return sendError(req, res, s3Error('InternalError', 'We encountered an internal error. Please try again.'), resource, requestId);
      if (e instanceof BodyRejected) return sendError(req, res, e.error, resource, requestId);
      // The client went away mid-body: nothing to answer. A request read to its end is `destroyed` too (Node destroys a
      // consumed request): that alone dropped the connection unanswered for any error after the body (review fw, 2).
      if ((req.destroyed && !req.complete) || (e instanceof Error && (e as { code?: string }).code === 'ECONNRESET')) return void res.destroy();
      // The data volume is full (or the user's quota spent): the store wrote nothing that stays (its temporary files go
      // with the failed write), and trying again cannot help until space is freed, so the answer says so and is not one
      // the SDKs retry with the whole body again.
      const code = e instanceof Error ? (e as { code?: string }).code : undefined;
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        log(`s3: the object store is out of space (${code}) writing ${req.method ?? ''} ${resource}: nothing stored; free space on the data volume`);
        return sendError(req, res, s3Error('StorageFull', 'The gateway\'s object storage is full: nothing was stored. Delete objects or abort unfinished multipart uploads, or grow the data volume, then try again.'), resource, requestId);
      }
      // With the id the client was answered, which docs/errors.md says finds it here (review je, 8).
      log(`s3: internal error (request ${requestId}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendError(req, res, s3Error('InternalError', 'We encountered an internal error. Please try again.'), resource, requestId);
    });
  }
  // Uploads of many GiB take as long as they take; a connection idle for two minutes is closed.
  server.requestTimeout = 0;
  server.setTimeout(120_000);
  // Between requests a connection stays open as long as S3 keeps one: clients tuned for S3 (aiobotocore's 12 s, the
  // SDKs' pools that keep sockets until the server closes them) reuse sockets idle for seconds, and Node's 5 s default
  // closed them under a request sent at that moment ("socket hang up", fatal to a client that does not retry).
  // GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS sets it, as on `--listen`: fixed, it stayed below a load balancer's (review lz, 1).
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? S3_KEEP_ALIVE_MS;

  return {
    server,
    listen: (host, port) => listenOn(server, host, port, opts.log),
    close: (graceMs) => drain.close(graceMs),
  };
}
