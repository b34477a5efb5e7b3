/**
 * The audit spool (src/app/audit.ts `AuditSpool`): audit records a stopping instance could not write go to a file
 * in the data dir, `DIR/audit-spool/audit-spool-<time>-<instance>-<random>.json`, and the next start with that
 * data dir appends them to the chain, then removes the file. The data dir exists with PostgreSQL too (the master
 * key lives there), so the same holds for every store.
 *
 * A spool is written atomically (a temporary file in the same directory, flushed to disk, then renamed, then the
 * directory flushed), mode 0600 in a 0700 directory. It holds each record as the chain would have it before it
 * is linked: its time, its fields and its detail already redacted (the canonical text the writer would have
 * hashed), so it carries no secret a record would not. Names sort by time, so spools are recovered oldest first.
 *
 * ```json
 * { "format": "gatehouse-audit-spool", "version": 1, "instance": "host/pid", "spooledAt": "…Z", "reason": "…",
 *   "count": 2, "records": [{ "at": "…Z", "kind": "session", "account": "…", …, "detail": { … } }, …] }
 * ```
 *
 * `"mayBeWritten": true` in the header: a write of these records failed without its outcome known (its COMMIT answer
 * lost), so some may be in the chain already; the next start appends only those it does not hold (review iw, 1).
 * A server that predates the field ignores it (and appends them all, as before).
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AuditSpool, SpooledRecords } from '../../app/audit.ts';
import { AUDIT_KINDS, type AuditEvent, type AuditKind, type TimedEvent } from '../../core/audit/index.ts';
import { makeDirectory } from '../fs/index.ts';
import { fileClaims } from './claim.ts';

export const SPOOL_DIR = 'audit-spool';
const FORMAT = 'gatehouse-audit-spool';
const NAME = /^audit-spool-[0-9TZ.-]+-[A-Za-z0-9._-]+\.json$/;
/** A spool being written (`save`), under its name to be: renamed to that name once whole and flushed. */
const TMP = /^\.(audit-spool-[0-9TZ.-]+-[A-Za-z0-9._-]+\.json)\.tmp$/;
/**
 * How old a temporary file of the spool directory must be to be taken for one a stopped writer left: a live writer
 * renames (or removes) its own within the write that made it, in milliseconds; one a minute old is a killed one's.
 * A fresh one is left alone: it may be another process's, mid-write (review lw, 1).
 */
export const STRAY_TMP_MS = 60_000;
const OPTIONAL = ['decision', 'role', 'session', 'job', 'sourceIdentity', 'sourceIp', 'actingRole', 'accessKeyId', 'requestId'] as const;
const REQUIRED = ['account', 'principal', 'action', 'resource'] as const;

export interface FileSpoolOptions {
  /** This instance as recorded; default `<hostname>/<pid>` (the pod's name on Kubernetes). */
  readonly instance?: string;
}

