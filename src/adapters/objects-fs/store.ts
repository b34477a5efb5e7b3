/**
 * `ObjectStore` on a local directory. One process owns the directory; the layout (docs/decisions.md, "Object
 * storage on disk"):
 *
 *   buckets/<name>/bucket.json                 owner, creation time
 *   buckets/<name>/meta/<h2>/<h>.json          the object's metadata: key, ETag, sizes, version id (vid);
 *                                              h = SHA-256 of the key's UTF-16 code units
 *   buckets/<name>/data/<v2>/<vid>.<i>         its segments (segment.ts), i = 0 for a single PUT, 0..N-1 for N parts
 *   buckets/<name>/uploads/<id>/upload.json    an unfinished multipart upload
 *   buckets/<name>/uploads/<id>/<n>.json, <n>.<nonce>  part n's record and segment
 *   tmp/                                       files being written; emptied at open
 *
 * Keys never become paths (a key may hold `/`, `..`, anything): metadata files are named by the key's SHA-256
 * and hold the key. The metadata file is the commit point: a write streams its segment to tmp/, fsyncs it,
 * renames it under a fresh version id, then atomically replaces the metadata file that names the version, and
 * only then unlinks the previous version's segments (once no reader holds them). A crash at any step leaves
 * either the old metadata, whose segments are intact, or the new one, whose segments are durable; segments
 * that no metadata names are removed at the next open.
 *
 * Completing a multipart upload hard-links the parts' segments as the object's segments instead of
 * concatenating them: no byte is copied (5 TiB would take hours and double the space), the object appears with
 * one metadata rename, and the parts keep their own names until the upload is removed. Server-side copies
 * link the same way, falling back to a kernel file copy where links are not possible.
 *
 * The key index (sorted keys and each object's info) lives in memory, loaded at open: listing and HEAD never
 * touch the disk, and memory grows with the number of keys, never with object sizes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  BucketInfo,
  ByteRange,
  ChecksumAlgorithm,
  ChecksumType,
  CompleteChecks,
  CompletedPart,
  CopyConditions,
  CopyReplace,
  CreateUploadInput,
  ListObjectsInput,
  ListObjectsPage,
  ListUploadsInput,
  ObjectBody,
  ObjectChecksum,
  ObjectError,
  ObjectErrorCode,
  ObjectHeaderName,
  ObjectHeaders,
  ObjectInfo,
  ObjectResult,
  ObjectStore,
  PartInfo,
  PartsPage,
  PutObjectInput,
  SourceConditions,
  StorageClass,
  UploadChecksum,
  UploadInfo,
  UploadInitiator,
  UploadPartInput,
  UploadRequestKeys,
  UploadsPage,
  WriteConditions,
} from '../../app/ports/objects.ts';
import { DEFAULT_CONTENT_TYPE, ifRangeHolds, isStorageClass, OBJECT_HEADER_NAMES } from '../../app/ports/objects.ts';
import { BodyHasher, checksumFrom, combineCrcs, compositeChecksum, isCrc, multipartEtag, type BodyDigests, type DeclaredDigests } from './checksums.ts';
import { destinationProblem, sourceProblem } from './conditions.ts';
import { compareKeys, compareUploads, insertKey, listPage, removeKey, uploadsPage } from './listing.ts';
import { bucketNameProblem, isUploadId, keyProblem, storedBucketNameProblem } from './names.ts';
import { BLOCK_SIZE, SegmentStream, writeSegment, type SegmentRef } from './segment.ts';
import { makeDirectory } from '../fs/index.ts';

export interface FsObjectStoreOptions {
  /** fsync files and directories at every commit (default true). Turn off only for throwaway data. */
  readonly fsync?: boolean;
  /** Smallest size of every part but the last of a completed upload (default 5 MiB, as S3). */
  readonly minPartSize?: number;
  /** Largest single PUT or part (default 5 GiB, as S3). */
  readonly maxPutSize?: number;
  /** Clock for LastModified and upload times. */
  readonly now?: () => Date;
  /** Where opening says what it changed (an existing store's permissions tightened); default stderr. */
  readonly log?: (line: string) => void;
}

const MiB = 1024 * 1024;
const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MiB;
const MAX_PARTS = 10000;
/**
 * How long, and how many per bucket, completed uploads are remembered so that a Complete retried after its answer was
 * lost is answered again (review ni, 1). SDKs retry within seconds to minutes; the cap bounds memory.
 */
const COMPLETED_KEPT_MS = 60 * 60 * 1000;
const COMPLETED_KEPT_MAX = 10000;
const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
/**
 * Objects are as private as the database beside them (0600): only the server's own OS user may read them, or any
 * local user would read every bucket without a key, bypassing every policy. Given at every mkdir and open, so
 * the umask can only narrow them.
 */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** One stored content of an object: its segments, shared by every reader that started on it. */
interface Version {
  readonly dir: string;
  readonly vid: string;
  readonly sizes: readonly number[];
  readonly block: number;
  /** Hex SHA-256 of the whole body, when known (single PUTs and their copies). */
  readonly sha256?: string;
  /** Readers streaming it; its segments are unlinked only when it is retired and this reaches zero. */
  pins: number;
  retired: boolean;
}

interface Entry {
  readonly info: ObjectInfo;
  readonly version: Version;
}

interface Part {
  readonly info: PartInfo;
  readonly nonce: string;
}

/** A completed upload as a retried Complete must name it (key and parts) and the answer the first Complete gave. */
interface Completed {
  readonly key: string;
  readonly parts: string;
  readonly info: ObjectInfo;
  readonly at: number;
  /** The upload's `writeHeaders`, on which a retried Complete is decided as the first was (review oh, 2). */
  readonly writeHeaders?: Readonly<Record<string, string>>;
}

interface Upload {
  readonly info: UploadInfo;
  readonly dir: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly headers: ObjectHeaders;
  readonly tags: Readonly<Record<string, string>>;
  readonly redirectLocation?: string;
  readonly parts: Map<number, Part>;
  done: boolean;
}

interface Bucket {
  readonly info: BucketInfo;
  readonly dir: string;
  readonly objects: Map<string, Entry>;
  /** Sorted by `compareKeys` (UTF-8 byte order). */
  readonly keys: string[];
  readonly uploads: Map<string, Upload>;
  /** Uploads completed lately, oldest first, by upload id: what a retried Complete is answered (`completedAgain`). */
  readonly completed: Map<string, Completed>;
  /** Writes in progress: a bucket with any is not empty. */
  pending: number;
  readonly madeDirs: Set<string>;
}

/** On-disk metadata of an object (meta/<h2>/<h>.json). */
interface MetaRecord {
  readonly format: 1;
  readonly key: string;
  readonly vid: string;
  readonly block: number;
  readonly sizes: readonly number[];
  readonly etag: string;
  readonly lastModified: string;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  /** System-defined metadata (Cache-Control…), written when there is any; absent in records of earlier versions. */
  readonly headers?: ObjectHeaders;
  readonly tags: Record<string, string>;
  /** Written when not STANDARD (`classFields`); absent in records of earlier versions, which are STANDARD. */
  readonly storageClass?: StorageClass;
  /** `x-amz-website-redirect-location`, written when set; absent in records of earlier versions. */
  readonly redirectLocation?: string;
  /** Hex SHA-256 of the whole body, for single PUTs (a multipart object has one per part, in its upload). */
  readonly sha256?: string;
  /** The checksum its writer sent one under (`ObjectInfo.checksum`); absent in records of earlier versions. */
  readonly checksum?: ObjectChecksum;
}

interface UploadRecord {
  readonly format: 1;
  readonly key: string;
  readonly initiated: string;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  /** As in `MetaRecord`: the completed object's. */
  readonly headers?: ObjectHeaders;
  readonly tags: Record<string, string>;
  readonly storageClass?: StorageClass;
  readonly redirectLocation?: string;
  /** Who began the upload; absent in records of earlier versions (read as no initiator: `initiatorOf`). */
  readonly initiator?: UploadInitiator;
  /** The checksum the upload was created with; absent: none (and in records of earlier versions). */
  readonly checksum?: UploadChecksum;
  /** `CreateUploadInput.writeHeaders`; absent: none sent (and in records of earlier versions). */
  readonly writeHeaders?: Record<string, string>;
}

const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];
const CHECKSUM_TYPES: readonly ChecksumType[] = ['COMPOSITE', 'FULL_OBJECT'];
/** The ETag of an object completed by multipart upload (`multipartEtag`): the MD5 of the part MD5s, then `-N`. */
const MULTIPART_ETAG = /-\d+$/;

