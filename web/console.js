// Gatehouse console (served at /ui/): a static page that calls the admin API under /v1/ with the access key
// typed into it. Every request is signed here, in the browser, with SigV4 (service `gatehouse`) through Web
// Crypto, exactly as the CLI signs it. The secret is never sent nor kept: it signs one call, which opens a console
// sign-in on the server (`POST /v1/console/sign-in`, ended by Sign out), and the page keeps SigV4 signing keys derived
// from that sign-in's credentials for its dates (see `signingKeys`), in this tab's sessionStorage only. Data from the server is written into
// the page as text (`textContent`), never as markup.
//
// Plain JavaScript, no build step: the browser runs this file as it is. `signRequest` is exported so the tests
// can sign with this very code against a real server (test/console.test.ts).

const encoder = new TextEncoder();
const REGION = 'us-east-1';
const SERVICE = 'gatehouse';

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256Hex = async (text) => hex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
const hmac = async (key, text) => {
  const k = await crypto.subtle.importKey('raw', typeof key === 'string' ? encoder.encode(key) : key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, encoder.encode(text));
};
const unhex = (text) => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
/** The UTC date of `at` as SigV4's scope has it: `20260301`. */
const dateOf = (at) => at.toISOString().slice(0, 10).replace(/-/g, '');
/** SigV4's signing key (kSigning) of `secret` for `date` (YYYYMMDD), this region and the `gatehouse` service. */
async function signingKey(secret, date) {
  let key = await hmac(`AWS4${secret}`, date);
  key = await hmac(key, REGION);
  key = await hmac(key, SERVICE);
  return hmac(key, 'aws4_request');
}

/**
 * The signing keys (hex) of `secretAccessKey` for the UTC dates a sign-in made at `since` and lasting MAX_SESSION_MS
 * touches, by date: that of `since`, and the next one only when the sign-in runs past midnight UTC (review gz, 2: the
 * next date's key was kept for every sign-in, a key that signed for a whole day the sign-in never reached). All that
 * the page keeps (review bd, 1). Browsers write sessionStorage to
 * the profile on disk for session restore (Chromium's `Session Storage/*.log`, kept after the tab closes): the secret
 * kept there was a key that never expires, for every API of the server. These sign calls to the admin API only
 * (their scope names the `gatehouse` service, which IAM, STS and S3 refuse) and on those two dates only.
 */
export async function signingKeys(secretAccessKey, since) {
  const dates = [...new Set([dateOf(since), dateOf(new Date(since.getTime() + MAX_SESSION_MS))])];
  return Object.fromEntries(await Promise.all(dates.map(async (d) => [d, hex(await signingKey(secretAccessKey, d))])));
}

/** RFC 3986 percent-encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const uriEncode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Signs a request to the admin API. `path` is made of already-encoded segments (`/v1/users`); `query` maps
 * names to values (empty and undefined values are left out). Returns the URL to fetch (path and canonical query)
 * and the headers to send: everything signed but `host`, which the browser (and fetch) sets itself. `credentials`:
 * `{accessKeyId, secretAccessKey, sessionToken?}`, or `{accessKeyId, signingKeys, sessionToken?}` with the keys of
 * `signingKeys` (throws for a date it has no key for).
 */
export async function signRequest({ method, host, path, query = {}, body = '', credentials, now = new Date() }) {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const date = amzDate.slice(0, 8);
  const payloadHash = await sha256Hex(body);
  const headers = { host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  if (body !== '') headers['content-type'] = 'application/json';
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${String(headers[n]).trim()}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalQuery = Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== '')
    .map((k) => [uriEncode(k), uriEncode(String(query[k]))])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  // Services other than S3 sign each path segment encoded once more.
  const canonicalPath = path.split('/').map(uriEncode).join('/');
  const canonical = [method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${REGION}/${SERVICE}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256Hex(canonical)].join('\n');
  let key;
  if (credentials.signingKeys !== undefined) {
    const kept = Object.hasOwn(credentials.signingKeys, date) ? credentials.signingKeys[date] : undefined;
    if (kept === undefined) throw new Error(`no signing key for ${date}: sign in again`);
    key = unhex(kept).buffer;
  } else key = await signingKey(credentials.secretAccessKey, date);
  const signature = hex(await hmac(key, stringToSign));
  const sent = { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}` };
  delete sent.host;
  return { url: canonicalQuery === '' ? path : `${path}?${canonicalQuery}`, headers: sent };
}

/** The audit log view shows the newest this many records that match its filters. */
const AUDIT_SHOWN = 100;
/** The most records one `GET /v1/audit` answers. */
const AUDIT_PAGE = 1000;

/**
 * The seq of the first audit record after `after` (with the view's filters when `filtered`), following `next` past the
 * pages the server cut short with none (review ef5); undefined when none follows.
 */
async function firstAfter(page, after, filtered) {
  for (let from = after; ; ) {
    let p;
    try {
      p = await page(from, 1, filtered);
    } catch (e) {
      // The probes of `startOfNewest` step past the newest record, which the server refuses as a cursor (review hc, 1):
      // none follows there.
      if (/past the newest record/.test(String(e?.message ?? ''))) return undefined;
      throw e;
    }
    if (p.records.length > 0 || p.next === undefined) return p.records[0]?.seq;
    from = Number(p.next);
  }
}

/**
 * Where the newest `n` audit records matching the filters start: `{after}`, the cursor to read them from, and `older`,
 * whether older records match too. `GET /v1/audit` reads forward from a cursor, oldest first, and has no newest-first
 * order; so, as `gatehouse audit query --last` (startOfNewest, src/adapters/cli/commands/audit.ts), with requests it
 * answers from the seq index: the oldest match; the newest record the caller may read, unfiltered, found by probes of
 * one record (doubling strides, then halving: about 2·log2(head) small requests); then windows of seq going back from
 * there, each twice as wide as the one before and read forward, until `n` matches are found or the oldest is reached.
 * `page(after, limit, filtered)` answers a page of `GET /v1/audit`, with the view's filters when `filtered`.
 */
async function startOfNewest(page, n) {
  const first = await firstAfter(page, 0, true);
  if (first === undefined) return { after: 0, older: false };
  const floor = first - 1;
  // Unfiltered; a caller of another account reads its own, so its pages too may be cut short.
  const probe = (after) => firstAfter(page, after, false);
  // The newest record is at `lo` or after it, and none is after `hi`.
  let lo = first;
  let hi;
  for (let stride = Math.max(n, AUDIT_PAGE); ; stride *= 2) {
    const p = await probe(lo + stride);
    if (p === undefined) {
      hi = lo + stride;
      break;
    }
    lo = p;
  }
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const p = await probe(mid);
    if (p === undefined) hi = mid;
    else lo = p;
  }
  const parts = [];
  let found = 0;
  let end = lo;
  for (let width = n; found < n && end > floor; width *= 2) {
    const start = Math.max(floor, end - width);
    const seqs = [];
    for (let after = start; ; ) {
      const r = await page(after, Math.min(AUDIT_PAGE, end - after), true);
      for (const rec of r.records) if (rec.seq <= end) seqs.push(rec.seq);
      // `next`: after the page's last record, or after the records the server looked at, a page it cut short (review ef5).
      const next = r.next === undefined ? undefined : Number(r.next);
      if (next === undefined || next >= end) break;
      after = next;
    }
    parts.unshift(seqs);
    found += seqs.length;
    end = start;
  }
  // More than `n` found: start after the one before the newest `n`. Else the oldest match (seq floor + 1) lies before
  // the windows read whenever they stopped above it.
  const all = parts.flat();
  return found > n ? { after: all[found - n - 1], older: true } : { after: end, older: end > floor };
}

// ------------------------------------------------------------------------------------------------
// The page

/**
 * Characters that change how text around them reads without showing themselves, by Unicode's own properties: controls
 * (Cc, line breaks among them), format characters (Cf: bidirectional overrides and isolates, Trojan Source,
 * CVE-2021-42574; zero-width characters; the tag characters U+E0000–U+E007F, a hidden copy of ASCII), line and
 * paragraph separators, and every other default-ignorable code point, which browsers draw as nothing (variation
 * selectors, the combining grapheme joiner) or as blank space (the Hangul fillers) (review cs, 1). Tab, which reads
 * as what it is, is left alone; `HIDDEN_BUT_LINES` leaves line feeds too.
 */
const HIDDEN = /(?!\t)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
const HIDDEN_BUT_LINES = /(?![\t\n])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * `text` as it can be shown: every character of HIDDEN written as an escape (`\n`, `\u{202e}`, `\u{e0061}`). Audit
 * records hold strings chosen by any caller (a resource ARN asked about, an action): shown raw, a line break or a
 * right-to-left override in one makes a cell read as other records or another principal (review console, W1).
 * `lines`: the page joined the text's lines itself, and its line feeds stay.
 */
export const visible = (text, lines = false) =>
  String(text).replace(lines ? HIDDEN_BUT_LINES : HIDDEN, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u{${c.codePointAt(0).toString(16).padStart(4, '0')}}`));

const STORAGE_KEY = 'gatehouse-console-credentials';
/**
 * A signed-in tab not used for this long forgets its key (review console, W7): the server's idle limit of the sign-in
 * (`idleSeconds` of its answer, GATEHOUSE_CONSOLE_IDLE_SECONDS: review mp, 2), else 30 minutes, the server's default.
 */
