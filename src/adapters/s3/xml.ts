/**
 * S3's XML: responses rendered from plain values (repeated elements are arrays, absent values are omitted), and
 * the few request bodies S3 clients send, read with fast-xml-parser (entities off but the five of XML and character
 * references; a DOCTYPE is refused, as S3 refuses it).
 */
import { XMLParser } from 'fast-xml-parser';
import { tagRecord, tagSetProblem } from './tags.ts';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export type XmlNode = string | number | boolean | undefined | null | readonly XmlNode[] | { readonly [name: string]: XmlNode };

/** Text content: the five XML escapes, and control characters as character references (keys may hold any). */
export function escapeText(s: string): string {
  return s.replace(/[<>&"'\u0000-\u001f]/g, (c) => {
    switch (c) {
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '&':
        return '&amp;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

function render(name: string, v: XmlNode): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return (v as readonly XmlNode[]).map((x) => render(name, x)).join('');
  if (typeof v === 'object') {
    let inner = '';
    for (const [k, child] of Object.entries(v as Record<string, XmlNode>)) inner += render(k, child);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeText(String(v))}</${name}>`;
}

/** `<?xml …?><Root xmlns="…">…</Root>` */
export function xmlDocument(root: string, body: { readonly [name: string]: XmlNode }, namespace: string | null = S3_NAMESPACE): string {
  let inner = '';
  for (const [k, child] of Object.entries(body)) inner += render(k, child);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${namespace ? ` xmlns="${namespace}"` : ''}>${inner}</${root}>`;
}

/** The error document: no namespace, as S3 sends it. */
export function errorDocument(code: string, message: string, resource: string, requestId: string, extra: Readonly<Record<string, string>> = {}): string {
  return xmlDocument('Error', { Code: code, Message: message, ...extra, Resource: resource, RequestId: requestId }, null);
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // For `&#xD;` alone (`resolveReferences`): every other reference is resolved, and every other entity refused, before.
  htmlEntities: true,
  isArray: (name) => name === 'Object' || name === 'Part' || name === 'Tag' || name === 'Grant',
});

/** Sections whose text is not markup: references in them are text as written. */
const VERBATIM = /(<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>)/;
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));|&/g;
const KEPT: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };

/** A code point XML 1.0 allows in a document (its `Char` production). */
const isXmlChar = (c: number): boolean => c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

/**
 * `text` with its character references (`&#10;`, `&#x2028;`) resolved, in one pass, for the parser: SDK v3 writes a
 * line feed, a carriage return, NEL and U+2028 in a key or a tag as a reference (@aws-sdk/xml-builder), and read as
 * written a DeleteObjects named another key than the client's (review cr, 1). A reference to one of the five characters
 * of the named entities becomes that entity, and one to a carriage return stays `&#xD;` (the parser turns a literal CR
 * into LF, as XML's end-of-line handling requires): the parser resolves those, each after the others and `&amp;` last,
 * so nothing is decoded twice. Resolving them here, in one pass, keeps `&#38;#x41;` the text `&#x41;`, which the
 * parser's own numeric pass, run before its `&amp;`, would not. Undefined when the document is not well-formed there (an
 * entity XML does not define, a bare `&`, a reference to no XML character), which S3 refuses as MalformedXML.
 */
function resolveReferences(text: string): string | undefined {
  let out = '';
  for (const [i, piece] of text.split(VERBATIM).entries()) {
    if (i % 2 === 1) {
      out += piece;
      continue;
    }
    let bad = false;
    out += piece.replace(REFERENCE, (whole, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
      if (named !== undefined) return whole;
      const code = dec !== undefined ? Number(dec) : hex !== undefined ? parseInt(hex, 16) : -1;
      if (!isXmlChar(code)) {
        bad = true;
        return whole;
      }
      const c = String.fromCodePoint(code);
      return KEPT[c] ?? c;
    });
    if (bad) return undefined;
  }
  return out;
}