/** A record's upload checksum when it is one (a record of an earlier version has none). */
function uploadChecksumOf(r: { readonly checksum?: unknown }): { checksum?: UploadChecksum } {
  const c = r.checksum as { algorithm?: unknown; type?: unknown } | null | undefined;
  if (typeof c !== 'object' || c === null || !CHECKSUM_ALGORITHMS.includes(c.algorithm as ChecksumAlgorithm) || !CHECKSUM_TYPES.includes(c.type as ChecksumType)) return {};
  return { checksum: Object.freeze({ algorithm: c.algorithm as ChecksumAlgorithm, type: c.type as ChecksumType }) };
}

/** A record's write headers when it has any (names and values strings; a record of an earlier version has none). */
function writeHeadersOf(r: { readonly writeHeaders?: unknown }): { writeHeaders?: Readonly<Record<string, string>> } {
  const h = r.writeHeaders;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return {};
  const entries = Object.entries(h as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length === 0 ? {} : { writeHeaders: Object.freeze(Object.fromEntries(entries)) };
}

/** A record's initiator when it is one (a record of an earlier version has none). */
function initiatorOf(r: { readonly initiator?: unknown }): { initiator?: UploadInitiator } {
  const i = r.initiator as { id?: unknown; displayName?: unknown } | null | undefined;
  if (typeof i !== 'object' || i === null || typeof i.id !== 'string') return {};
  return { initiator: Object.freeze({ id: i.id, ...(typeof i.displayName === 'string' ? { displayName: i.displayName } : {}) }) };
}

interface PartRecord {
  readonly format: 1;
  readonly partNumber: number;
  readonly nonce: string;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: string;
  readonly sha256: string;
  /** Base64, under the upload's checksum algorithm; absent when the upload has none. */
  readonly checksum?: string;
}

function fail<T>(code: ObjectErrorCode, message: string): ObjectResult<T> {
  const error: ObjectError = { code, message };
  return { ok: false, error };
}

/** A failure as it was found (a condition's, with the key it names). */
const failWith = <T>(error: ObjectError): ObjectResult<T> => ({ ok: false, error });

/** NoSuchUpload, naming the upload id as the request gave it (S3's `<UploadId>`). */
const noSuchUpload = <T>(uploadId: string, message: string): ObjectResult<T> => failWith({ code: 'NoSuchUpload', message, uploadId });

const noSuchBucket = <T>(name: string): ObjectResult<T> => failWith({ code: 'NoSuchBucket', message: `bucket \`${name}\` does not exist`, bucketName: name });
const noSuchKey = <T>(bucketName: string, key: string): ObjectResult<T> => failWith({ code: 'NoSuchKey', message: `no object \`${key}\` in bucket \`${bucketName}\``, key });

function ok<T>(value: T): ObjectResult<T> {
  return { ok: true, value };
}

function newId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * An upload id: its initiation time (ms since the epoch, 12 hex digits) and 80 random bits, 32 hex digits as every
 * id here. Ids of one key then sort as they were initiated, which is the order API_ListMultipartUploads lists them
 * in, and `upload-id-marker` ("upload IDs lexicographically greater") continues after the upload it names even when
 * that upload has since been completed or aborted (a tool aborting each page's uploads before asking the next).
 */
function newUploadId(at: Date): string {
  return Math.max(0, Math.min(0xffff_ffff_ffff, at.getTime())).toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

function frozenRecord(r: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  if (r === undefined) return EMPTY;
  const entries = Object.entries(r);
  return entries.length === 0 ? EMPTY : Object.freeze(Object.fromEntries(entries));
}

/** The system-defined headers of a record, only the names the port defines (a hand-edited record serves no other). */
function frozenHeaders(h: ObjectHeaders | undefined): ObjectHeaders {
  if (h === undefined) return EMPTY;
  const out: Partial<Record<ObjectHeaderName, string>> = {};
  for (const name of OBJECT_HEADER_NAMES) {
    const v = h[name];
    if (typeof v === 'string') out[name] = v;
  }
  return Object.keys(out).length === 0 ? EMPTY : Object.freeze(out);
}

/**
 * The fields of a write of `entry`'s very body (a copy, a retag): its own, but for what `change` sets. A retag keeps
 * the storage class and redirect location; `copyObject` sets them itself, since S3 never copies them.
 */
function sameBody(entry: Entry, change: CopyReplace) {
  const v = entry.version;
  const redirectLocation = change.redirectLocation ?? entry.info.redirectLocation;
  return {
    sizes: v.sizes,
    block: v.block,
    ...(v.sha256 === undefined ? {} : { sha256: v.sha256 }),
    etag: entry.info.etag,
    contentType: change.contentType ?? entry.info.contentType,
    metadata: change.metadata === undefined ? entry.info.metadata : frozenRecord(change.metadata),
    headers: change.headers === undefined ? entry.info.headers : frozenHeaders(change.headers),
    tags: change.tags === undefined ? entry.info.tags : frozenRecord(change.tags),
    storageClass: change.storageClass ?? entry.info.storageClass,
    ...(redirectLocation === undefined ? {} : { redirectLocation }),
    // The same bytes: the same checksum (a copy, a retag).
    ...(entry.info.checksum === undefined ? {} : { checksum: entry.info.checksum }),
  };
}

/** `headers` as a record writes them: absent when there are none, so a record without them reads as before. */
const headersField = (h: ObjectHeaders): { headers?: ObjectHeaders } => (Object.keys(h).length === 0 ? {} : { headers: { ...h } });

/**
 * The storage class and redirect location as a record writes them: each absent when it is the default (STANDARD,
 * none), so the record of such an object is what an earlier version wrote, and that version's records read as such.
 */
const classFields = (storageClass: StorageClass | undefined, redirectLocation: string | undefined): { storageClass?: StorageClass; redirectLocation?: string } => ({
  ...(storageClass === undefined || storageClass === 'STANDARD' ? {} : { storageClass }),
  ...(redirectLocation === undefined ? {} : { redirectLocation }),
});

/** A record's storage class: STANDARD when absent (an earlier version's record) or not one the port defines (edited by hand). */
const storageClassOf = (r: { readonly storageClass?: unknown }): StorageClass => (isStorageClass(r.storageClass) ? r.storageClass : 'STANDARD');

/** A record's redirect location, when it holds one. */
const redirectOf = (r: { readonly redirectLocation?: unknown }): { redirectLocation?: string } => (typeof r.redirectLocation === 'string' ? { redirectLocation: r.redirectLocation } : {});

/** Serialises async critical sections per name; a section never waits on one of another name. */
class Locks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(name: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(name, tail);
    await previous;
    try {
      return await section();
    } finally {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}

async function readJsonIfAny<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  return jsonRecord<T>(path, text);
}

/**
 * The record `text` of the file `path`, or an error naming the file: a record that was not readable JSON stopped the
 * open with `Unexpected token …`, naming no file (review ot, 4).
 */
function jsonRecord<T>(path: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`object store: \`${path}\` is not readable JSON (${e instanceof Error ? e.message : String(e)}): restore it from a backup`);
  }
}

/**
 * An object's metadata record read from `text` (of `file`), or why it cannot be served: not JSON, or fields not of the
 * types written. A record of another format (a newer version's) stops the open: it is not read as if it were this one's.
 */
function metaRecordOf(file: string, text: string): { readonly ok: true; readonly record: MetaRecord } | { readonly ok: false; readonly problem: string } {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `not readable JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return { ok: false, problem: 'not a JSON object' };
  const m = r as Record<string, unknown>;
  if (typeof m['format'] === 'number' && m['format'] !== 1) throw new Error(`object metadata \`${file}\` has an unknown format`);
  if (m['format'] !== 1) return { ok: false, problem: '`format` is not 1' };
  for (const f of ['key', 'vid', 'etag', 'lastModified', 'contentType'] as const) if (typeof m[f] !== 'string') return { ok: false, problem: `\`${f}\` is not a string` };
  if (!Array.isArray(m['sizes']) || !m['sizes'].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) return { ok: false, problem: '`sizes` is not a list of sizes' };
  if (!Number.isSafeInteger(m['block'])) return { ok: false, problem: '`block` is not a number' };
  return { ok: true, record: r as MetaRecord };
}

/** Unlinks a file that may already be gone (one syscall, where `rm` also stats). */
async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

export class FsObjectStore implements ObjectStore {
  private readonly root: string;
  private readonly tmp: string;
  private readonly fsync: boolean;
  private readonly minPartSize: number;
  readonly maxPutSize: number;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly buckets = new Map<string, Bucket>();
  private readonly locks = new Locks();
  /** A body stream dropped without being read to the end or destroyed still releases its version when collected. */
  private readonly abandoned = new FinalizationRegistry<Version>((v) => this.unpin(v));
  private closed = false;