const IDLE_MS = 30 * 60 * 1000;
/** The idle limit of sign-in `c` ({idleMs?}), in ms. */
const idleOf = (c) => (Number.isFinite(c?.idleMs) && c.idleMs > 0 ? c.idleMs : IDLE_MS);
/** What the page says when it signs out after `ms` without use. */
const idleText = (ms) => `signed out after ${ms % 60_000 === 0 ? `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}` : `${ms / 1000} seconds`} without use: sign in again`;
/**
 * A sign-in lasts at most this long, used or not (review console, H5): the idle limit alone kept a tab in use, or one
 * a script or an open audit view kept busy, signed in as the administrator for days on one typing of the key.
 */
const MAX_SESSION_MS = 8 * 60 * 60 * 1000;
const LEFT_TEXT = 'signed out when the console was left for another page: sign in again';
const KEY_LEFT_TEXT = 'the key typed was cleared when the console was left for another page: type it again';
const KEY_IDLE_TEXT = `the key typed was cleared after ${IDLE_MS / 60_000} minutes without use: type it again`;
const EXPIRED_TEXT = `signed out: a sign-in lasts at most ${MAX_SESSION_MS / 3_600_000} hours; sign in again`;
/**
 * Whether sign-in `c` ({endsAt?}) has reached the end of the credentials it was opened with, and what the page says then
 * (review ue, 1). A sign-in opened with temporary credentials ends when they do (the server's `expiration` of its
 * answer): a role's session with 15 minutes left, a job's.
 */
const endedAt = (c, at = Date.now()) => Number.isFinite(c?.endsAt) && at >= c.endsAt;
const endedText = (c) =>
  `signed out: the sign-in ended at ${new Date(c.endsAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}, when the temporary credentials it was opened with expired (a sign-in lasts as long as they do, ${MAX_SESSION_MS / 3_600_000} hours at most); sign in again, with credentials that have not expired`;
/** A service principal's name (`training.gatehouse.dev`, `ec2.amazonaws.com`, `ecs.aliyuncs.com`), which records carry as it is. */
const SERVICE_NAME = /\.(gatehouse\.dev|amazonaws\.com|aliyuncs\.com)$/i;
/** The views' forms, reset at every sign-out. */
const VIEW_FORMS = ['audit-form', 'jobs-form', 'authorize-form', 'who-can-form', 'escalation-form'];
/** Signed in as what is not a user, the Access keys view reads this many users' keys at once. */
const KEYS_AT_ONCE = 8;
/** The Jobs view reads `GET /v1/jobs` in pages of its largest size, and shows at most this many jobs. */
const JOBS_PAGE = 1000;
const MAX_JOBS_SHOWN = 10_000;
/** The reasons of the statuses a proxy answers with, for a browser that has none (HTTP/2 carries no reason phrase). */
const STATUS_TEXT = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
/** What an escalation gain gives (`EscalationGain.gives`, src/app/escalation.ts), as `gatehouse escalation-paths` words it. */
const GIVES = {
  any: 'any right',
  'any-within-boundary': 'any right within its boundary',
  'own-policies': 'its policies without its boundary',
  group: 'the rights of a group',
  policy: 'the rights of a managed policy',
  bindings: 'any role a binding grants',
  resource: 'any right a resource policy grants',
  tags: 'what its policies grant by tag',
  'without-deny': 'its policies without a Deny',
};
/** An error that is an answer to the request (a refusal of the server, or an answer the console will not take). */
const refusal = (message) => Object.assign(new Error(message), { refused: true });
/** How long a load that found a sign-in kept waits for another console page to say it holds it (review jd, 4). */
const HELD_WAIT_MS = 500;
/** How long Sign out waits for the server to end the sign-in before it signs the tab out all the same (review jd, 3). */
const SIGN_OUT_WAIT_MS = 10_000;
const CLOCK_TEXT = "signed out: this computer's clock left the dates (UTC) the sign-in holds signing keys for; sign in again";
/**
 * The API's answers that the credentials themselves are no longer accepted (src/adapters/http/errors.ts): a key
 * deactivated or deleted, its user disabled (InvalidClientTokenId), a session expired or revoked (ExpiredToken).
 */
const REFUSED_CREDENTIALS = new Set(['InvalidClientTokenId', 'ExpiredToken']);

/**
 * What to do about a signature refused as made too far from the server's time (review jd, 5): the server takes one
 * made within 15 minutes of its clock, and says `Signature expired` or `Signature not yet current` under
 * SignatureDoesNotMatch, which reads as a wrong key. By how much this computer's clock is off, from the time signed
 * (`amzDate`, `20260301T120000Z`) and the answer's `Date`; '' for any other refusal, or without a `Date`.
 */