/** The parsed document, or undefined when it is not XML S3 would take. */
export function parseXml(text: string): Record<string, unknown> | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return undefined;
  const resolved = resolveReferences(text);
  if (resolved === undefined) return undefined;
  try {
    const v = parser.parse(resolved, true) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const textOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : v === '' ? '' : undefined);

/** `<Delete><Quiet>true</Quiet><Object><Key>…</Key></Object>…</Delete>` */
export function parseDelete(text: string): { keys: string[]; objects: { key: string; versionId?: string; etag?: string }[]; quiet: boolean; directoryConditions?: true } | undefined {
  const doc = parseXml(text)?.['Delete'];
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Record<string, unknown>;
  const objects = d['Object'];
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > 1000) return undefined;
  const keys: string[] = [];
  const entries: { key: string; versionId?: string; etag?: string }[] = [];
  let directoryConditions = false;
  for (const o of objects) {
    const fields = typeof o === 'object' && o !== null ? (o as Record<string, unknown>) : undefined;
    const key = fields ? textOf(fields['Key']) : undefined;
    if (key === undefined || key === '') return undefined;
    const versionId = fields && fields['VersionId'] !== undefined ? textOf(fields['VersionId']) : undefined;
    if (fields && fields['VersionId'] !== undefined && versionId === undefined) return undefined;
    // `LastModifiedTime` and `Size`: conditions S3 takes on directory buckets only, refused by the caller.
    if (fields && (fields['LastModifiedTime'] !== undefined || fields['Size'] !== undefined)) directoryConditions = true;
    // `ETag`: a conditional delete of this entry (User Guide, "conditional deletes").
    const etag = fields && fields['ETag'] !== undefined ? textOf(fields['ETag']) : undefined;
    if (fields && fields['ETag'] !== undefined && (etag === undefined || etag.trim() === '')) return undefined;
    keys.push(key);
    entries.push({ key, ...(versionId === undefined ? {} : { versionId }), ...(etag === undefined ? {} : { etag }) });
  }
  return { keys, objects: entries, quiet: textOf(d['Quiet'])?.trim().toLowerCase() === 'true', ...(directoryConditions ? { directoryConditions: true as const } : {}) };
}

/** The checksum elements of a CompleteMultipartUpload part (API_CompletedPart), by the algorithm each names. */
const PART_CHECKSUMS = [
  ['ChecksumCRC32', 'crc32'],
  ['ChecksumCRC32C', 'crc32c'],
  ['ChecksumCRC64NVME', 'crc64nvme'],
  ['ChecksumSHA1', 'sha1'],
  ['ChecksumSHA256', 'sha256'],
] as const;

type PartChecksums = Partial<Record<(typeof PART_CHECKSUMS)[number][1], string>>;

/**
 * `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag>[<ChecksumSHA256>…</ChecksumSHA256>]</Part>…`:
 * each part's number, ETag and the checksums it names.
 */
export function parseComplete(text: string): { partNumber: number; etag: string; checksums?: PartChecksums }[] | undefined {
  const doc = parseXml(text)?.['CompleteMultipartUpload'];
  if (typeof doc !== 'object' || doc === null) return undefined;
  const parts = (doc as Record<string, unknown>)['Part'];
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > 10_000) return undefined;
  const out: { partNumber: number; etag: string; checksums?: PartChecksums }[] = [];
  for (const p of parts) {
    if (typeof p !== 'object' || p === null) return undefined;
    const n = textOf((p as Record<string, unknown>)['PartNumber'])?.trim();
    const etag = textOf((p as Record<string, unknown>)['ETag'])?.trim();
    if (n === undefined || !/^\d{1,5}$/.test(n) || etag === undefined) return undefined;
    const checksums: PartChecksums = {};
    for (const [element, algorithm] of PART_CHECKSUMS) {
      const v = textOf((p as Record<string, unknown>)[element])?.trim();
      if (v !== undefined) checksums[algorithm] = v;
    }
    const part = { partNumber: Number(n), etag: etag.replace(/^"|"$/g, '').replace(/^&quot;|&quot;$/g, '') };
    out.push(Object.keys(checksums).length > 0 ? { ...part, checksums } : part);
  }
  return out;
}