  constructor(root: string, options: FsObjectStoreOptions) {
    this.root = root;
    this.tmp = join(root, 'tmp');
    this.fsync = options.fsync ?? true;
    this.minPartSize = options.minPartSize ?? 5 * MiB;
    this.maxPutSize = options.maxPutSize ?? 5 * 1024 * MiB;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  }

  // ---- open: load the index, remove what a crash left behind -------------------------------------------

  async load(): Promise<void> {
    await makeDirectory(join(this.root, 'buckets'), DIR_MODE);
    await this.tightenModes();
    await rm(this.tmp, { recursive: true, force: true });
    await makeDirectory(this.tmp, DIR_MODE);
    for (const name of await readdir(join(this.root, 'buckets'))) {
      if (storedBucketNameProblem(name) !== undefined) continue;
      const dir = join(this.root, 'buckets', name);
      const info = jsonRecord<BucketInfo>(join(dir, 'bucket.json'), await readFile(join(dir, 'bucket.json'), 'utf8'));
      const bucket: Bucket = { info: { name, owner: info.owner, created: info.created }, dir, objects: new Map(), keys: [], uploads: new Map(), completed: new Map(), pending: 0, madeDirs: new Set() };
      await this.loadObjects(bucket);
      await this.loadUploads(bucket);
      await this.loadCompleted(bucket);
      this.buckets.set(name, bucket);
    }
  }