function clockHint(error, amzDate, serverDate) {
  if (error?.code !== 'SignatureDoesNotMatch' || !/^Signature (expired|not yet current)/.test(String(error.message ?? ''))) return '';
  const signedAt = Date.parse(String(amzDate ?? '').replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const answeredAt = Date.parse(serverDate ?? '');
  if (!Number.isFinite(signedAt) || !Number.isFinite(answeredAt)) return '';
  const minutes = Math.round((signedAt - answeredAt) / 60_000);
  return ` (this computer's clock is ${Math.abs(minutes)} minutes ${minutes > 0 ? 'ahead of' : 'behind'} the server's, which takes requests signed within 15 minutes of its own: set it right, by NTP or by hand, and try again)`;
}

/**
 * Why a field of the sign-in form cannot be a key (review jd, 6): access key ids, secret keys and session tokens are
 * printable ASCII, and a copy from a chat, a wiki or a vault may bring a character that does not show (a zero-width or
 * no-break space) or typographic quotes. In a header, fetch refuses to send it, and the sign-in read as a server that
 * cannot be reached; in the secret, as a wrong key. The first such character of `fields` ([label, value]), by field,
 * character (escaped when it does not show) and position; undefined when there is none.
 */
function pastedProblem(fields) {
  for (const [label, value] of fields) {
    const chars = Array.from(value);
    const at = chars.findIndex((ch) => !/^[\x21-\x7e]$/.test(ch));
    if (at === -1) continue;
    const ch = chars[at];
    const shown = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u.test(ch) ? `\\u{${ch.codePointAt(0).toString(16).padStart(4, '0')}}` : ch;
    return `the ${label} holds ${shown} at character ${at + 1}, which no ${label} has (a copy from a chat, a document or a vault may add it): type or paste it again`;
  }
  return undefined;
}

/**
 * What to do about a refused key whose session token was left out or added (review fk, 5): the server answers both as
 * AWS does, `InvalidClientTokenId: The security token included in the request is invalid.`, which for a temporary key
 * typed without its token speaks of a token nobody sent. Temporary key ids are `ASIA…` (Alibaba's `STS.…`,
 * src/core/sts/key-id.ts); long-term ones take no token.
 */
function tokenHint(c, message) {
  if (!message.startsWith('InvalidClientTokenId:')) return '';
  const temporary = c.accessKeyId.startsWith('ASIA') || c.accessKeyId.startsWith('STS.');
  if (temporary && c.sessionToken === undefined) return ` (the access key id ${c.accessKeyId.slice(0, 4)}… is of temporary credentials, which are used with their session token: fill in Session token)`;
  if (!temporary && c.sessionToken !== undefined) return ` (the access key id ${c.accessKeyId.slice(0, 4)}… is a long-term key, which takes no session token: leave Session token empty)`;
  return '';
}

/** An ARN's head: `arn:partition:service:region:account:` (`acs:` too), the resource part following it. */
const ARN_HEAD = /^(?:arn|acs):[^:]*:[^:]*:[^:]*:[^:]*:/;
/**
 * A user's, role's or other entity's name as the Escalation paths and Who can views show it (`user/ops/alice`): its ARN's
 * resource part, after the head's fifth `:`, as `gatehouse escalation-paths` names it (entityName,
 * src/adapters/cli/commands/authorize.ts). Not after the last `:` (review kx, 2): an IAM path may hold one, and
 * `user/ops:role/carol` was shown as `role/carol`, a user read as a role. What is not an ARN, as it was.
 */
const entityName = (arn) => {
  const head = ARN_HEAD.exec(arn);
  return head !== null ? arn.slice(head[0].length) : arn.slice(arn.lastIndexOf(':') + 1);
};

/**
 * A step's kind in the words of the account it is taken in, as `gatehouse escalation-paths` and `who-can` word it
 * (howText, src/adapters/cli/commands/authorize.ts; review qf, 6): an `acs` account's in RAM's service name
 * (`ram:CreateAccessKey`, as the step's `actions` are), where the views printed the API's `how` (`iam:CreateAccessKey`), a
 * name no RAM policy grants or denies (review qu, 1). An `aws` account's as it is.
 */
const howText = (st) => (String(st.to).startsWith('acs:') && String(st.how).startsWith('iam:') ? `ram:${st.how.slice('iam:'.length)}` : st.how);

/**
 * A rule that decided, as the Authorize and Who can views show it: `iam: identity user/ana/data, statement 1 (Read)`;
 * a binding by its index in the IAM policy on the resource, as `gatehouse authorize` says it (ruleText,
 * src/adapters/cli/commands/authorize.ts), and an RBAC rule as `rbac: <the rule>` (its type is `rbac` too). The Who can
 * view named the policy without its statement (review gi, 3).
 */
const ruleText = (m) =>
  m.engine === 'bindings' && m.type === 'binding'
    ? `bindings: binding ${m.statement ?? '?'} of the IAM policy on ${m.policy}`
    : m.engine === 'rbac'
      ? `rbac: ${m.policy}`
      : `${m.engine}: ${m.type} ${m.policy}${m.statement !== undefined ? `, statement ${m.statement}` : ''}${m.sid ? ` (${m.sid})` : ''}`;

function page() {
  const $ = (id) => document.getElementById(id);
  const status = $('status');
  const view = $('view');
  let credentials = null;
  let usedAt = 0;
  let signedInAt = 0;
  /** Whether the server accepted the credentials at sign-in (`GET /v1/whoami`): a refusal after that signs out. */
  let accepted = false;
  /** `GET /v1/whoami`'s answer at sign-in: the account and ARN of whoever is signed in. */
  let signedInAs = null;
  /**
   * The turn of the view or sign-in asked last; a call made in an earlier turn throws STALE when it answers, so only
   * the last one asked draws (review bd, 2): a slow audit query answering after Users was chosen replaced the users
   * under the Users button, and a first sign-in checked after a second one named the first key.
   */
  let turn = 0;
  const STALE = new Error('stale');

  // Web Crypto exists only in a secure context (HTTPS, or localhost): elsewhere signing fails, and a page that came
  // over plain HTTP from a name may have been rewritten on the way to send the key elsewhere. Take no key there.
  if (!globalThis.isSecureContext || globalThis.crypto?.subtle === undefined) {
    for (const input of $('sign-in-form').elements) input.disabled = true;
    $('sign-in-status').textContent = visible(
      `this page is not a secure context (${location.origin}): the browser gives it no Web Crypto to sign with, and anyone on the network path could have rewritten it to take your key; start the server with --tls-cert and --tls-key and open the console over https, or open it at localhost (through an SSH tunnel for a remote server)`,
    );
    return;
  }

  /**
   * The sign-in kept in the tab's session storage for a reload, read, written and removed. A browser that keeps no site
   * data for this origin (Chromium's "don't allow sites to save data", the `DefaultCookiesSetting` policy of a hardened
   * machine) throws `SecurityError` at the mere reading of `sessionStorage`: the sign-in then lives in the page alone and
   * a reload asks for the key again (review jd, 2). It threw out of every sign-in, before its first call, and the page
   * said nothing at all. A write the storage refuses (its quota) likewise keeps nothing.
   */
  const tabKept = (() => {
    let storage;
    try {
      storage = globalThis.sessionStorage;
    } catch {
      storage = undefined;
    }
    return {
      get: () => storage?.getItem(STORAGE_KEY) ?? null,
      set: (text) => {
        try {
          storage?.setItem(STORAGE_KEY, text);
        } catch {
          // Not kept: a reload asks for the key again.
        }
      },
      remove: () => storage?.removeItem(STORAGE_KEY),
    };
  })();

  const say = (text, error = false) => {
    status.textContent = visible(text);
    status.className = error ? 'error' : '';
  };

  /** A signed call; the JSON answer, or a thrown Error carrying the API's code and message. */
  async function api(method, path, { query, body } = {}) {
    const asked = turn;
    if (credentials === null) throw new Error('signed out: sign in again');
    if (signedInAt !== 0 && Date.now() - signedInAt > MAX_SESSION_MS) {
      forget(EXPIRED_TEXT);
      throw new Error(EXPIRED_TEXT);
    }
    // The credentials signed in with expired (review ue, 1): the server refuses the sign-in from then on, and the page
    // stayed signed in, the last view's data on screen, until a call came back ExpiredToken (and its clock-skew words
    // when this computer's clock was off), said as a key deactivated or deleted.
    if (endedAt(credentials)) {
      const text = endedText(credentials);
      forget(text, true);
      throw new Error(text);
    }
    // The idle limit holds at the call too, not only at the timer's next tick (review fk, 1): a laptop woken from
    // sleep, or a background tab whose timers the browser held back, had a call made before the tick counted as use,
    // and the tab left unused for hours stayed signed in for whoever touched it first.
    if (Date.now() - usedAt > idleOf(credentials)) {
      const text = idleText(idleOf(credentials));
      forget(text);
      throw new Error(text);
    }
    // The keys cover the dates of the sign-in's MAX_SESSION_MS: only a clock set far off gets here.
    if (!Object.hasOwn(credentials.signingKeys, dateOf(new Date()))) {
      forget(CLOCK_TEXT);
      throw new Error(CLOCK_TEXT);
    }
    usedAt = Date.now();
    // Only a sign-in the server took (`accepted`: its own credentials, checked by whoami) is kept (review ta, 3): the
    // credentials of a sign-in still being opened are those of the key typed, and a tab that kept an earlier sign-in
    // wrote that key's signing keys (derived from its long-term secret: no sign-out ends them) to its storage on disk.
    if (accepted && tabKept.get() !== null) remember();
    const text = body === undefined ? '' : JSON.stringify(body);
    const signed = await signRequest({ method, host: location.host, path, query, body: text, credentials });
    // A redirect is never followed (review console, H4): the signed request, its Authorization with it, would go
    // wherever a proxy or a rewritten answer sends it (another path of this origin keeps every header), and the
    // answer shown would be that address's, as if the server had said it. The admin API never redirects.
    // No answer at all (the server stopped, the network gone) is said as the CLI says it, not in the browser's words
    // (`Failed to fetch`), nor as a refusal at sign-in (review cs, 3).
    const unreachable = (e) =>
      asked !== turn ? STALE : new Error(`cannot reach the Gatehouse server at ${location.origin}: ${method} ${path} got no answer (${e.message}); is \`gatehouse server\` running there, and this computer on its network?`);
    let res;
    let raw;
    try {
      res = await fetch(signed.url, { method, headers: signed.headers, redirect: 'manual', ...(text !== '' ? { body: text } : {}) });
    } catch (e) {
      throw unreachable(e);
    }
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
      throw refusal(`${method} ${path} was answered with a redirect, which the console does not follow (it would carry your signed request elsewhere): the admin API never redirects, so something between this page and the server does; open the console at the server's own address`);
    }
    try {
      raw = await res.text();
    } catch (e) {
      throw unreachable(e);
    }
    if (asked !== turn) throw STALE;
    let json;
    try {
      json = raw === '' ? {} : JSON.parse(raw);
    } catch {
      // The server answers every error in JSON: a 5xx page of another shape is a proxy's or load balancer's, whose
      // server behind is down or starting (review cs, 3).
      if (res.status >= 500) {
        const status = [res.status, res.statusText || STATUS_TEXT[res.status]].filter(Boolean).join(' ');
        throw new Error(`${method} ${path} was answered ${status} by something between this page and the Gatehouse server (a proxy or load balancer), not by the server: the server behind it may be down or starting; try again shortly, or open the console at the server's own address`);
      }
      throw refusal(`${method} ${path} was answered ${res.status} with a body that is not JSON: is this page served by the Gatehouse server itself?`);
    }
    const why = `${json.error?.code ?? res.status}: ${json.error?.message ?? res.statusText}${clockHint(json.error, signed.headers['x-amz-date'], res.headers.get('date'))}`;
    // Signed in with a key the server has since stopped accepting (review cs, 2): the console signs out, as the idle
    // limit does, rather than stay signed in as that principal, answering every view with AWS's words, and keep keys
    // that a reload, or the key made active again, would use with nobody typing it.
    if (!res.ok && accepted && REFUSED_CREDENTIALS.has(json.error?.code)) {
      const text = `signed out: the server no longer accepts these credentials (${why}): the access key was deactivated or deleted, its user disabled, or the session expired or was revoked; sign in again with credentials that work`;
      forget(visible(text));
      throw new Error(text);
    }
    if (!res.ok) throw res.status < 500 ? refusal(why) : new Error(why);
    return json;
  }

  const cell = (value, lines) => {
    const td = document.createElement('td');
    td.textContent = value === undefined || value === null ? '' : typeof value === 'string' ? visible(value, lines) : visible(JSON.stringify(value, null, 1), true);
    return td;
  };

  /**
   * A table of `rows` with the given columns: [header, value of a row, `'lines'` when the page itself joins the
   * value's lines]. Any other cell shows its line breaks as `\n` (see `visible`). `caption`: what the table lists, when
   * a view shows more than one (read first by a screen reader, as the headers name the columns).
   */
  function table(columns, rows, caption) {
    const t = document.createElement('table');
    if (caption !== undefined) t.createCaption().textContent = visible(caption);
    const head = t.createTHead().insertRow();
    for (const [h] of columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.append(th);
    }
    const tbody = t.createTBody();
    for (const r of rows) {
      const tr = tbody.insertRow();
      for (const [, value, lines] of columns) tr.append(cell(value(r), lines === 'lines'));
    }
    return t;
  }

  const show = (...nodes) => view.replaceChildren(...nodes);
  const contextOf = (text) => {
    try {
      return JSON.parse(String(text || '{}'));
    } catch (e) {
      throw new Error(`the context is not JSON: ${e.message}`);
    }
  };
  // A key's last use has its service; a role's (a session of it issued) has none.
  const lastUsed = (u) => (u ? `${u.at} (${[u.service, u.region].filter((x) => x !== undefined && x !== null).join(', ')})` : 'never');

  /** A principal filter that is a name rather than an ARN (a service's name, `gatehouse` and `anonymous` are principals). */
  // Dots too (`jane.doe`: IAM names take them), unless it is a service's name (review gz, 7), as the CLI's principalNote.
  const principalIsName = (p) => /^[\w+=,.@-]{1,64}$/.test(p) && !SERVICE_NAME.test(p) && p !== 'gatehouse' && p !== 'anonymous';
  const principalNameNote = (name) => {
    const acs = signedInAs?.arn?.startsWith('acs:') === true;
    const arn = `${acs ? 'acs:ram' : 'arn:aws:iam'}::${signedInAs?.account ?? '<account>'}:user/${name}`;
    const role = `${acs ? 'acs:ram' : 'arn:aws:iam'}::${signedInAs?.account ?? '<account>'}:role/${name}`;
    return `records name a user by its ARN: for the user named \`${name}\` of your account, Principal ${arn} (for the sessions of the role named \`${name}\`: Role ${role}, and Principal empty)`;
  };
  /** A principal filter that is a role's ARN (`arn:aws:iam::A:role/…`, `acs:ram::A:role/NAME`), not one of its sessions'. */
  const principalIsRole = (p) => /^arn:[\w-]+:iam::\d{12}:role\//.test(p) || /^acs:ram::\d+:role\/[^/]+$/.test(p);

  const VIEWS = {
    users: async () => {
      const r = await api('GET', '/v1/users');
      show(table([['name', (u) => u.name], ['arn', (u) => u.arn], ['created', (u) => u.created], ['disabled', (u) => (u.disabled ? 'yes' : '')]], r.users));
      return `${r.users.length} user(s)`;
    },
    groups: async () => {
      const r = await api('GET', '/v1/groups');
      show(table([['name', (g) => g.name], ['arn', (g) => g.arn], ['created', (g) => g.created]], r.groups));
      return `${r.groups.length} group(s)`;
    },
    roles: async () => {
      const r = await api('GET', '/v1/roles');
      show(table([['name', (x) => x.name], ['arn', (x) => x.arn], ['description', (x) => x.description], ['last used', (x) => lastUsed(x.lastUsed)], ['trust policy', (x) => x.trustPolicy]], r.roles));
      return `${r.roles.length} role(s)`;
    },
    policies: async () => {
      const r = await api('GET', '/v1/policies', { query: { scope: 'Local' } });
      show(table([['name', (p) => p.name], ['arn', (p) => p.arn], ['attachments', (p) => p.attachmentCount], ['description', (p) => p.description]], r.policies));
      return `${r.policies.length} managed polic${r.policies.length === 1 ? 'y' : 'ies'} of this account`;
    },
    keys: async () => {
      const columns = [['access key id', (k) => k.accessKeyId], ['user', (k) => k.userName], ['status', (k) => k.status], ['created', (k) => k.created], ['last used', (k) => lastUsed(k.lastUsed)]];
      // Signed in as what is not a user (a role's session, the usual way in for an operator), there are no keys of one's
      // own: `GET /v1/access-keys` without a user was answered `UserName is required when the caller is not a user`, a
      // field the console has not, and the view showed nothing else (review gz, 5). It lists every user's keys instead,
      // a few users at a time; a refusal (ListUsers, ListAccessKeys) is shown as ever, naming the permission.
      if (signedInAs !== null && typeof signedInAs.userName !== 'string') {
        const { users } = await api('GET', '/v1/users');
        const keys = [];
        // A user whose keys this principal may not list (a Deny guarding a break-glass user) is left out and counted,
        // with the first refusal shown: it does not hide every other user's keys.
        const refused = [];
        const keysOf = (u) =>
          api('GET', '/v1/access-keys', { query: { userName: u.name } }).catch((e) => {
            if (e.refused !== true || !e.message.startsWith('AccessDenied:')) throw e;
            refused.push(e.message);
            return { accessKeys: [] };
          });
        for (let i = 0; i < users.length; i += KEYS_AT_ONCE) {
          const pages = await Promise.all(users.slice(i, i + KEYS_AT_ONCE).map(keysOf));
          for (const p of pages) keys.push(...p.accessKeys);
        }
        show(table(columns, keys));
        const left = refused.length > 0 ? `; the keys of ${refused.length} user(s) are not shown, refused: ${refused[0]}` : '';
        return `${keys.length} access key(s) of the ${users.length} user(s) of the account: you are signed in as ${signedInAs.arn}, which has no access keys of its own${left}`;
      }
      const r = await api('GET', '/v1/access-keys');
      show(table(columns, r.accessKeys));
      return `your ${r.accessKeys.length} access key(s)`;
    },
    credentials: async () => {
      // IAM's credential report: generated unless one younger than four hours is kept, then read. A principal allowed to
      // read it but not to generate one (iam:GetCredentialReport without iam:GenerateCredentialReport, a read-only
      // auditor's `iam:Get*`) reads the one kept, as `aws iam get-credential-report` does (review gz, 1): the refused
      // generation ended the view, with the report the administrator had made right there to read.
      let notGenerated;
      try {
        await api('POST', '/v1/credential-report');
      } catch (e) {
        if (e.refused !== true || !e.message.startsWith('AccessDenied:')) throw e;
        notGenerated = e.message;
      }
      let r;
      try {
        r = await api('GET', '/v1/credential-report');
      } catch (e) {
        if (notGenerated === undefined || e.refused !== true) throw e;
        throw refusal(`${e.message.replace(/\.$/, '')}; and this console could not generate one as you: ${notGenerated}`);
      }
      const key = (n) => (u) => (u[`access_key_${n}_last_rotated`] === 'N/A' ? '' : `${u[`access_key_${n}_active`] === 'true' ? 'active' : 'inactive'}, created ${u[`access_key_${n}_last_rotated`]}, last used ${u[`access_key_${n}_last_used_date`] === 'N/A' ? 'never' : `${u[`access_key_${n}_last_used_date`]} (${u[`access_key_${n}_last_used_service`]}, ${u[`access_key_${n}_last_used_region`]})`}`);
      show(table([['user', (u) => u.user], ['created', (u) => u.user_creation_time], ['key 1', key(1)], ['key 2', key(2)]], r.users));
      const kept = `${r.users.length} user(s), report generated ${r.generated} (kept four hours, as in IAM)`;
      return notGenerated === undefined ? kept : `${kept}; not generated anew: ${notGenerated}`;
    },
    jobs: async () => {
      // A pod job its pod has not confirmed yet (no credential request: kube-apiserver may have refused the pod after the
      // webhook) says so, as `gatehouse jobs list` does (review wc, 3 and 4): it was printed as any running job.
      const jobState = (j) => (j.pod?.provisional === true && j.state === 'Running' ? `${j.state} (provisional)` : j.state);
      // Every page, as `gatehouse jobs list` (review ca, 1): the API answers oldest first, 100 by default, with `next`
      // while more follow, so one page left out the newest jobs (the running ones) and was counted as all of them.
      // Narrowed by the view's Workspace and State, as `gatehouse jobs list --workspace --state` (review gz, 6).
      const form = new FormData($('jobs-form'));
      const filters = { workspace: String(form.get('workspace') ?? '').trim(), state: String(form.get('state') ?? '') };
      const jobs = [];
      let next;
      do {
        const r = await api('GET', '/v1/jobs', { query: { ...filters, limit: String(JOBS_PAGE), next } });
        jobs.push(...r.jobs);
        next = r.next;
      } while (next !== undefined && jobs.length < MAX_JOBS_SHOWN);
      show(table([['id', (j) => j.id], ['workspace', (j) => j.workspace], ['name', (j) => j.name], ['submitter', (j) => j.submitter?.arn], ['role', (j) => j.role?.arn ?? j.role?.mode], ['state', jobState], ['created', (j) => j.created]], jobs));
      // None in a workspace that does not exist: said, as `gatehouse jobs list --workspace` says it (review gn, 8); a typo
      // read as a workspace that ran nothing. Not refused: jobs of a deleted workspace keep its name.
      if (jobs.length === 0 && filters.workspace !== '') {
        const missing = await api('GET', `/v1/workspaces/${encodeURIComponent(filters.workspace)}`).then(() => false, (e) => e.refused === true && e.message.startsWith('NoSuchEntity:'));
        if (missing) return `0 job(s): there is no workspace \`${filters.workspace}\` in your account (jobs of a deleted workspace keep its name)`;
      }
      return next === undefined ? `${jobs.length} job(s)` : `the oldest ${jobs.length} job(s); more follow: a State (Queued or Running: the live ones) or a Workspace narrows the list`;
    },
    audit: async () => {
      const form = new FormData($('audit-form'));
      const filters = {};
      for (const k of ['principal', 'role', 'job', 'action', 'requestId', 'decision', 'kind', 'since', 'until']) filters[k] = String(form.get(k) ?? '').trim();
      // The key's field is not named `accessKeyId`, the sign-in form's (review ol, 1).
      filters.accessKeyId = String(form.get('keyId') ?? '').trim();
      // Role takes the role's ARN, as records carry it: a name matches none, and is refused as `gatehouse audit query
      // --role` refuses it, with the ARN to give.
      if (filters.role !== '' && !principalIsRole(filters.role)) {
        const acs = signedInAs?.arn?.startsWith('acs:') === true;
        const hint = principalIsName(filters.role) ? `; for the role named \`${filters.role}\` of your account: ${acs ? 'acs:ram' : 'arn:aws:iam'}::${signedInAs?.account ?? '<account>'}:role/${filters.role}` : '';
        throw new Error(`Role takes a role's ARN, as records name it, got \`${filters.role}\`${hint}`);
      }
      const page = (after, limit, filtered) => api('GET', '/v1/audit', { query: { ...(filtered ? filters : {}), after: String(after), limit: String(limit) } });
      // The newest AUDIT_SHOWN matching records, oldest of them first, as `gatehouse audit query --last` (review ca, 2):
      // the API reads oldest first, and its first page was the start of the day, never what just happened.
      const start = await startOfNewest(page, AUDIT_SHOWN);
      const records = [];
      for (let after = start.after; ; ) {
        const p = await page(after, AUDIT_SHOWN - records.length, true);
        records.push(...p.records);
        // A page the server cut short (review ef5) may hold none: its `next` is where to go on.
        if (p.next === undefined || records.length >= AUDIT_SHOWN) break;
        after = Number(p.next);
      }
      const r = { records };
      // What ties an action to a person and a place: the role and session acting, the job, the source identity
      // the caller set, the address it came from. Session names and source identities are the caller's choice.
      // A change one role's session made to another role names the role changed as `role` and the one that acted as
      // `actingRole` (review ic, 2): `by role`, or the session's ARN (no path) was all that named it (review im, 1).
      const via = (x) =>
        [['role', x.role], ['by role', x.actingRole], ['session', x.session], ['job', x.job], ['source identity', x.sourceIdentity], ['from', x.sourceIp], ['access key', x.accessKeyId], ['request', x.requestId]]
          .filter(([, v]) => v !== undefined && v !== '')
          .map(([label, v]) => `${label} ${visible(v)}`)
          .join('\n');
      show(
        table(
          [['#', (x) => x.seq], ['at', (x) => x.at], ['kind', (x) => x.kind], ['principal', (x) => x.principal], ['role, session, source', via, 'lines'], ['action', (x) => x.action], ['resource', (x) => x.resource], ['decision', (x) => x.decision], ['detail', (x) => x.detail]],
          r.records,
        ),
      );
      // A user's name matches no record (records name a user by its ARN): said, with the ARN to give, as `gatehouse
      // audit query --principal NAME` says it (review gh, 4); `0 record(s)` read as "alice did nothing" (review gn, 7).
      if (r.records.length === 0 && principalIsName(filters.principal)) return `0 record(s) for the principal \`${filters.principal}\`: ${principalNameNote(filters.principal)}`;
      // A role's ARN is no record's principal: its sessions are, each by its own ARN (review gz, 4); `0 record(s)` read as
      // "the role was never used".
      if (r.records.length === 0 && principalIsRole(filters.principal)) return `0 record(s) for the principal \`${filters.principal}\`: a role acts through its sessions, which records name by their own ARN (…:assumed-role/ROLE/SESSION); set Role to ${filters.principal} (and Principal empty) for every session of the role and the changes to it`;
      // Older ones are reached by moving the window's end back (Until): a later Since only cuts them out (review er, 1).
      return start.older ? `the newest ${r.records.length} record(s); older ones match too: set Until (the time of the oldest shown, or a duration back from now) to see those before it, or narrow Principal, Access key id, Kind, Action or Decision` : `${r.records.length} record(s)`;
    },
    whoCan: async (submitted) => {
      if (!submitted) {
        show();
        return 'every user and role of your account allowed an action on a resource, and by which rules';
      }
      const form = new FormData($('who-can-form'));
      const body = { action: String(form.get('action')).trim(), resource: String(form.get('resource')).trim(), context: contextOf(form.get('context')) };
      const a = await api('POST', '/v1/who-can', { body });
      const name = entityName;
      // The page joins these lines itself: each part is made visible first, so that a line break in one (a binding's
      // CEL expression may have some) is not read as another rule (as the audit view's `via`).
      const rules = (x) => x.matched.filter((m) => m.effect === 'Allow').map((m) => visible(ruleText(m)));
      // A grant that holds only under conditions says on what, as the CLI's row does (review dv, 1; dw, 1): "always"
      // and "only from the office" read alike before.
      // And one a Deny with a condition would take away in another context says which (review du, 2).
      const allowedBy = (x) =>
        [
          ...rules(x),
          ...(x.conditional === true ? [`if ${(x.conditions ?? []).map((c) => visible(c)).join(', ')}`] : []),
          ...((x.unless ?? []).length > 0 ? [`unless ${x.unless.map((c) => visible(c)).join(', ')}`] : []),
        ].join('\n');
      // Bindings granting it to principals not asked about (allUsers, another account's…), which the note names; one
      // that grants only under its condition says so, as the principals listed do (review kj, 2).
      const beyond = (a.grantedBeyond ?? []).map((g) => ({ kind: 'beyond the account', name: g.member, conditional: g.conditional, conditions: g.conditions, matched: [{ effect: 'Allow', engine: 'bindings', type: `${g.role}, bindings[${g.index}] of the policy on`, policy: g.policy }] }));
      // Resource policies granting it to `*` or principals of other accounts, whose own policies decide their side.
      // Conditional, or taken away by a conditional Deny elsewhere, as the principals listed say (review du, 3).
      const foreign = (a.grantedByResourcePolicy ?? []).map((g) => ({ kind: 'beyond the account', name: g.principal, conditional: g.conditional, conditions: g.conditions, unless: g.unless, matched: [{ effect: 'Allow', engine: 'iam', type: `statement ${g.statement} of the`, policy: g.policy }] }));
      const tables = [table([['kind', (x) => x.kind], ['name', (x) => x.name], ['allowed by', allowedBy, 'lines']], [...a.allowed, ...beyond, ...foreign], `Allowed ${body.action} on ${body.resource}`)];
      // Who reaches it through a role allowed, each with its shortest path, as `gatehouse who-can` prints them (review
      // dv, 2; dw, 1). Absent when the caller may not read the account whole: the note says so.
      const through = a.allowed.flatMap((r) => (r.through ?? []).map((t) => ({ ...t, role: r.principal })));
      if (through.length > 0) {
        // A PassRole step says where (`in workspace/ml`), as the escalation view and the CLI say it (review dx, 2).
        const path = (t) => [name(t.principal), ...t.path.map((p) => `-(${howText(p)}${p.via ? ` in ${name(p.via)}` : ''})-> ${name(p.to)}`)].join(' ');
        // A role more can come to act as than the answer lists (MAX_THROUGH, src/app/who-can.ts): how many more.
        const omitted = a.allowed.filter((r) => r.throughOmitted !== undefined).map((r) => `${r.throughOmitted} more as ${name(r.principal)}`);
        tables.push(table([['kind', (t) => t.kind], ['name', (t) => t.name], ['acts as', (t) => name(t.role)], ['path', path]], through, `Also through the roles and users they can come to act as${omitted.length > 0 ? ` (not listed: ${omitted.join(', ')}; the escalation view shows each)` : ''}`));
      }
      // Who beyond the account can become a role allowed, by its trust policy, as `gatehouse who-can` prints them
      // (review fl, 3): another account (sts:AssumeRole), an OIDC provider's tokens (sts:AssumeRoleWithWebIdentity).
      const trusted = a.allowed.flatMap((r) => (r.trustedBeyond ?? []).map((t) => ({ ...t, role: r.principal })));
      if (trusted.length > 0) {
        const by = (t) =>
          [
            visible(`${t.action} (statement ${t.statement} of the ${t.policy})`),
            ...(t.conditional === true ? [`if ${(t.conditions ?? []).map((c) => visible(c)).join(', ')}`] : []),
            ...((t.unless ?? []).length > 0 ? [`unless ${t.unless.map((c) => visible(c)).join(', ')}`] : []),
          ].join('\n');
        tables.push(table([['principal', (t) => t.principal], ['acts as', (t) => name(t.role)], ['by', by, 'lines']], trusted, 'Also beyond the account, through the trust policies of the roles allowed'));
      }
      // Who reaches it through a job of the workspace default role, which needs no PassRole (review eq, 2).
      const jobs = a.throughDefaultRoleJobs ?? [];
      if (jobs.length > 0) {
        tables.push(table([['kind', (j) => j.kind], ['name', (j) => j.name], ['acts as', (j) => name(j.role)], ['path', (j) => `-(${j.join !== undefined ? `${j.join} then ` : ''}training:CreateJob --role default in ${name(j.workspace)})-> ${name(j.role)}`]], jobs, 'Also through a job of the workspace default role (a member allowed training:CreateJob, or one that may make itself a member first; its session opens the workspace\'s default bucket)'));
      }
      // Refused only because conditions of their Allow statements did not hold for the context given (review dv, 1).
      // And principals beyond the account a binding would grant it to but for its condition (review vm, 3).
      const excluded = [
        ...(a.conditionallyExcluded ?? []),
        ...(a.conditionallyExcludedBeyond ?? []).map((g) => ({ kind: 'beyond the account', name: g.member, conditions: g.conditions, notMet: [{ engine: 'bindings', type: `${g.role}, bindings[${g.index}] of the policy on`, policy: g.policy }] })),
        // And those a resource policy's Allow would let in had its conditions held (review vm, 5).
        ...(a.conditionallyExcludedByResourcePolicy ?? []).map((g) => ({ kind: 'beyond the account', name: g.principal, conditions: g.conditions, notMet: [{ engine: 'iam', type: `statement ${g.statement} of the`, policy: g.policy }] })),
      ];
      if (excluded.length > 0) {
        const statements = (x) => (x.notMet ?? []).map((m) => visible(`${m.engine}: ${m.type} ${m.policy}${m.statement !== undefined ? `, statement ${m.statement}` : ''}${m.sid ? ` (${m.sid})` : ''}`)).join('\n');
        tables.push(table([['kind', (x) => x.kind], ['name', (x) => x.name], ['conditions not met', (x) => x.conditions.join(', ')], ['Allow statements', statements, 'lines']], excluded, 'Not allowed in this context only because conditions of their Allow statements did not hold'));
      }
      // Kubernetes subjects no access entry maps to a principal of the account (a ServiceAccount, a Group, another
      // authenticator's User), whom the cluster's webhook lets in by its RBAC alone, as `gatehouse who-can` prints them
      // (review ne, 3; nq, 1): a secret every pod of a service account reads read here as read by no one.
      const rbac = a.grantedByRbac ?? [];
      if (rbac.length > 0) {
        tables.push(table([['subject', (g) => `${g.kind} ${g.name}`], ['role', (g) => g.role], ['binding', (g) => g.binding]], rbac, "Also given by the cluster's RBAC to subjects no access entry maps to a principal listed above (its webhook lets them in)"));
      }
      show(...tables);
      return `${a.allowed.length} of ${a.checked} principal(s) allowed (${a.note})`;
    },
    escalation: async (submitted) => {
      if (!submitted) {
        show();
        return 'whom a user or role can come to act as (AssumeRole, PassRole to a job or node, CreateAccessKey, a rewritten trust policy), and how it can give itself more rights';
      }
      const form = new FormData($('escalation-form'));
      const principal = String(form.get('principal') ?? '').trim();
      const a = await api('POST', '/v1/escalation-paths', { body: { context: contextOf(form.get('context')), ...(principal !== '' ? { principal } : {}) } });
      const name = entityName;
      const path = (steps) => steps.map((s) => `→ ${name(s.to)} (${howText(s)}${s.via ? ` in ${name(s.via)}` : ''})`).join(' ');
      // What a gain gives in the words of `gatehouse escalation-paths` (givesText, src/adapters/cli/commands/authorize.ts),
      // with the managed policy it goes through and that policy's versions (review er, 2): the bare code (`policy`)
      // said neither, so the policies a principal may attach to itself read as identical lines.
      const gives = (g) => {
        const versions = (g.versions ?? []).length > 0 ? ` (version${g.versions.length === 1 ? '' : 's'} ${g.versions.join(', ')})` : '';
        if (g.policy !== undefined && g.gives === 'policy') return `the rights of ${name(g.policy)}${versions}`;
        if (g.policy !== undefined && g.gives === 'own-policies') return `its policies within boundary ${name(g.policy)}${versions}`;
        // A Deny of its own it may take away: the inline policy, managed policy, group or tag that carries it (review
        // gi, 2), as the CLI names it; the bare code said none.
        if (g.policy !== undefined && g.gives === 'without-deny') return `its policies without the Denies of ${g.policy.startsWith('aws:PrincipalTag/') ? `tag ${g.policy.slice('aws:PrincipalTag/'.length)}` : name(g.policy)}`;
        return Object.hasOwn(GIVES, g.gives) ? GIVES[g.gives] : g.gives;
      };
      // The page joins these lines itself: each is made visible first (as the Who can view's).
      const gains = (r) => r.canGain.map((g) => visible(`${gives(g.gain)} for ${name(g.gain.principal)}: ${[...(g.gain.first ?? []), g.gain.action].join(' then ')} on ${name(g.gain.resource)}${g.path.length > 0 ? ` (as ${name(g.gain.by)}: ${path(g.path)})` : ''}`)).join('\n');
      show(
        table(
          [['principal', (r) => name(r.principal)], ['any right', (r) => (r.anyRight ? 'yes' : 'no')], ['can act as', (r) => r.canBecome.map((b) => visible(`${name(b.principal)} ${path(b.path)}`)).join('\n'), 'lines'], ['ways to more rights', gains, 'lines']],
          a.reports,
        ),
      );
      return `${a.reports.filter((r) => r.anyRight).length} of ${a.reports.length} principal(s) can come to any right; ${a.questions} question(s) asked (${a.note})`;
    },
    authorize: async (submitted) => {
      if (!submitted) {
        show();
        return 'ask what a principal may do: decided by the same code as enforcement, recorded nowhere';
      }
      const form = new FormData($('authorize-form'));
      const context = contextOf(form.get('context'));
      const principal = String(form.get('principal') ?? '').trim();
      const body = { action: String(form.get('action')).trim(), resource: String(form.get('resource')).trim(), context, ...(principal !== '' ? { principal } : {}) };
      const a = await api('POST', '/v1/simulate', { body });
      const decision = document.createElement('p');
      decision.className = `decision ${a.decision}`;
      decision.textContent = a.decision;
      // Whom it was decided for, when the answer names it (review gi, 1): `user/BOB` typed for user `bob` is decided
      // for `user/bob`, as `gatehouse simulate` says under its decision (review cm, 5); the view showed the decision alone.
      const decidedFor = document.createElement('p');
      decidedFor.className = 'decided-for';
      decidedFor.textContent = visible(`decided for ${a.principal}`);
      const lines = (title, items) => {
        const h = document.createElement('h3');
        h.textContent = title;
        const ul = document.createElement('ul');
        for (const x of items.length > 0 ? items : ['none']) {
          const li = document.createElement('li');
          li.textContent = visible(x);
          ul.append(li);
        }
        return [h, ul];
      };
      // `iam: identity policy arn:…:policy/X, statement 0 (Sid): Allow`, then ` if <conditions>` for a rule that applied
      // only under them, as `gatehouse simulate` prints its matched rules (review nq, 2): an Allow from the office's
      // addresses, or a Deny of plain HTTP only, read as rules that apply always.
      const rule = (m) => `${ruleText(m)}: ${m.effect}${(m.conditions ?? []).length > 0 ? ` if ${m.conditions.join(', ')}` : ''}`;
      show(decision, ...(a.principal !== undefined ? [decidedFor] : []), ...lines('reasons', a.reasons), ...lines('rules that decided', (a.matched ?? []).map(rule)), ...lines('diagnostics', a.diagnostics));
      return `decided in ${a.evaluationMicros} µs`;
    },
  };

  /**
   * The view the address names: its fragment (`/ui/#audit`), which never reaches the server, so that a reload keeps the
   * view, a link opens it after sign-in and Back goes to the view before (review cs, 4); else Users.
   */
  const viewOfAddress = () => {
    const name = location.hash.slice(1);
    return Object.hasOwn(VIEWS, name) ? name : 'users';
  };
  let current = viewOfAddress();
  /** The document's title: what is shown (a view's name, or `Sign in`), then the console's (WCAG 2.4.2; review lv, 1). */
  const titled = (what) => {
    document.title = `${what} · Gatehouse console`;
  };
  async function open(name, submitted = false) {
    const mine = ++turn;
    current = name;
    for (const b of document.querySelectorAll('nav button')) b.setAttribute('aria-pressed', String(b.dataset.view === name));
    // Headed and titled by its name, as its button says it (review lv, 1): the views had no heading, and the title was
    // the same whatever the view, so a screen reader, the tab, the history and a bookmark never said which was shown.
    const label = document.querySelector(`nav button[data-view="${name}"]`)?.textContent ?? name;
    $('view-title').textContent = label;
    titled(label);
    $('audit-form').hidden = name !== 'audit';
    $('jobs-form').hidden = name !== 'jobs';
    $('authorize-form').hidden = name !== 'authorize';
    $('who-can-form').hidden = name !== 'whoCan';
    $('escalation-form').hidden = name !== 'escalation';
    say('loading…');
    try {
      const said = await VIEWS[name](submitted);
      if (mine === turn) say(said);
    } catch (e) {
      if (e === STALE || mine !== turn) return;
      show();
      say(e.message, true);
    }
  }

  /**
   * The console pages of this origin answer on this channel for the sign-in they hold: a load that finds a sign-in kept
   * in the tab's storage asks whether another page holds it (`heldElsewhere`) before it ends it on the server (review
   * jd, 4). Without BroadcastChannel, a sign-in is taken as held elsewhere, and so not ended there.
   */
  const holders = typeof BroadcastChannel === 'function' ? new BroadcastChannel('gatehouse-console-sign-ins') : undefined;
  holders?.addEventListener('message', (ev) => {
    if (typeof ev.data?.ask === 'string' && credentials !== null && credentials.accessKeyId === ev.data.ask) holders.postMessage({ held: ev.data.ask });
  });
  /** Whether another console page of this origin holds the sign-in of key id `id`: asked, and answered within HELD_WAIT_MS. */
  const heldElsewhere = (id) =>
    new Promise((resolve) => {
      if (holders === undefined) return resolve(true);
      const done = (held) => {
        holders.removeEventListener('message', onAnswer);
        clearTimeout(timer);
        resolve(held);
      };
      const onAnswer = (ev) => {
        if (ev.data?.held === id) done(true);
      };
      const timer = setTimeout(() => done(false), HELD_WAIT_MS);
      holders.addEventListener('message', onAnswer);
      holders.postMessage({ ask: id });
    });

  /** The sign-in kept in the tab ({accessKeyId, signingKeys, sessionToken, idleMs?}), when one that can be ended is. */
  const keptSignIn = () => {
    try {
      const { usedAt: _u, signedInAt: _s, secretAccessKey: _k, ...c } = JSON.parse(tabKept.get() ?? 'null') ?? {};
      return c.signingKeys !== undefined && c.sessionToken !== undefined ? c : undefined;
    } catch {
      return undefined;
    }
  };

  /** Keeps the key for a reload of this tab, with when it was last used. */
  const remember = () => tabKept.set(JSON.stringify({ ...credentials, usedAt, signedInAt }));

  /**
   * Ends the console sign-in `c` on the server, as far as it can be: sent without waiting, and nothing said of how it
   * went (an idle tab's, or one put away, on its way out). The Sign out button asks and waits (`signOut`).
   */
  const endOnServer = (c) => {
    void signRequest({ method: 'POST', host: location.host, path: '/v1/console/sign-out', credentials: c })
      .then((signed) => fetch(signed.url, { method: 'POST', headers: signed.headers, redirect: 'manual', keepalive: true }))
      .catch(() => {});
  };

  /**
   * Forgets the key and shows the sign-in form with `why`. A sign-in the server accepted is ended there too (review id,
   * 1), unless `ended` (the Sign out button ended it already): forgotten by the tab alone, its credentials went on
   * working for hours for whoever had copied them (the browser keeps session storage on disk, review bd, 1).
   */
  function forget(why, ended = false) {
    if (credentials !== null && accepted && !ended) endOnServer(credentials);
    turn++;
    credentials = null;
    signedInAt = 0;
    accepted = false;
    tabKept.remove();
    show();
    say('');
    // What the operator typed into the views (a principal investigated, a resource, a context) and whom the page was
    // signed in as go too (review gz, 8): the next one at the tab found them filled in, one click from being asked again.
    signedInAs = null;
    $('who').textContent = '';
    for (const id of VIEW_FORMS) $(id).reset();
    // The focus was on Sign out or in a view now hidden (review kx, 4): it goes to the form shown, not to nothing.
    const from = document.activeElement;
    const hid = from === null || from === document.body || from === $('sign-out') || $('console').contains(from);
    for (const id of ['who', 'sign-out', 'console']) $(id).hidden = true;
    $('sign-in').hidden = false;
    titled('Sign in');
    $('sign-in-status').textContent = why;
    if (hid) $('sign-in-form').elements.namedItem('accessKeyId')?.focus();
  }

  // An administrator's key left in an open tab is anyone's who sits down at it: forgotten after its idle limit without a
  // call. And whatever the use, after MAX_SESSION_MS from the sign-in.
  setInterval(() => {
    if (credentials === null) return;
    if (Date.now() - signedInAt > MAX_SESSION_MS) forget(EXPIRED_TEXT);
    else if (endedAt(credentials)) forget(endedText(credentials), true);
    else if (Date.now() - usedAt > idleOf(credentials)) forget(idleText(idleOf(credentials)));
  }, 30_000);

  /**
   * The forms' defaults in the words of the account signed in to (`me`, whoami's answer; review qu, 2): Authorize and Who
   * can offer `oss:GetObject` in an `acs` account (`s3:GetObject` in an `aws` one), and Role's example is a role ARN of
   * the account. They offered `s3:GetObject` and `arn:aws:iam::123456789012:role/NAME` whatever the account, so a RAM
   * administrator asking who can read an OSS object, the action left as given, asked about an action no RAM policy
   * grants, and was answered that the RAM users allowed `oss:GetObject` on it may not. A field already typed in keeps
   * its text (the default value only follows it while untouched); a sign-out's reset puts these defaults back.
   */
  function inWordsOf(me) {
    const acs = String(me?.arn ?? '').startsWith('acs:');
    for (const id of ['authorize-form', 'who-can-form']) {
      const action = $(id).elements.namedItem('action');
      if (action !== null) action.defaultValue = acs ? 'oss:GetObject' : 's3:GetObject';
    }
    const role = $('audit-form').elements.namedItem('role');
    if (role !== null) role.placeholder = `${acs ? 'acs:ram' : 'arn:aws:iam'}::${me?.account ?? '123456789012'}:role/NAME`;
  }

  /**
   * Signs in with `c` ({accessKeyId, signingKeys, sessionToken?}: never the secret); `since`: when the key was typed
   * (a reload keeps the sign-in's time, not the reload's); `restored`: the sign-in a reload of the tab kept.
   */
  async function signIn(c, since = Date.now(), restored = false) {
    turn++;
    const typed = c;
    credentials = c;
    signedInAt = since;
    // A sign-in is a use: a reload comes here only within the idle limit of the last one (see the end of `page`).
    usedAt = Date.now();
    accepted = false;
    // Whether whoami took this sign-in's credentials: from then on `forget` is the one to end them.
    let took = false;
    try {
      // The credentials typed open a console sign-in of their own on the server, which Sign out ends there (review id,
      // 1): the page signs with those from then on, and keeps nothing of the key typed. A reload's are those already.
      if (!restored) {
        const answer = await api('POST', '/v1/console/sign-in');
        const opened = answer.credentials;
        const own = { accessKeyId: opened.accessKeyId, sessionToken: opened.sessionToken, signingKeys: await signingKeys(opened.secretAccessKey, new Date(since)) };
        // The server's idle limit of this sign-in, which the tab keeps too (review mp, 2).
        if (Number.isFinite(answer.idleSeconds) && answer.idleSeconds > 0) own.idleMs = answer.idleSeconds * 1000;
        // Opened with temporary credentials (a session token typed), it ends with them on the server, when they expire
        // before its 8 hours (review ue, 1). One opened with a long-term key ends at its 8 hours, said as ever.
        const ends = Date.parse(String(opened.expiration ?? ''));
        if (c.sessionToken !== undefined && Number.isFinite(ends) && ends < since + MAX_SESSION_MS) own.endsAt = ends;
        if (credentials !== c) {
          endOnServer(own);
          return;
        }
        credentials = c = own;
      }
      const me = await api('GET', '/v1/whoami');
      took = true;
      accepted = true;
      signedInAs = me;
      inWordsOf(me);
      remember();
      $('who').textContent = visible(`${me.arn} (account ${me.account})`);
      $('who').hidden = false;
      $('sign-out').hidden = false;
      // The focus was in the form now hidden (review kx, 4): it goes to the view's button, not to nothing.
      const from = document.activeElement;
      $('sign-in').hidden = true;
      $('console').hidden = false;
      if (from === null || from === document.body || $('sign-in').contains(from)) document.querySelector(`nav button[data-view="${current}"]`)?.focus();
      await open(current);
    } catch (e) {
      // A sign-in this page opened and will not keep (its whoami failed, or a later sign-in or a sign-out took over) is
      // ended on the server (review me, 2): dropped by the page alone, it stayed usable there for its 8 hours, and each
      // failed attempt left another. A kept one restored by a reload is the tab's, and is decided below.
      if (c !== typed && !took) endOnServer(c);
      // A later sign-in (or a sign-out) took over: it is the one to say how it went.
      if (e === STALE || credentials !== c) return;
      credentials = null;
      signedInAt = 0;
      // A kept sign-in that got no answer (the server restarting, a proxy's 502) was not refused: it stays kept, so that
      // a reload once the server answers signs in again, as a reload does (review fk, 4). Forgotten, the key had to be
      // found and typed again after every upgrade of the server. Its idle and 8-hour limits hold as ever.
      const keep = restored && e.refused !== true;
      if (!keep) tabKept.remove();
      $('sign-in').hidden = false;
      $('console').hidden = true;
      // Refused: the server (or the console, for an answer it will not take) said no to the request. Else no answer came.
      $('sign-in-status').textContent = visible(`${e.refused === true ? 'sign-in refused' : 'could not sign in'}: ${e.message}${keep ? '; the sign-in of this tab is kept: reload the page once the server answers, or sign in again' : ''}${e.refused === true ? tokenHint(typed, e.message) : ''}`);
      return;
    }
    // Unless the first view found the credentials refused already, and signed out saying so.
    if (credentials === c) $('sign-in-status').textContent = '';
  }

  /**
   * The secret access key and session token as typed (review kx, 3). Their fields hold a MASK per character, the text
   * being kept here: a masked text field (index.html says why not type=password) gave its value, the secret itself, to
   * the accessibility tree, which screen readers speak aloud as it is typed and any program using the accessibility API
   * reads. Each edit (typing, paste, drop, deletion) is made here from the field's selection and drawn as masks; one
   * the browser does not let the page cancel (an input method's composition) empties the field, as no key holds such
   * text. Line breaks in a paste are dropped, as a text field drops them. Emptied when the form is reset.
   */
  const MASK = '\u2022';
  const typed = new Map();
  for (const input of $('sign-in-form').querySelectorAll('input.secret')) {
    typed.set(input.name, '');
    const draw = (text, caret) => {
      typed.set(input.name, text);
      input.value = MASK.repeat(text.length);
      input.setSelectionRange(caret, caret);
    };
    input.addEventListener('beforeinput', (ev) => {
      // Enter: the form's submission, which a cancelled line break would cancel.
      if (!ev.cancelable || ev.inputType === 'insertLineBreak' || ev.inputType === 'insertParagraph') return;
      ev.preventDefault();
      const text = typed.get(input.name);
      let from = input.selectionStart ?? text.length;
      let to = input.selectionEnd ?? text.length;
      if (ev.inputType.startsWith('insert')) {
        const added = String(ev.data ?? ev.dataTransfer?.getData('text/plain') ?? '').replace(/[\r\n]/g, '');
        draw(text.slice(0, from) + added + text.slice(to), from + added.length);
      } else if (ev.inputType.startsWith('delete')) {
        // A character back or forward; a word or a line (which masks do not show): the whole field.
        if (from === to && ev.inputType === 'deleteContentBackward') from = Math.max(0, from - 1);
        else if (from === to && ev.inputType === 'deleteContentForward') to = Math.min(text.length, to + 1);
        else if (from === to) [from, to] = [0, text.length];
        draw(text.slice(0, from) + text.slice(to), from);
      }
    });
    input.addEventListener('input', () => {
      if (input.value !== MASK.repeat(typed.get(input.name).length)) draw('', 0);
    });
  }
  $('sign-in-form').addEventListener('reset', () => {
    for (const name of typed.keys()) typed.set(name, '');
  });
  /** Whether the sign-in form holds anything typed (a key id, a secret or a token), not yet sent. */
  const formHolds = () =>
    typed.get('secretAccessKey') !== '' || typed.get('sessionToken') !== '' || String($('sign-in-form').elements.namedItem('accessKeyId')?.value ?? '') !== '';
  /**
   * A key typed and not sent is cleared after the idle limit without an edit of the form (review ta, 4), as a signed-in
   * tab signs out after it (review console, W7): an administrator's key left typed in an open tab is anyone's who sits
   * down at it, one click from signed in. The edits of the masked fields are cancelled (`beforeinput`), so both count.
   */
  let formEditedAt = Date.now();
  for (const type of ['beforeinput', 'input']) $('sign-in-form').addEventListener(type, () => (formEditedAt = Date.now()));
  setInterval(() => {
    if (credentials !== null || !formHolds() || Date.now() - formEditedAt <= IDLE_MS) return;
    $('sign-in-form').reset();
    $('sign-in-status').textContent = KEY_IDLE_TEXT;
  }, 30_000);

  $('sign-in-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    const since = Date.now();
    const secret = typed.get('secretAccessKey').trim();
    const c = { accessKeyId: String(form.get('accessKeyId')).trim() };
    const token = typed.get('sessionToken').trim();
    if (token !== '') c.sessionToken = token;
    ev.target.reset();
    const odd = pastedProblem([['access key id', c.accessKeyId], ['secret access key', secret], ['session token', token]]);
    if (odd !== undefined) {
      $('sign-in-status').textContent = odd;
      return;
    }
    // A sign-in the tab kept without a check (a reload the server did not answer) gives way to this one: ended on the
    // server, as far as it reaches it, and removed (review ta, 3). Replaced in the tab alone, it stayed usable there.
    const earlier = accepted ? undefined : keptSignIn();
    if (earlier !== undefined) {
      endOnServer(earlier);
      tabKept.remove();
    }
    // The secret goes no further than this: the page keeps nothing derived from it (review bd, 1; ta, 3).
    void signingKeys(secret, new Date(since)).then((keys) => signIn({ ...c, signingKeys: keys }, since));
  });
  /**
   * The Sign out button: ends the sign-in on the server (`POST /v1/console/sign-out`: its credentials are refused from
   * then on, wherever a copy of them is), then forgets it here and shows the sign-in form (review id, 1). It only forgot
   * it in the tab, and the server went on taking them until they expired.
   */
  async function signOut() {
    if (credentials === null) return;
    const c = credentials;
    const kept = `it stays usable until it expires, ${MAX_SESSION_MS / 3_600_000} hours after it began`;
    let said = 'signed out';
    // Not through `api`: a view opened meanwhile makes its answer stale, and an idle tab's call is not sent; the
    // sign-out is to be asked and its answer read whatever the page did since.
    // At most SIGN_OUT_WAIT_MS (review jd, 3): a server that takes the request and does not answer (wedged, or a dead
    // network path under a kept-alive connection) left the console signed in on screen, keys kept, for minutes.
    try {
      const signed = await signRequest({ method: 'POST', host: location.host, path: '/v1/console/sign-out', credentials: c });
      const res = await fetch(signed.url, { method: 'POST', headers: signed.headers, redirect: 'manual', signal: AbortSignal.timeout(SIGN_OUT_WAIT_MS) });
      const json = await res.json().catch(() => ({}));
      // Refused as no longer accepted (expired, revoked, its key deactivated): there is nothing left to end.
      if (!res.ok && !REFUSED_CREDENTIALS.has(json.error?.code)) said = `signed out of this tab, but the server did not end the sign-in (${json.error?.code ?? res.status}: ${json.error?.message ?? res.statusText}): ${kept}`;
    } catch (e) {
      said =
        e?.name === 'TimeoutError'
          ? `signed out of this tab, but the server did not answer the sign-out within ${SIGN_OUT_WAIT_MS / 1000} seconds, so the sign-in may not have ended there: ${kept}`
          : `signed out of this tab, but the server could not be reached to end the sign-in (${e.message}): ${kept}`;
    }
    // Signed out meanwhile (idle, refused) and saying why.
    if (credentials !== c) return;
    forget(visible(said), true);
  }
  $('sign-out').addEventListener('click', () => void signOut());
  // The form's button is disabled in the page until here, where its submit is ours: a key typed before this script
  // ran, or with it failing to load, is never sent as a form (review console, W6).
  $('sign-in-form').querySelector('button[type=submit]').disabled = false;
  // A button sets the address, whose change opens the view (one history entry a view); the view shown, asked again.
  for (const b of document.querySelectorAll('nav button')) {
    b.addEventListener('click', () => {
      if (location.hash === `#${b.dataset.view}`) void open(b.dataset.view);
      else location.hash = b.dataset.view;
    });
  }
  addEventListener('hashchange', () => {
    current = viewOfAddress();
    // Signed out, or the sign-in still being checked: the view is opened by the sign-in.
    if (credentials !== null && !$('console').hidden) void open(current);
  });
  $('audit-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void open('audit', true);
  });
  $('jobs-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void open('jobs', true);
  });
  $('authorize-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void open('authorize', true);
  });
  $('who-can-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void open('whoCan', true);
  });
  $('escalation-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void open('escalation', true);
  });

  // Leaving the page for another keeps it whole in the browser's back/forward cache, its signing keys in memory, and
  // Back (or Forward, or the history list) brought it back signed in, with nobody typing the key: what a tab that
  // comes back by URL never does (review fk, 2). Such a page is signed out as it is put away.
  addEventListener('pagehide', (ev) => {
    if (!ev.persisted) return;
    // A key typed into the sign-in form and not yet sent goes too (review ta, 1): the page kept it in its memory (`typed`)
    // and the key id in its field, and Back brought the form back filled in, one click from signed in as whoever's key
    // it was, with nobody typing it. Its fields have autocomplete=off, so no other return restores them.
    const form = $('sign-in-form');
    const held = formHolds();
    form.reset();
    if (credentials === null && held) $('sign-in-status').textContent = KEY_LEFT_TEXT;
    if (credentials !== null) forget(LEFT_TEXT);
    else {
      // A kept sign-in that could not be checked (see `signIn`) is not kept past leaving either, and is ended on the
      // server as far as it reaches it (review ta, 2), as a load that drops one ends it (review jd, 1): removed from the
      // tab alone, it stayed usable there until its idle limit, for a copy of it left in the profile on disk.
      const kept = keptSignIn();
      if (kept !== undefined) {
        endOnServer(kept);
        $('sign-in-status').textContent = LEFT_TEXT;
      }
      tabKept.remove();
    }
  });

  // The key is kept for a reload of this page only. Session storage is copied to a tab duplicated from this one or
  // opened by it, and stays with the tab when it goes elsewhere and comes back by URL: any of those signed in as
  // the administrator with nobody typing the key (review console, W4). Every load but a reload forgets it.
  const saved = tabKept.get();
  const navigationType = () => performance.getEntriesByType('navigation')[0]?.type;
  const reloaded = navigationType() === 'reload';
  // A kept value that is not a sign-in's JSON object (cut short, `null`, written by another page of this origin) is
  // removed as one kept by an older console is, below: parsed unguarded, it threw at every load, which stopped there and
  // left it kept (review uq, 7).
  const keptValue = () => {
    try {
      const v = JSON.parse(saved);
      return v !== null && typeof v === 'object' ? v : {};
    } catch {
      return {};
    }
  };
  const { usedAt: last = 0, signedInAt: since = 0, secretAccessKey: _, ...c } = saved === null ? {} : keptValue();
  // A sign-in kept by a console that kept the secret itself, or signing keys of the key typed (no console sign-in the
  // server could end, review id, 1): not used, and now removed from the tab.
  if (saved !== null && (c.signingKeys === undefined || c.sessionToken === undefined)) tabKept.remove();
  else if (saved !== null && reloaded && Date.now() - since > MAX_SESSION_MS) forget(EXPIRED_TEXT);
  // Ended on the server already, with the credentials it was opened with (review ue, 1): removed, and said.
  else if (saved !== null && reloaded && endedAt(c)) forget(endedText(c));
  else if (saved !== null && reloaded && Date.now() - last <= idleOf(c)) void signIn(c, since, true);
  else if (saved !== null && reloaded) {
    // Signed out here, at load, with no sign-in held in memory: `forget` ends only that one, and this sign-in, copied
    // off the disk, went on administering for the rest of its 8 hours (review jd, 1).
    endOnServer(c);
    forget(idleText(idleOf(c)));
  } else {
    // A tab that left the console without the back/forward cache keeping it (no `pagehide` with `persisted`) and came
    // back, by the address or by Back: its sign-in is dropped, and ended on the server too (review jd, 1 and 4), unless
    // another console page holds it: a tab duplicated from a signed-in one, or opened by it, loads with a copy of its
    // storage, and ending that copy would sign out the tab it came from.
    if (saved !== null) void heldElsewhere(c.accessKeyId).then((held) => held || endOnServer(c));
    tabKept.remove();
  }
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', page);
  else page();
}