export function fileAuditSpool(dataDir: string, options: FileSpoolOptions = {}): AuditSpool {
  const dir = join(dataDir, SPOOL_DIR);
  const instance = options.instance ?? `${hostname()}/${process.pid}`;
  const claims = fileClaims();

  const syncDir = async (): Promise<void> => {
    // Makes the rename or removal durable; some file systems refuse to open a directory for this, which only costs durability.
    const d = await open(dir, 'r').catch(() => undefined);
    await d?.sync().catch(() => {});
    await d?.close();
  };

  return {
    instance,
    where: dir,

    async save({ reason, spooledAt, events, mayBeWritten }) {
      await makeDirectory(dir, 0o700);
      const stamp = new Date(spooledAt).toISOString().replace(/[:]/g, '');
      const name = `audit-spool-${stamp}-${instance.replace(/[^A-Za-z0-9._-]+/g, '_')}-${randomBytes(4).toString('hex')}.json`;
      const records = events.map(toJson);
      const text = `${JSON.stringify({ format: FORMAT, version: 1, instance, spooledAt: new Date(spooledAt).toISOString(), reason, ...(mayBeWritten === true ? { mayBeWritten: true } : {}), count: records.length, records })}\n`;
      const path = join(dir, name);
      const tmp = join(dir, `.${name}.tmp`);
      try {
        const f = await open(tmp, 'wx', 0o600);
        try {
          await f.writeFile(text);
          await f.sync();
        } finally {
          await f.close();
        }
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
      await syncDir();
      return path;
    },

    async load() {
      let all: string[];
      try {
        all = await readdir(dir);
      } catch (e) {
        if ((e as { code?: unknown }).code === 'ENOENT') return { spools: [], unreadable: [] };
        throw e;
      }
      // A spool written aside by an instance stopped hard before its rename (review lw, 1): before, it stayed there,
      // its records (decisions among them, which the journal does not hold) never appended nor mentioned. Whole (it
      // reads back as written: one JSON document, every record), it is renamed into place and recovered as any spool;
      // torn (the write cut short), it holds no spool and goes.
      // Spools another process claimed and did not append before it stopped (review mi, 3).
      await claims.takeUpStale(dir, all);
      const strays: { where: string; what: string }[] = [];
      let touched = false;
      for (const name of all) {
        const m = TMP.exec(name);
        if (m === null) continue;
        const where = join(dir, name);
        const to = m[1] as string;
        try {
          if (Date.now() - (await stat(where)).mtimeMs < STRAY_TMP_MS) continue;
          let whole = true;
          try {
            parseSpool(to, join(dir, to), await readFile(where, 'utf8'));
          } catch {
            whole = false;
          }
          if (whole && !all.includes(to)) {
            await rename(where, join(dir, to));
            touched = true;
            all.push(to);
          } else {
            await unlink(where);
            touched = true;
            strays.push({ where, what: whole ? 'removed: a copy of a spool already in place' : 'removed: a spool whose write was cut short (its instance stopped hard or its disk filled), which holds no whole spool' });
          }
        } catch (e) {
          if ((e as { code?: unknown }).code !== 'ENOENT') strays.push({ where, what: `left where it is: cannot take it up (${e instanceof Error ? e.message : String(e)})` });
        }
      }
      if (touched) await syncDir();
      const names = all.filter((n) => NAME.test(n)).sort();
      const spools: SpooledRecords[] = [];
      const unreadable: { where: string; error: string }[] = [];
      for (const name of names) {
        const where = join(dir, name);
        try {
          spools.push(parseSpool(name, where, await readFile(where, 'utf8')));
        } catch (e) {
          unreadable.push({ where, error: e instanceof Error ? e.message : String(e) });
        }
      }
      return { spools, unreadable, ...(strays.length > 0 ? { strays } : {}) };
    },

    async remove(where) {
      await unlink(where);
      await syncDir();
    },

    claim: (where) => claims.claim(where),
    unclaim: (where) => claims.unclaim(where),
  };
}

/** A record as spooled: its time as ISO-8601 with milliseconds, its fields, its redacted detail. */
export function toJson(e: TimedEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { at: new Date(e.at).toISOString(), kind: e.event.kind };
  for (const k of REQUIRED) out[k] = e.event[k];
  for (const k of OPTIONAL) if (e.event[k] !== undefined) out[k] = e.event[k];
  out['detail'] = e.detailText !== undefined ? (JSON.parse(e.detailText) as unknown) : (e.event.detail ?? {});
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a spool back, refusing anything that is not exactly what `save` writes (it is appended to the chain as it is). */
export function parseSpool(id: string, where: string, text: string): SpooledRecords {
  const doc = JSON.parse(text) as unknown;
  if (!isObject(doc) || doc['format'] !== FORMAT || doc['version'] !== 1) throw new Error(`not a version 1 ${FORMAT} file`);
  const { instance, spooledAt, reason, count, records, mayBeWritten } = doc;
  const spooledMs = typeof spooledAt === 'string' ? Date.parse(spooledAt) : NaN;
  if (typeof instance !== 'string' || typeof reason !== 'string' || !Number.isFinite(spooledMs) || !Array.isArray(records) || records.length !== count || (mayBeWritten !== undefined && mayBeWritten !== true)) {
    throw new Error('its header (instance, spooledAt, reason, mayBeWritten, count, records) is not as written');
  }
  const events = records.map((r: unknown, i): TimedEvent => parseRecord(r, i));
  return { id, where, instance, spooledAt: spooledMs, reason, events, ...(mayBeWritten === true ? { mayBeWritten: true } : {}) };
}

/** One record as `toJson` writes it, read back; refuses anything else, naming record `i`. */
export function parseRecord(r: unknown, i: number): TimedEvent {
  const bad = (what: string): Error => new Error(`record ${i}: ${what}`);
  if (!isObject(r)) throw bad('not an object');
  const at = typeof r['at'] === 'string' ? Date.parse(r['at']) : NaN;
  if (!Number.isFinite(at)) throw bad('`at` is not a time');
  if (!AUDIT_KINDS.includes(r['kind'] as AuditKind)) throw bad('`kind` is not a record kind');
  const e: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = { kind: r['kind'] as AuditKind, account: '', principal: '', action: '', resource: '' };
  for (const k of REQUIRED) {
    const v = r[k];
    if (typeof v !== 'string') throw bad(`\`${k}\` is not a string`);
    e[k] = v;
  }
  for (const k of OPTIONAL) {
    const v = r[k];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw bad(`\`${k}\` is not a string`);
    e[k] = v;
  }
  if (!isObject(r['detail'])) throw bad('`detail` is not an object');
  e.detail = r['detail'];
  return { at, event: e };
}
