/**
 * A URL as logs, errors and answers may show it: its password written `…`, and its query and fragment left out (either
 * may carry a secret: `?password=`, `?token=`). The user name stays (which role or proxy account, not a secret). A URL
 * with nothing to hide is shown as given; one that does not parse is not shown at all (`unparsable`), since it may
 * hold a secret where the parser would not find it. One function (pure, in the core) for the database URL (`gatehouse server`), the
 * agent's `--upstream` and the base URLs a server is given.
 */
export function shownUrl(url: string, unparsable = '<not a URL>'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return unparsable;
  }
  // No authority: `user:password@proxy:3128`, a proxy or address written without `scheme://` (curl and the aws CLI
  // read it as http://), parses as the scheme `user:` and an opaque path, with no password to hide (review ik, 1).
  // Whatever precedes its last `@` may be a user and password, wherever the parser put them.
  if (u.host === '') {
    const at = url.lastIndexOf('@');
    return at === -1 ? url.replace(/[?#][\s\S]*$/, '') : `…${url.slice(at).replace(/[?#][\s\S]*$/, '')}`;
  }
  // A password with a `/` not percent-encoded, at its start or after digits (`postgres://u:/pw@db/gh`), ends the authority
  // there: the parser reads host `u`, an empty or numeric port and the path `/pw@db/gh`, and finds no password; such a
  // URL was shown whole, the password in every log line naming it (review qz, 5). An `@` past the authority the parser
  // read (before any query or fragment): whatever precedes the last one may be a user and password.
  const bare = url.replace(/[?#][\s\S]*$/, '');
  if (u.username === '' && u.password === '' && bare.slice(bare.indexOf('//') + 2).includes('@')) return `${u.protocol}//…${bare.slice(bare.lastIndexOf('@'))}`;
  if (u.password === '' && u.search === '' && u.hash === '') return url;
  const user = u.username === '' ? '' : `${u.username}${u.password === '' ? '' : ':…'}@`;
  // The path as given: `http://host` stays without the `/` the parser adds.
  const path = u.pathname === '/' && !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(url) ? '' : u.pathname;
  return `${u.protocol}//${user}${u.host}${path}`;
}

/**
 * A URL a user gave, as a refusal echoes it: `shownUrl`, and one that does not parse shown from its last `@` on
 * (before it may be a user and password), without query or fragment, so that the refusal still says what was given. The
 * CLI's flags and settings, and the OIDC provider and issuer URLs a request gives (src/app/oidc.ts), are shown so.
 */
export function shownGivenUrl(value: string): string {
  const at = value.lastIndexOf('@');
  return shownUrl(value, (at === -1 ? value : `…${value.slice(at)}`).replace(/[?#][\s\S]*$/, ''));
}

/** A run that may be a job's capability (43 base64url characters; the agent takes 16 to 128), once it holds an upper-case letter or a digit. */
const CAPABILITY_RUN_RE = /[A-Za-z0-9_-]{16,}/g;

/**
 * A request's path as a 404 repeats it (`no route for GET <path>`): each run of 16 or more base64url characters that
 * holds an upper-case letter or a digit shown as `…`, looked for once percent-escapes are decoded. A credentials URI
 * asked at a path a little off (`//v1/credentials/<capability>`, `/V1/…`) is such a path, and the job's capability, a
 * secret, was repeated in the answer (review vz, 2). Route words (`container-credentials`, `security-credentials`) are
 * lower case: kept.
 */
export function shownRequestPath(path: string): string {
  return withoutCapabilities(path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))));
}

/** `text` (a path already decoded) with each run that may be a capability shown as `…`, as `shownRequestPath` shows it. */
export function withoutCapabilities(text: string): string {
  return text.replace(CAPABILITY_RUN_RE, (run) => (/[A-Z0-9]/.test(run) ? '…' : run));
}
