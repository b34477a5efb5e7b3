/**
 * The XML the AWS Query APIs answer with. Small and strict: element names are ours, text is escaped,
 * lists are `<member>` elements, maps `<entry><key>…</key><value>…</value></entry>` elements, absent values are
 * omitted (as AWS omits them).
 */
export type XmlValue = string | number | boolean | undefined | null | XmlFields | XmlList | XmlMap;
export interface XmlFields {
  readonly [name: string]: XmlValue;
}
/** A list rendered as `<member>` children. */
export interface XmlList {
  readonly members: readonly XmlValue[];
}

export const list = (members: readonly XmlValue[]): XmlList => ({ members });

/** A map rendered as `<entry>` children (the Query protocol's map, e.g. `GetAccountSummary`'s `SummaryMap`). */
export interface XmlMap {
  readonly entries: readonly (readonly [string, XmlValue])[];
}

export const map = (record: Readonly<Record<string, XmlValue>>): XmlMap => ({ entries: Object.entries(record) });

const ESCAPED: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };

/**
 * Text as XML 1.0 carries it. A character XML 1.0 does not allow (controls other than tab, newline and carriage
 * return, U+FFFE, U+FFFF), neither as itself nor as a reference, becomes U+FFFD: a message quoting a PathPrefix
 * holding U+0001 made the whole answer unparsable (boto3: ResponseParserError, retried) instead of a ValidationError
 * (review directory, D5). A carriage return is a reference, so that parsers do not fold it into a newline.
 */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (c) => ESCAPED[c] ?? '\uFFFD');
}

function isList(v: XmlValue): v is XmlList {
  return typeof v === 'object' && v !== null && Array.isArray((v as XmlList).members);
}

function isMap(v: XmlValue): v is XmlMap {
  return typeof v === 'object' && v !== null && Array.isArray((v as XmlMap).entries);
}

function render(v: XmlValue): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return escapeXml(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isList(v)) return v.members.map((m) => `<member>${render(m)}</member>`).join('');
  if (isMap(v)) return v.entries.map(([k, x]) => `<entry><key>${escapeXml(k)}</key><value>${render(x)}</value></entry>`).join('');
  let out = '';
  for (const [k, child] of Object.entries(v)) {
    if (child === undefined || child === null) continue;
    out += `<${k}>${render(child)}</${k}>`;
  }
  return out;
}

export function xmlDocument(root: string, namespace: string, body: XmlFields): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${render(body)}</${root}>\n`;
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata></ActionResponse>` */
export function queryResponse(action: string, namespace: string, result: XmlFields | undefined, requestId: string): string {
  return xmlDocument(`${action}Response`, namespace, {
    ...(result !== undefined ? { [`${action}Result`]: result } : {}),
    ResponseMetadata: { RequestId: requestId },
  });
}

export function queryError(namespace: string, type: 'Sender' | 'Receiver', code: string, message: string, requestId: string): string {
  return xmlDocument('ErrorResponse', namespace, { Error: { Type: type, Code: code, Message: message }, RequestId: requestId });
}

/**
 * The JSON value of a field, as AWS's Query APIs answer a request asking for JSON (`Accept: application/json`): a list
 * as an array, a map as an object, an absent value left out.
 */
function jsonOf(v: XmlValue): unknown {
  if (v === undefined || v === null || typeof v !== 'object') return v;
  if (isList(v)) return v.members.map(jsonOf);
  if (isMap(v)) return Object.fromEntries(v.entries.map(([k, x]) => [k, jsonOf(x)]));
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) if (child !== undefined && child !== null) out[k] = jsonOf(child);
  return out;
}

/**
 * `queryResponse` in JSON: `{"<Action>Response": {"<Action>Result": {…}, "ResponseMetadata": {"RequestId": …}}}`, what
 * AWS STS answers `Accept: application/json` (aws-iam-authenticator unmarshals GetCallerIdentity's so).
 */
export function queryResponseJson(action: string, result: XmlFields | undefined, requestId: string): string {
  return JSON.stringify({ [`${action}Response`]: { ...(result !== undefined ? { [`${action}Result`]: jsonOf(result) } : {}), ResponseMetadata: { RequestId: requestId } } });
}

/** `queryError` in JSON: `{"Error": {"Code", "Message", "Type"}, "RequestId"}`, as AWS STS answers a request asking for JSON. */
export function queryErrorJson(type: 'Sender' | 'Receiver', code: string, message: string, requestId: string): string {
  return JSON.stringify({ Error: { Code: code, Message: message, Type: type }, RequestId: requestId });
}