  /**
   * A store written before objects were private (or created by hand) has directories 0755 and files 0644: its
   * group and other bits are removed from every entry, the root last, so a crash half-way is redone at the next
   * open. A root already closed to others is taken as done (nobody else can reach below it): one stat per open.
   */
  private async tightenModes(): Promise<void> {
    const before = (await stat(this.root)).mode & 0o777;
    if ((before & 0o077) === 0) return;
    let dirs = 0;
    let files = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isSymbolicLink()) continue; // never followed: chmod would change the target, maybe outside the store
        if (entry.isDirectory()) await walk(path);
        const mode = (await lstat(path)).mode & 0o777;
        if ((mode & 0o077) === 0) continue;
        await chmod(path, mode & 0o700);
        if (entry.isDirectory()) dirs++;
        else files++;
      }
    };
    await walk(this.root);
    await chmod(this.root, before & 0o700);
    this.log(
      `objects: ${this.root} was open to other OS users (mode ${before.toString(8).padStart(4, '0')}); made it and ${dirs} director${dirs === 1 ? 'y' : 'ies'} and ${files} file(s) under it readable by the owner only`,
    );
  }

  private async loadObjects(bucket: Bucket): Promise<void> {
    const files: string[] = [];
    for (const shard of await readdirOrEmpty(join(bucket.dir, 'meta'))) {
      for (const f of await readdirOrEmpty(join(bucket.dir, 'meta', shard))) files.push(join(bucket.dir, 'meta', shard, f));
    }
    const live = new Set<string>();
    let unreadable = 0;
    // Synchronous reads: opening happens before the store serves anything, and a thread-pool round trip per
    // file would make 100k small reads several times slower.
    for (const file of files) {
      const read = metaRecordOf(file, readFileSync(file, 'utf8'));
      // One object's record that cannot be read (corruption at rest) leaves that object out, said, not the whole start:
      // it stopped the server, IAM and STS and every job's credentials with it (review ot, 4).
      if (!read.ok) {
        unreadable++;
        this.log(`objects: CANNOT READ the metadata of an object of bucket \`${bucket.info.name}\` (\`${file}\`: ${read.problem}): that object is not served, its data is kept; restore the file from a backup (or remove it to give the object up)`);
        continue;
      }
      bucket.objects.set(read.record.key, this.entryOf(bucket, read.record));
      live.add(read.record.vid);
    }
    for (const key of bucket.objects.keys()) bucket.keys.push(key);
    bucket.keys.sort(compareKeys);
    // The segments of an unreadable record are named by it alone: none of this bucket's is removed while one is.
    if (unreadable > 0) return;
    for (const shard of await readdirOrEmpty(join(bucket.dir, 'data'))) {
      for (const f of await readdirOrEmpty(join(bucket.dir, 'data', shard))) {
        const vid = f.slice(0, f.indexOf('.') < 0 ? f.length : f.indexOf('.'));
        if (!live.has(vid)) await rm(join(bucket.dir, 'data', shard, f), { force: true });
      }
    }
  }

  private async loadUploads(bucket: Bucket): Promise<void> {
    for (const id of await readdirOrEmpty(join(bucket.dir, 'uploads'))) {
      const dir = join(bucket.dir, 'uploads', id);
      const record = isUploadId(id) ? await readJsonIfAny<UploadRecord>(join(dir, 'upload.json')) : undefined;
      if (record === undefined) {
        // Created but never recorded, or aborted half-way: nothing refers to it.
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      const upload = this.uploadOf(bucket, id, record);
      const names = await readdir(dir);
      for (const f of names) {
        if (!/^\d+\.json$/.test(f)) continue;
        const part = jsonRecord<PartRecord>(join(dir, f), await readFile(join(dir, f), 'utf8'));
        upload.parts.set(part.partNumber, this.partOf(part, upload.info.checksum?.algorithm));
      }
      for (const f of names) {
        const m = /^(\d+)\.([0-9a-f]{32})$/.exec(f);
        if (m !== null && upload.parts.get(Number(m[1]))?.nonce !== m[2]) await rm(join(dir, f), { force: true });
      }
      bucket.uploads.set(id, upload);
    }
  }

  /**
   * The uploads completed within `COMPLETED_KEPT_MS` (`completed/<id>.json`), oldest first, as `rememberCompleted` wrote
   * them: a Complete retried to a restarted server is answered as the first was (review nn, 2). Older ones go.
   */
  private async loadCompleted(bucket: Bucket): Promise<void> {
    const dir = join(bucket.dir, 'completed');
    const found: [string, Completed][] = [];
    const t = this.now().getTime();
    for (const f of await readdirOrEmpty(dir)) {
      const id = f.endsWith('.json') ? f.slice(0, -'.json'.length) : '';
      const done = isUploadId(id) ? await readJsonIfAny<Completed>(join(dir, f)).catch(() => undefined) : undefined;
      if (done === undefined || typeof done.at !== 'number' || t - done.at > COMPLETED_KEPT_MS) await rm(join(dir, f), { force: true });
      else found.push([id, { key: done.key, parts: done.parts, info: Object.freeze({ ...done.info, metadata: frozenRecord(done.info.metadata), headers: frozenHeaders(done.info.headers), tags: frozenRecord(done.info.tags) }), at: done.at, ...(done.writeHeaders === undefined ? {} : { writeHeaders: frozenRecord(done.writeHeaders) }) }]);
    }
    found.sort((a, b) => a[1].at - b[1].at);
    for (const [id, done] of found.slice(-COMPLETED_KEPT_MAX)) bucket.completed.set(id, done);
    for (const [id] of found.slice(0, Math.max(0, found.length - COMPLETED_KEPT_MAX))) await rm(join(dir, `${id}.json`), { force: true });
  }

  private entryOf(bucket: Bucket, r: MetaRecord): Entry {
    const size = r.sizes.reduce((a, b) => a + b, 0);
    const info: ObjectInfo = Object.freeze({
      bucket: bucket.info.name,
      key: r.key,
      size,
      etag: r.etag,
      lastModified: r.lastModified,
      contentType: r.contentType,
      metadata: frozenRecord(r.metadata),
      headers: frozenHeaders(r.headers),
      tags: frozenRecord(r.tags),
      storageClass: storageClassOf(r),
      ...redirectOf(r),
      ...(r.checksum === undefined ? {} : { checksum: Object.freeze({ ...r.checksum }) }),
      // A completed upload's segments are its parts (`completeUpload`); the ETag's `-N` says it is one.
      ...(/-(\d+)$/.exec(r.etag)?.[1] === String(r.sizes.length) ? { partSizes: r.sizes } : {}),
    });
    const version: Version = { dir: bucket.dir, vid: r.vid, sizes: r.sizes, block: r.block, ...(r.sha256 === undefined ? {} : { sha256: r.sha256 }), pins: 0, retired: false };
    return { info, version };
  }

  private uploadOf(bucket: Bucket, id: string, r: UploadRecord): Upload {
    return {
      info: Object.freeze({ uploadId: id, bucket: bucket.info.name, key: r.key, initiated: r.initiated, storageClass: storageClassOf(r), ...initiatorOf(r), ...uploadChecksumOf(r), ...writeHeadersOf(r) }),
      dir: join(bucket.dir, 'uploads', id),
      contentType: r.contentType,
      metadata: frozenRecord(r.metadata),
      headers: frozenHeaders(r.headers),
      tags: frozenRecord(r.tags),
      ...redirectOf(r),
      parts: new Map(),
      done: false,
    };
  }

  private partOf(r: PartRecord, algorithm: ChecksumAlgorithm | undefined): Part {
    const checksum = typeof r.checksum === 'string' ? { checksum: r.checksum, ...(algorithm === undefined ? {} : { checksumAlgorithm: algorithm }) } : {};
    return { info: Object.freeze({ partNumber: r.partNumber, etag: r.etag, size: r.size, lastModified: r.lastModified, ...checksum }), nonce: r.nonce };
  }

  // ---- files ---------------------------------------------------------------------------------------------

  private tmpPath(): string {
    return join(this.tmp, newId());
  }

  private async fsyncDir(dir: string): Promise<void> {
    if (!this.fsync) return;
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async ensureDir(bucket: Bucket, dir: string): Promise<void> {
    if (bucket.madeDirs.has(dir)) return;
    const made = await mkdir(dir, { recursive: true, mode: DIR_MODE });
    if (made !== undefined) await this.fsyncDir(dirname(dir));
    bucket.madeDirs.add(dir);
  }

  /** Writes `value` to a durable temporary file, to be renamed into place by `install`. */
  private async prepareJson(value: unknown): Promise<string> {
    const tmp = this.tmpPath();
    try {
      const fh = await open(tmp, 'wx', FILE_MODE);
      try {
        await fh.writeFile(JSON.stringify(value));
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      return tmp;
    } catch (e) {
      await removeFile(tmp);
      throw e;
    }
  }

  /** Replaces `path` with a prepared file in one rename: a reader or a crash sees the old file or the new, whole. */
  private async install(tmp: string, path: string): Promise<void> {
    try {
      await rename(tmp, path);
    } catch (e) {
      await removeFile(tmp);
      throw e;
    }
    await this.fsyncDir(dirname(path));
  }

  private async writeJsonAtomic(path: string, value: unknown): Promise<void> {
    await this.install(await this.prepareJson(value), path);
  }

  private metaPath(bucket: Bucket, key: string): string {
    // UTF-16 code units, not UTF-8: the encoding must be injective, and UTF-8 maps every lone surrogate to U+FFFD.
    const h = createHash('sha256').update(key, 'utf16le').digest('hex');
    return join(bucket.dir, 'meta', h.slice(0, 2), `${h}.json`);
  }

  private segmentPath(v: Version, i: number): string {
    return join(v.dir, 'data', v.vid.slice(0, 2), `${v.vid}.${i}`);
  }

  private segments(v: Version): SegmentRef[] {
    return v.sizes.map((size, i) => ({ path: this.segmentPath(v, i), size }));
  }

  private retire(v: Version): void {
    v.retired = true;
    if (v.pins === 0) this.unlinkVersion(v);
  }

  private unpin(v: Version): void {
    v.pins--;
    if (v.retired && v.pins === 0) this.unlinkVersion(v);
  }

  private unlinkVersion(v: Version): void {
    // Best effort: a segment left behind is an orphan that the next open removes.
    void (async () => {
      for (let i = 0; i < v.sizes.length; i++) await unlink(this.segmentPath(v, i)).catch(() => undefined);
    })();
  }

  // ---- guards --------------------------------------------------------------------------------------------

  private check(): void {
    if (this.closed) throw new Error('the object store is closed');
  }

  private bucketOf(name: string): ObjectResult<Bucket> {
    this.check();
    const b = this.buckets.get(name);
    return b === undefined ? noSuchBucket(name) : ok(b);
  }

  /** The bucket a new object `key` goes to: it exists, and the key is one S3 accepts. */
  private writableBucketOf(name: string, key: string): ObjectResult<Bucket> {
    const b = this.bucketOf(name);
    if (!b.ok) return b;
    const problem = keyProblem(key);
    return problem === undefined ? b : fail('KeyTooLongError', `object key ${problem}`);
  }

  /** Runs a write against `bucket`, counted so that the bucket is not deleted under it. */
  private async writing<T>(bucket: Bucket, section: () => Promise<ObjectResult<T>>): Promise<ObjectResult<T>> {
    bucket.pending++;
    try {
      return await section();
    } finally {
      bucket.pending--;
    }
  }

  // ---- buckets -------------------------------------------------------------------------------------------

  async listBuckets(): Promise<readonly BucketInfo[]> {
    this.check();
    return [...this.buckets.values()].map((b) => b.info).sort((a, b) => compareKeys(a.name, b.name));
  }

  async createBucket(name: string, owner: string): Promise<ObjectResult<BucketInfo>> {
    this.check();
    const problem = bucketNameProblem(name);
    if (problem !== undefined) return fail('InvalidBucketName', `bucket name \`${name}\` ${problem}`);
    return this.locks.run('buckets', async () => {
      const existing = this.buckets.get(name);
      if (existing !== undefined) {
        return existing.info.owner === owner
          ? fail('BucketAlreadyOwnedByYou', `bucket \`${name}\` already exists and is yours`)
          : fail('BucketAlreadyExists', `bucket \`${name}\` already exists; bucket names are shared by all accounts, choose another`);
      }
      const info: BucketInfo = Object.freeze({ name, owner, created: this.now().toISOString() });
      const staging = this.tmpPath();
      const dir = join(this.root, 'buckets', name);
      try {
        for (const sub of ['meta', 'data', 'uploads']) await mkdir(join(staging, sub), { recursive: true, mode: DIR_MODE });
        await this.writeJsonAtomic(join(staging, 'bucket.json'), info);
        await rename(staging, dir);
      } catch (e) {
        await rm(staging, { recursive: true, force: true });
        throw e;
      }
      await this.fsyncDir(dirname(dir));
      this.buckets.set(name, { info, dir, objects: new Map(), keys: [], uploads: new Map(), completed: new Map(), pending: 0, madeDirs: new Set() });
      return ok(info);
    });
  }

  async headBucket(name: string): Promise<ObjectResult<BucketInfo>> {
    const b = this.bucketOf(name);
    return b.ok ? ok(b.value.info) : b;
  }

  async deleteBucket(name: string): Promise<ObjectResult<void>> {
    this.check();
    return this.locks.run('buckets', async () => {
      const b = this.bucketOf(name);
      if (!b.ok) return b;
      const bucket = b.value;
      // Unfinished uploads do not keep the bucket, as in S3 (review ha, 2): they go with its directory. A write in
      // progress (a part being stored, an upload completing) does, counted in `pending`.
      if (bucket.pending > 0 || bucket.objects.size > 0) {
        return fail('BucketNotEmpty', `bucket \`${name}\` is not empty: delete its objects first`);
      }
      // Gone from the index before the first await, so no new write can start on it; back if the rename fails.
      this.buckets.delete(name);
      // Renamed away in one step, then removed: a crash leaves either the bucket or a leftover in tmp/.
      const trash = this.tmpPath();
      try {
        await rename(bucket.dir, trash);
      } catch (e) {
        this.buckets.set(name, bucket);
        throw e;
      }
      await this.fsyncDir(dirname(bucket.dir));
      await rm(trash, { recursive: true, force: true });
      return ok(undefined);
    });
  }

  // ---- objects -------------------------------------------------------------------------------------------

  /**
   * Makes `fields` the object at `key`: `place` puts the new version's segments under their final names (and
   * makes them durable), then the metadata file is replaced. Serialised per key so that the index in memory
   * and the metadata on disk agree on which version is current.
   */
  private commitObject(
    bucket: Bucket,
    key: string,
    fields: {
      readonly sizes: readonly number[];
      readonly etag: string;
      readonly contentType: string;
      readonly metadata: Readonly<Record<string, string>>;
      readonly headers: ObjectHeaders;
      readonly tags: Readonly<Record<string, string>>;
      readonly storageClass: StorageClass;
      readonly redirectLocation?: string;
      readonly sha256?: string;
      readonly checksum?: ObjectChecksum;
      readonly block?: number;
      /** Kept from the object rewritten (a change of tags alone); default now. */
      readonly lastModified?: string;
    },
    place: (v: Version) => Promise<void>,
    conditions?: WriteConditions,
    /** The object this write must replace, that very version (a retag built from it): replaced meanwhile, refused. */
    over?: Entry,
  ): Promise<ObjectResult<ObjectInfo>> {
    return this.locks.run(`k:${bucket.info.name}\0${key}`, async () => {
      // The write's conditions (If-Match, If-None-Match), against the object it replaces: under the key's lock, so a
      // racing writer cannot commit between the check and this commit.
      const unmet = destinationProblem(conditions, bucket.objects.get(key)?.info, key);
      if (unmet !== undefined) return failWith<ObjectInfo>(unmet);
      if (over !== undefined && bucket.objects.get(key) !== over) return replacedMeanwhile(bucket, key);
      const version: Version = { dir: bucket.dir, vid: newId(), sizes: fields.sizes, block: fields.block ?? BLOCK_SIZE, pins: 0, retired: false };
      const record: MetaRecord = {
        format: 1,
        key,
        vid: version.vid,
        block: version.block,
        sizes: fields.sizes,
        etag: fields.etag,
        lastModified: fields.lastModified ?? this.now().toISOString(),
        contentType: fields.contentType,
        metadata: { ...fields.metadata },
        ...headersField(fields.headers),
        tags: { ...fields.tags },
        ...classFields(fields.storageClass, fields.redirectLocation),
        ...(fields.sha256 === undefined ? {} : { sha256: fields.sha256 }),
        ...(fields.checksum === undefined ? {} : { checksum: { ...fields.checksum } }),
      };
      const metaPath = this.metaPath(bucket, key);
      let committed = false;
      try {
        // The new segments and the new metadata are made durable side by side; the rename commits both.
        const [placed, prepared] = await Promise.allSettled([
          this.ensureDir(bucket, join(bucket.dir, 'data', version.vid.slice(0, 2))).then(() => place(version)),
          this.ensureDir(bucket, dirname(metaPath)).then(() => this.prepareJson(record)),
        ]);
        if (placed.status === 'rejected' || prepared.status === 'rejected') {
          if (prepared.status === 'fulfilled') await removeFile(prepared.value);
          throw placed.status === 'rejected' ? placed.reason : (prepared as PromiseRejectedResult).reason;
        }
        try {
          await rename(prepared.value, metaPath);
        } catch (e) {
          await removeFile(prepared.value);
          throw e;
        }
        committed = true;
      } finally {
        if (!committed) this.unlinkVersion(version);
      }
      // Durable before readers see it (review ti, 3): the index took the new version before this fsync, so a reader
      // could be served an object that a crash then lost, the previous version coming back. (A failed fsync leaves the
      // index as it was, and the write answered as failed.)
      await this.fsyncDir(dirname(metaPath));
      const entry = this.entryOf(bucket, record);
      const previous = bucket.objects.get(key);
      bucket.objects.set(key, entry);
      if (previous === undefined) insertKey(bucket.keys, key);
      // The previous version's segments go only once the rename is durable (above): until then a crash could bring
      // its metadata back.
      if (previous !== undefined) this.retire(previous.version);
      return ok(entry.info);
    });
  }

  async putObject(input: PutObjectInput, conditions?: WriteConditions): Promise<ObjectResult<ObjectInfo>> {
    const b = this.writableBucketOf(input.bucket, input.key);
    if (!b.ok) return b;
    const bucket = b.value;
    // Checked again where the write commits; here, so that a create-only PUT of an existing key is refused before its
    // body is read.
    const unmet = destinationProblem(conditions, bucket.objects.get(input.key)?.info, input.key);
    if (unmet !== undefined) return failWith(unmet);
    return this.writing(bucket, async () => {
      const tmp = this.tmpPath();
      const keep = input.checksumAlgorithm;
      const written = await writeSegment(tmp, input.body, { ...(input.size === undefined ? {} : { size: input.size }), max: this.maxPutSize, fsync: this.fsync, ...(keep === undefined ? {} : { keep }) }, declaredOf(input));
      if (!written.ok) return written;
      const checksum = keep === undefined ? undefined : checksumFrom(keep, written.value.digests);
      let moved = false;
      try {
        return await this.commitObject(
          bucket,
          input.key,
          {
            sizes: [written.value.size],
            etag: written.value.digests.md5.toString('hex'),
            contentType: input.contentType ?? DEFAULT_CONTENT_TYPE,
            metadata: frozenRecord(input.metadata),
            headers: frozenHeaders(input.headers),
            tags: frozenRecord(input.tags),
            storageClass: input.storageClass ?? 'STANDARD',
            ...(input.redirectLocation === undefined ? {} : { redirectLocation: input.redirectLocation }),
            sha256: written.value.digests.sha256.toString('hex'),
            ...(checksum === undefined ? {} : { checksum }),
          },
          async (v) => {
            const target = this.segmentPath(v, 0);
            await rename(tmp, target);
            moved = true;
            await this.fsyncDir(dirname(target));
          },
          conditions,
        );
      } finally {
        if (!moved) await removeFile(tmp);
      }
    });
  }

  async headObject(bucketName: string, key: string): Promise<ObjectResult<ObjectInfo>> {
    const b = this.bucketOf(bucketName);
    if (!b.ok) return b;
    const entry = b.value.objects.get(key);
    return entry === undefined ? noSuchKey(bucketName, key) : ok(entry.info);
  }

  async getObject(bucketName: string, key: string, range?: { readonly start?: number; readonly end?: number; readonly suffix?: number; readonly ifRange?: string }, conditions?: SourceConditions): Promise<ObjectResult<ObjectBody>> {
    const b = this.bucketOf(bucketName);
    if (!b.ok) return b;
    const entry = b.value.objects.get(key);
    if (entry === undefined) return noSuchKey(bucketName, key);
    // UploadPartCopy reads its source here: its x-amz-copy-source-if-*, against the version served.
    const unmet = sourceProblem(conditions, entry.info);
    if (unmet !== undefined) return failWith(unmet);
    const size = entry.info.size;
    let served: ByteRange | undefined;
    // If-Range, against the very version served: when it names another, the whole object (RFC 9110 §13.1.5).
    const ranged = range !== undefined && (range.ifRange === undefined || ifRangeHolds(range.ifRange, entry.info));
    if (range !== undefined && ranged && (range.start !== undefined || range.end !== undefined || range.suffix !== undefined)) {
      const r = resolveRange(range, size);
      if (!r.ok) return r;
      served = r.value;
    }
    const version = entry.version;
    // Pinned before the first await: a concurrent overwrite retires this version but cannot unlink its segments.
    version.pins++;
    const stream = new SegmentStream(this.segments(version), version.block, served?.start ?? 0, served?.end ?? size - 1, `object \`${key}\` in bucket \`${bucketName}\``);
    const release = { done: false };
    stream.once('close', () => {
      if (release.done) return;
      release.done = true;
      this.abandoned.unregister(release);
      this.unpin(version);
    });
    this.abandoned.register(stream, version, release);
    return ok(served === undefined ? { info: entry.info, stream } : { info: entry.info, range: served, stream });
  }

  async deleteObject(bucketName: string, key: string, conditions?: Pick<WriteConditions, 'ifMatch'>): Promise<ObjectResult<void>> {
    const b = this.bucketOf(bucketName);
    if (!b.ok) return b;
    const bucket = b.value;
    const conditional = conditions?.ifMatch !== undefined ? { ifMatch: conditions.ifMatch } : undefined;
    if (keyProblem(key) !== undefined) return conditional === undefined ? ok(undefined) : failWith({ code: 'NoSuchKey', message: 'The specified key does not exist.', key });
    return this.locks.run(`k:${bucket.info.name}\0${key}`, async () => {
      const entry = bucket.objects.get(key);
      // A conditional delete (If-Match) is held against the very object removed, in the key's lock.
      const unmet = destinationProblem(conditional, entry?.info, key);
      if (unmet !== undefined) return failWith(unmet);
      if (entry === undefined) return ok(undefined);
      const metaPath = this.metaPath(bucket, key);
      await unlink(metaPath).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      await this.fsyncDir(dirname(metaPath));
      bucket.objects.delete(key);
      removeKey(bucket.keys, key);
      this.retire(entry.version);
      return ok(undefined);
    });
  }

  async copyObject(
    from: { readonly bucket: string; readonly key: string; readonly expect?: ObjectInfo },
    to: { readonly bucket: string; readonly key: string },
    replace?: CopyReplace,
    conditions?: CopyConditions,
  ): Promise<ObjectResult<ObjectInfo>> {
    const src = this.bucketOf(from.bucket);
    if (!src.ok) return src;
    const dst = this.writableBucketOf(to.bucket, to.key);
    if (!dst.ok) return dst;
    const entry = src.value.objects.get(from.key);
    if (entry === undefined) return noSuchKey(from.bucket, from.key);
    // The very source the caller decided on, or none (review mq, 3).
    if (from.expect !== undefined && entry.info !== from.expect) return fail('PreconditionFailed', `object \`${from.key}\` in bucket \`${from.bucket}\` was replaced while it was being copied; read it again and retry`);
    // x-amz-copy-source-if-*, against the very version copied (read in the same step as it).
    const unmet = sourceProblem(conditions?.source, entry.info);
    if (unmet !== undefined) return failWith(unmet);
    // S3 copies at most what one PUT may write (API_CopyObject: larger objects are copied by UploadPartCopy), with this
    // refusal; it also bounds what a copy of a multipart object reads for its ETag.
    if (entry.info.size > this.maxPutSize) return fail('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${this.maxPutSize}`);
    const source = entry.version;
    source.pins++;
    try {
      // S3 never copies the storage class or the redirect location (API_CopyObject): the copy has the request's, or
      // STANDARD and none.
      const { redirectLocation: _sources, checksum: kept, ...body } = sameBody(entry, replace ?? {});
      // A copy asked for a checksum algorithm (API_CopyObject) has that checksum of its bytes, read (and their block
      // CRCs checked) from the source's segments: the way S3 documents to change an object's algorithm.
      const wanted = replace?.checksumAlgorithm;
      const recompute = wanted !== undefined && !(wanted === kept?.algorithm && kept.type === undefined);
      // S3 writes the copy as one part: a multipart source's `<md5>-N` ETag becomes the MD5 of the bytes copied (and
      // the copy knows their SHA-256), read in the same pass as a checksum asked for.
      const multipart = MULTIPART_ETAG.test(entry.info.etag);
      const digests = recompute || multipart ? await this.digestsOf(source, entry.info, recompute ? wanted : undefined) : undefined;
      const checksum = recompute ? checksumFrom(wanted, digests!)! : kept;
      const whole = multipart ? { etag: digests!.md5.toString('hex'), sha256: digests!.sha256.toString('hex') } : {};
      const fields = { ...body, ...whole, storageClass: replace?.storageClass ?? 'STANDARD', ...(replace?.redirectLocation === undefined ? {} : { redirectLocation: replace.redirectLocation }), ...(checksum === undefined ? {} : { checksum }) };
      return await this.writing(dst.value, () =>
        this.commitObject(
          dst.value,
          to.key,
          fields,
          (v) => this.placeLike(source, v),
          conditions,
        ),
      );
    } finally {
      this.unpin(source);
    }
  }

  async setObjectTags(bucketName: string, key: string, tags: Readonly<Record<string, string>>, expect?: ObjectInfo): Promise<ObjectResult<ObjectInfo>> {
    const b = this.writableBucketOf(bucketName, key);
    if (!b.ok) return b;
    const entry = b.value.objects.get(key);
    if (entry === undefined) return noSuchKey(bucketName, key);
    if (expect !== undefined && entry.info !== expect) return replacedMeanwhile(b.value, key);
    const source = entry.version;
    source.pins++;
    try {
      // The same body, metadata and LastModified under new tags, committed only over this very version (`over`): a
      // write that replaced it meanwhile, even with the same ETag (the same bytes, other metadata), is never given
      // the old one's metadata back.
      return await this.writing(b.value, () =>
        this.commitObject(
          b.value,
          key,
          { ...sameBody(entry, { tags }), lastModified: entry.info.lastModified },
          (v) => this.placeLike(source, v),
          undefined,
          entry,
        ),
      );
    } finally {
      this.unpin(source);
    }
  }

  /** The digests of `version`'s bytes (MD5, SHA-256 and `algorithm`'s), read from its segments (the caller pins it). */
  private async digestsOf(version: Version, info: ObjectInfo, algorithm: ChecksumAlgorithm | undefined): Promise<BodyDigests> {
    const hasher = new BodyHasher({}, algorithm);
    const stream = new SegmentStream(this.segments(version), version.block, 0, info.size - 1, `object \`${info.key}\` in bucket \`${info.bucket}\``);
    for await (const chunk of stream) hasher.update(chunk as Uint8Array);
    return hasher.digest();
  }

  /** Places `v`'s segments as `source`'s (hard links where the file system allows, else copies), made durable. */
  private async placeLike(source: Version, v: Version): Promise<void> {
    for (let i = 0; i < source.sizes.length; i++) await linkOrCopy(this.segmentPath(source, i), this.segmentPath(v, i), this.fsync);
    await this.fsyncDir(dirname(this.segmentPath(v, 0)));
  }

  async listObjects(input: ListObjectsInput): Promise<ObjectResult<ListObjectsPage>> {
    const b = this.bucketOf(input.bucket);
    if (!b.ok) return b;
    const bucket = b.value;
    const page = listPage(bucket.keys, input);
    const objects = page.keys.map((k) => bucket.objects.get(k)!.info);
    return ok({ objects, prefixes: page.prefixes, truncated: page.truncated, ...(page.next === undefined ? {} : { next: page.next }) });
  }

  // ---- multipart uploads ---------------------------------------------------------------------------------

  private uploadFor(bucket: Bucket, key: string, uploadId: string): ObjectResult<Upload> {
    const upload = isUploadId(uploadId) ? bucket.uploads.get(uploadId) : undefined;
    if (upload === undefined || upload.done || upload.info.key !== key) {
      return noSuchUpload(uploadId, `no upload \`${uploadId}\` of \`${key}\` in bucket \`${bucket.info.name}\`: it may have been completed or aborted`);
    }
    return ok(upload);
  }

  async createUpload(input: CreateUploadInput): Promise<ObjectResult<UploadInfo>> {
    const b = this.writableBucketOf(input.bucket, input.key);
    if (!b.ok) return b;
    const bucket = b.value;
    return this.writing(bucket, async () => {
      const at = this.now();
      const id = newUploadId(at);
      const record: UploadRecord = {
        format: 1,
        key: input.key,
        initiated: at.toISOString(),
        contentType: input.contentType ?? DEFAULT_CONTENT_TYPE,
        metadata: { ...input.metadata },
        ...headersField(frozenHeaders(input.headers)),
        tags: { ...input.tags },
        ...classFields(input.storageClass, input.redirectLocation),
        ...initiatorOf(input),
        ...(input.checksum === undefined ? {} : { checksum: { algorithm: input.checksum.algorithm, type: input.checksum.type } }),
        ...writeHeadersOf({ writeHeaders: input.writeHeaders === undefined ? undefined : { ...input.writeHeaders } }),
      };
      const upload = this.uploadOf(bucket, id, record);
      await mkdir(upload.dir, { mode: DIR_MODE });
      await this.fsyncDir(dirname(upload.dir));
      try {
        await this.writeJsonAtomic(join(upload.dir, 'upload.json'), record);
      } catch (e) {
        await rm(upload.dir, { recursive: true, force: true });
        throw e;
      }
      bucket.uploads.set(id, upload);
      return ok(upload.info);
    });
  }

  async uploadPart(input: UploadPartInput): Promise<ObjectResult<PartInfo>> {
    const b = this.bucketOf(input.bucket);
    if (!b.ok) return b;
    const bucket = b.value;
    const u = this.uploadFor(bucket, input.key, input.uploadId);
    if (!u.ok) return u;
    const upload = u.value;
    const n = input.partNumber;
    if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) return fail('InvalidPart', `part number \`${n}\` is not an integer from 1 to ${MAX_PARTS}`);
    // A part of an upload with a checksum carries one of its algorithm (S3 adds a FULL_OBJECT upload's when it has
    // none): S3's refusal, before the body is read (API_UploadPart).
    const want = upload.info.checksum;
    const sent = input.sent;
    if (want !== undefined && sent !== undefined && (sent === 'none' ? want.type === 'COMPOSITE' : sent !== want.algorithm)) {
      return fail('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${want.algorithm}, actual checksum Type: ${sent === 'none' ? 'null' : sent}`);
    }
    const keep = want?.algorithm;
    return this.writing(bucket, async () => {
      const tmp = this.tmpPath();
      const written = await writeSegment(tmp, input.body, { ...(input.size === undefined ? {} : { size: input.size }), max: this.maxPutSize, part: true, fsync: this.fsync, ...(keep === undefined ? {} : { keep }) }, declaredOf(input));
      if (!written.ok) return written;
      const checksum = keep === undefined ? undefined : checksumFrom(keep, written.value.digests)?.value;
      let moved = false;
      try {
        return await this.locks.run(`u:${upload.info.uploadId}`, async () => {
          if (upload.done) return noSuchUpload<PartInfo>(upload.info.uploadId, `upload \`${upload.info.uploadId}\` was completed or aborted while the part was uploading`);
          const record: PartRecord = {
            format: 1,
            partNumber: n,
            nonce: newId(),
            etag: written.value.digests.md5.toString('hex'),
            size: written.value.size,
            lastModified: this.now().toISOString(),
            sha256: written.value.digests.sha256.toString('hex'),
            ...(checksum === undefined ? {} : { checksum }),
          };
          const path = join(upload.dir, `${n}.${record.nonce}`);
          await rename(tmp, path);
          moved = true;
          await this.fsyncDir(upload.dir);
          try {
            await this.writeJsonAtomic(join(upload.dir, `${n}.json`), record);
          } catch (e) {
            await removeFile(path);
            throw e;
          }
          const part = this.partOf(record, keep);
          const previous = upload.parts.get(n);
          upload.parts.set(n, part);
          if (previous !== undefined) await rm(join(upload.dir, `${n}.${previous.nonce}`), { force: true });
          return ok(part.info);
        });
      } finally {
        if (!moved) await removeFile(tmp);
      }
    });
  }

  async listParts(bucketName: string, key: string, uploadId: string, options?: { readonly after?: number; readonly maxParts?: number }): Promise<ObjectResult<PartsPage>> {
    const b = this.bucketOf(bucketName);
    if (!b.ok) return b;
    const u = this.uploadFor(b.value, key, uploadId);
    if (!u.ok) return u;
    const after = options?.after ?? 0;
    // `maxParts` 0 is an empty page, not truncated (as ListObjects' max-keys 0): a client looping on IsTruncated ends.
    const max = Math.max(0, Math.min(1000, Math.floor(options?.maxParts ?? 1000)));
    const all = [...u.value.parts.values()].map((p) => p.info).filter((p) => p.partNumber > after).sort((x, y) => x.partNumber - y.partNumber);
    const parts = all.slice(0, max);
    const truncated = max > 0 && all.length > max;
    const { storageClass, initiator, checksum } = u.value.info;
    const of = { storageClass, ...(initiator === undefined ? {} : { initiator }), ...(checksum === undefined ? {} : { checksum }) };
    return ok(truncated ? { parts, truncated, next: parts[parts.length - 1]!.partNumber, ...of } : { parts, truncated, ...of });
  }

  async uploadRequestKeys(bucketName: string, key: string, uploadId: string): Promise<UploadRequestKeys | undefined> {
    const b = this.bucketOf(bucketName);
    if (!b.ok) return undefined;
    const keys = (writeHeaders: Readonly<Record<string, string>> | undefined, tags: Readonly<Record<string, string>>): UploadRequestKeys => ({
      ...(writeHeaders === undefined ? {} : { writeHeaders }),
      ...(Object.keys(tags).length === 0 ? {} : { tags }),
    });
    const u = this.uploadFor(b.value, key, uploadId);
    if (u.ok) return keys(u.value.info.writeHeaders, u.value.tags);
    // A completed upload's object has the upload's tags.
    const done = b.value.completed.get(uploadId);
    return done !== undefined && done.key === key && this.now().getTime() - done.at <= COMPLETED_KEPT_MS ? keys(done.writeHeaders, done.info.tags) : undefined;
  }

  async completeUpload(bucketName: string, key: string, uploadId: string, parts: readonly CompletedPart[], conditions?: WriteConditions, check?: CompleteChecks): Promise<ObjectResult<ObjectInfo>> {
    const b = this.bucketOf(bucketName);
    if (!b.ok) return b;
    const bucket = b.value;
    const again = this.completedAgain(bucket, key, uploadId, parts);
    if (again !== undefined) return ok(again);
    const u = this.uploadFor(bucket, key, uploadId);
    if (!u.ok) return u;
    const upload = u.value;
    return this.writing(bucket, () =>
      this.locks.run(`u:${uploadId}`, async () => {
        if (upload.done) {
          const raced = this.completedAgain(bucket, key, uploadId, parts);
          return raced === undefined ? noSuchUpload<ObjectInfo>(uploadId, `upload \`${uploadId}\` was completed or aborted`) : ok(raced);
        }
        if (parts.length === 0) return fail<ObjectInfo>('InvalidPart', 'a multipart upload needs at least one part to complete');
        const chosen: Part[] = [];
        let total = 0;
        for (let i = 0; i < parts.length; i++) {
          const asked = parts[i]!;
          if (i > 0 && asked.partNumber <= parts[i - 1]!.partNumber) return fail<ObjectInfo>('InvalidPartOrder', 'the list of parts must be in ascending order of part number, each once');
          const part = upload.parts.get(asked.partNumber);
          const etag = asked.etag.replace(/^"|"$/g, '').toLowerCase();
          if (part === undefined || part.info.etag !== etag) {
            return fail<ObjectInfo>('InvalidPart', `part ${asked.partNumber} was not uploaded or its ETag is not \`${asked.etag}\``);
          }
          chosen.push(part);
          total += part.info.size;
        }
        for (let i = 0; i < chosen.length - 1; i++) {
          if (chosen[i]!.info.size < this.minPartSize) {
            return fail<ObjectInfo>('EntityTooSmall', `part ${chosen[i]!.info.partNumber} has ${chosen[i]!.info.size} bytes; every part but the last needs at least ${this.minPartSize}`);
          }
        }
        if (total > MAX_OBJECT_SIZE) return fail<ObjectInfo>('EntityTooLarge', `the parts add up to ${total} bytes, more than the ${MAX_OBJECT_SIZE} allowed`);
        // S3 refuses a Complete whose x-amz-mp-object-size is not the object's size with 400 InvalidRequest
        // (API_CompleteMultipartUpload); the upload stays, to be completed with the right parts (review kr, 4).
        if (check?.objectSize !== undefined && check.objectSize !== total) {
          return fail<ObjectInfo>('InvalidRequest', `x-amz-mp-object-size is ${check.objectSize} bytes, but the parts listed add up to ${total}; list the parts of the object you meant, or send its size`);
        }
        const summed = await objectChecksum(upload.info, parts, chosen, check);
        if (!summed.ok) return summed;
        const checksum = summed.value;
        const committed = await this.commitObject(
          bucket,
          key,
          {
            sizes: chosen.map((p) => p.info.size),
            etag: multipartEtag(chosen.map((p) => Buffer.from(p.info.etag, 'hex'))),
            contentType: upload.contentType,
            metadata: upload.metadata,
            headers: upload.headers,
            tags: upload.tags,
            storageClass: upload.info.storageClass,
            ...(upload.redirectLocation === undefined ? {} : { redirectLocation: upload.redirectLocation }),
            ...(checksum === undefined ? {} : { checksum }),
          },
          async (v) => {
            for (let i = 0; i < chosen.length; i++) {
              const p = chosen[i]!;
              await linkOrCopy(join(upload.dir, `${p.info.partNumber}.${p.nonce}`), this.segmentPath(v, i), this.fsync);
            }
            await this.fsyncDir(dirname(this.segmentPath(v, 0)));
          },
          conditions,
        );
        if (committed.ok) {
          const { writeHeaders } = upload.info;
          await this.rememberCompleted(bucket, uploadId, { key, parts: partsSignature(parts), info: committed.value, at: this.now().getTime(), ...(writeHeaders === undefined ? {} : { writeHeaders }) });
          await this.removeUpload(bucket, upload);
        }
        return committed;
      }),
    );
  }

  /**
   * S3 answers a Complete of an upload it completed, naming the same key and parts, as it answered the first: 200 with
   * the object's ETag (CompleteMultipartUpload is idempotent; adobe/S3Mock#2586 shows it against S3). SDKs retry a
   * Complete whose answer was lost, and the object is stored. Other parts or another key are NoSuchUpload (review ni,
   * 1). Kept on disk too (`completed/<id>.json`): an answer is most often lost to the server going away, and the retry
   * reached a restarted server that answered NoSuchUpload (review nn, 2).
   */
  private completedAgain(bucket: Bucket, key: string, uploadId: string, parts: readonly CompletedPart[]): ObjectInfo | undefined {
    const done = bucket.completed.get(uploadId);
    if (done === undefined) return undefined;
    if (this.now().getTime() - done.at > COMPLETED_KEPT_MS) {
      bucket.completed.delete(uploadId);
      void removeFile(this.completedPath(bucket, uploadId)).catch(() => {});
      return undefined;
    }
    return done.key === key && done.parts === partsSignature(parts) ? done.info : undefined;
  }

  /** Written before the upload goes: a crash in between leaves the upload, which a retried Complete completes again. */
  private async rememberCompleted(bucket: Bucket, uploadId: string, done: Completed): Promise<void> {
    const completed = bucket.completed;
    const gone: string[] = [];
    for (const [id, old] of completed) {
      if (completed.size < COMPLETED_KEPT_MAX && done.at - old.at <= COMPLETED_KEPT_MS) break;
      completed.delete(id);
      gone.push(id);
    }
    completed.set(uploadId, done);
    await this.ensureDir(bucket, join(bucket.dir, 'completed'));
    await this.writeJsonAtomic(this.completedPath(bucket, uploadId), done);
    for (const id of gone) await removeFile(this.completedPath(bucket, id));
  }

  private completedPath(bucket: Bucket, uploadId: string): string {
    return join(bucket.dir, 'completed', `${uploadId}.json`);
  }

  private async removeUpload(bucket: Bucket, upload: Upload): Promise<void> {
    upload.done = true;
    bucket.uploads.delete(upload.info.uploadId);
    // Removing upload.json first is the commit: a crash after it leaves a directory that the next open removes.
    await rm(join(upload.dir, 'upload.json'), { force: true });
    await this.fsyncDir(upload.dir);
    await rm(upload.dir, { recursive: true, force: true });
  }

  async abortUpload(bucketName: string, key: string, uploadId: string): Promise<ObjectResult<void>> {
    const b = this.bucketOf(bucketName);
    if (!b.ok) return b;
    const bucket = b.value;
    const u = this.uploadFor(bucket, key, uploadId);
    if (!u.ok) return u;
    const upload = u.value;
    return this.locks.run(`u:${uploadId}`, async () => {
      if (upload.done) return noSuchUpload<void>(uploadId, `upload \`${uploadId}\` was completed or aborted`);
      await this.removeUpload(bucket, upload);
      return ok(undefined);
    });
  }

  async listUploads(input: ListUploadsInput): Promise<ObjectResult<UploadsPage>> {
    const b = this.bucketOf(input.bucket);
    if (!b.ok) return b;
    // A marker no upload id ever had the shape of (`isUploadId`: those of earlier versions too) names no position to
    // continue after: S3's refusal (review tz, 2), where it was read as a position among the key's ids and the page
    // silently skipped or repeated uploads. A well-formed id of an upload since completed or aborted stays a position.
    const marker = input.keyMarker === undefined ? undefined : input.uploadIdMarker;
    if (marker !== undefined && marker !== '' && !isUploadId(marker)) {
      return fail('InvalidArgument', `Invalid uploadId marker: \`${marker.length > 64 ? `${marker.slice(0, 64)}…` : marker}\` is not an upload id of this gateway (32 hex digits); pass the NextUploadIdMarker of the page before`);
    }
    const sorted = [...b.value.uploads.values()]
      .filter((u) => !u.done)
      .map((u) => u.info)
      .sort(compareUploads);
    return ok(uploadsPage(sorted, input));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A Complete's parts list as a retry of it must repeat it: part numbers and ETags, in order. */
function partsSignature(parts: readonly CompletedPart[]): string {
  return parts.map((p) => `${p.partNumber}:${p.etag.replace(/^"|"$/g, '').toLowerCase()}`).join(',');
}

/**
 * The checksum a completed upload gives its object, from its parts' (User Guide, "Checking object integrity",
 * multipart uploads; S3's refusals as API_CompleteMultipartUpload and the S3-compatible servers that match it record
 * them): each part checksum the request lists must be the part's (else InvalidPart, as a wrong ETag), and a COMPOSITE
 * upload's request must list each; then COMPOSITE is the checksum of the parts' checksums `-N`, FULL_OBJECT the CRC of
 * all the bytes, combined from the parts' CRCs. A checksum the request asserts for the object (`check`) must be it
 * (BadDigest), its type the upload's. None for an upload created without one (which ignores one asserted, as S3).
 */
async function objectChecksum(upload: UploadInfo, asked: readonly CompletedPart[], chosen: readonly Part[], check: CompleteChecks | undefined): Promise<ObjectResult<ObjectChecksum | undefined>> {
  const want = upload.checksum;
  if (want === undefined) {
    if (check?.type !== undefined) return fail('InvalidRequest', 'The upload was not created with a checksum mode. The complete request must not include a x-amz-checksum-type header.');
    return ok(undefined);
  }
  if (check?.type !== undefined && check.type !== want.type) return fail('InvalidRequest', `The upload was created using the ${want.type} checksum mode. The complete request must use the same checksum mode.`);
  for (let i = 0; i < chosen.length; i++) {
    const part = chosen[i]!.info;
    const named = asked[i]!.checksums?.[want.algorithm];
    if (named === undefined) {
      if (want.type === 'COMPOSITE') return fail('InvalidRequest', `The upload was created using a ${want.algorithm} checksum. The complete request must include the checksum for each part. It was missing for part ${part.partNumber} in the request.`);
    } else if (named !== part.checksum) {
      return fail('InvalidPart', `part ${part.partNumber}'s ${want.algorithm} checksum is not \`${named}\`: one or more of the specified parts could not be found`);
    }
  }
  // A part recorded without one (hand-edited): the object gets none rather than a wrong one.
  if (chosen.some((p) => p.info.checksum === undefined)) return ok(undefined);
  const sums = chosen.map((p) => p.info.checksum!);
  const value =
    want.type === 'COMPOSITE' || !isCrc(want.algorithm)
      ? await compositeChecksum(want.algorithm, sums)
      : combineCrcs(want.algorithm, chosen.map((p, i) => ({ crc: Buffer.from(sums[i]!, 'base64'), size: p.info.size }))).toString('base64');
  if (check?.checksum !== undefined && (check.checksum.algorithm !== want.algorithm || check.checksum.value !== value)) {
    return fail('BadDigest', `The ${check.checksum.algorithm} you specified did not match the calculated checksum.`);
  }
  return ok({ algorithm: want.algorithm, value, type: want.type });
}

function declaredOf(input: DeclaredDigests): DeclaredDigests {
  return {
    ...(input.contentMd5 === undefined ? {} : { contentMd5: input.contentMd5 }),
    ...(input.sha256Hex === undefined ? {} : { sha256Hex: input.sha256Hex }),
    ...(input.sha256Base64 === undefined ? {} : { sha256Base64: input.sha256Base64 }),
    ...(input.crc32Base64 === undefined ? {} : { crc32Base64: input.crc32Base64 }),
    ...(input.crc32cBase64 === undefined ? {} : { crc32cBase64: input.crc32cBase64 }),
    ...(input.crc64nvmeBase64 === undefined ? {} : { crc64nvmeBase64: input.crc64nvmeBase64 }),
  };
}

/** `setObjectTags`'s refusal when the object it read is no longer the key's: the caller reads it again and retries. */
function replacedMeanwhile(bucket: Bucket, key: string): ObjectResult<ObjectInfo> {
  return bucket.objects.has(key)
    ? fail('PreconditionFailed', `object \`${key}\` in bucket \`${bucket.info.name}\` was replaced while its tags were being written; read it again and retry`)
    : noSuchKey(bucket.info.name, key);
}

/**
 * Segments are immutable, so a new name for the same inode is a copy; a kernel copy where links fail (too many links,
 * no support). The caller fsyncs the directory (the new name) and then commits the metadata that names the segment.
 * A link needs nothing more: its inode's data was made durable when the source was written. A copy is new data, so
 * it is flushed here, as `writeSegment` flushes a PUT's, before anything names it: else a crash could keep the
 * committed metadata and lose the copy's bytes, leaving an object whose every read fails its CRC check. (A crash
 * during the copy leaves a file no metadata names, which the next open removes.)
 */
async function linkOrCopy(from: string, to: string, fsync: boolean): Promise<void> {
  try {
    await link(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EMLINK' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw e;
    await copyFile(from, to);
    await chmod(to, FILE_MODE); // a copy takes its source's mode: a segment left 0644 by an older store would stay so
    if (!fsync) return;
    const fh = await open(to, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/** Clamps a requested range to an object of `size` bytes, as S3 does; one that starts past the end is `InvalidRange`. */
export function resolveRange(range: { readonly start?: number; readonly end?: number; readonly suffix?: number }, size: number): ObjectResult<ByteRange> {
  const unsatisfiable = (): ObjectResult<ByteRange> => fail('InvalidRange', `the requested range is not satisfiable for an object of ${size} bytes`);
  if (range.suffix !== undefined) {
    if (!Number.isInteger(range.suffix) || range.suffix <= 0 || size === 0) return unsatisfiable();
    return ok({ start: Math.max(0, size - range.suffix), end: size - 1 });
  }
  const start = range.start ?? 0;
  const end = Math.min(range.end ?? size - 1, size - 1);
  if (!Number.isInteger(start) || start < 0 || start >= size || end < start) return unsatisfiable();
  return ok({ start, end });
}