/** `<CreateBucketConfiguration><LocationConstraint>…</LocationConstraint></CreateBucketConfiguration>` (or an empty body). */
export function parseCreateBucket(text: string): { location: string } | undefined {
  if (text.trim() === '') return { location: '' };
  const doc = parseXml(text)?.['CreateBucketConfiguration'];
  if (doc === '') return { location: '' };
  if (typeof doc !== 'object' || doc === null) return undefined;
  return { location: textOf((doc as Record<string, unknown>)['LocationConstraint'])?.trim() ?? '' };
}

/**
 * `<Tagging><TagSet><Tag><Key>…</Key><Value>…</Value></Tag>…</TagSet></Tagging>`: the tags as sent, in order,
 * duplicates and all (`tagSetProblem` says what S3 would refuse in them). Undefined when the document is not one.
 */
export function parseTagPairs(text: string): [string, string][] | undefined {
  const doc = parseXml(text)?.['Tagging'];
  if (typeof doc !== 'object' || doc === null) return undefined;
  const set = (doc as Record<string, unknown>)['TagSet'];
  if (set === '' || set === undefined) return [];
  if (typeof set !== 'object' || set === null) return undefined;
  const tags = (set as Record<string, unknown>)['Tag'] ?? [];
  if (!Array.isArray(tags)) return undefined;
  const out: [string, string][] = [];
  for (const t of tags) {
    if (typeof t !== 'object' || t === null) return undefined;
    const k = textOf((t as Record<string, unknown>)['Key']);
    const v = textOf((t as Record<string, unknown>)['Value']) ?? '';
    if (k === undefined) return undefined;
    out.push([k, v]);
  }
  return out;
}

/** A Tagging document S3 would take (at most 10 tags, unique keys, `tagSetProblem`) as a record; else undefined. */
export function parseTagging(text: string): Record<string, string> | undefined {
  const pairs = parseTagPairs(text);
  return pairs === undefined || tagSetProblem(pairs) !== undefined ? undefined : tagRecord(pairs);
}

/**
 * `<AccessControlPolicy><Owner>…</Owner><AccessControlList><Grant><Grantee xsi:type="…"><ID>…</ID></Grantee>
 * <Permission>FULL_CONTROL</Permission></Grant>…</AccessControlList></AccessControlPolicy>` (PutObjectAcl, PutBucketAcl):
 * each grant's grantee (its `ID`, or `uri=<URI>`, `emailAddress=<EmailAddress>`) and permission. Undefined when the
 * document is not one.
 */
export function parseAcl(text: string): { grantee: string; permission: string }[] | undefined {
  const doc = parseXml(text)?.['AccessControlPolicy'];
  if (typeof doc !== 'object' || doc === null) return undefined;
  const list = (doc as Record<string, unknown>)['AccessControlList'];
  if (list === '' || list === undefined) return [];
  if (typeof list !== 'object' || list === null) return undefined;
  const grants = (list as Record<string, unknown>)['Grant'] ?? [];
  if (!Array.isArray(grants)) return undefined;
  const out: { grantee: string; permission: string }[] = [];
  for (const g of grants) {
    if (typeof g !== 'object' || g === null) return undefined;
    const grantee = (g as Record<string, unknown>)['Grantee'];
    const permission = textOf((g as Record<string, unknown>)['Permission'])?.trim();
    if (typeof grantee !== 'object' || grantee === null || permission === undefined) return undefined;
    const fields = grantee as Record<string, unknown>;
    const id = textOf(fields['ID'])?.trim();
    const uri = textOf(fields['URI'])?.trim();
    const email = textOf(fields['EmailAddress'])?.trim();
    const who = id !== undefined ? id : uri !== undefined ? `uri=${uri}` : email !== undefined ? `emailAddress=${email}` : undefined;
    if (who === undefined) return undefined;
    out.push({ grantee: who, permission });
  }
  return out;
}
