/**
 * A request written on a raw socket, for the tests of what a server answers before any client library could parse it,
 * and one whose headers are sent as given.
 */
import { request } from 'node:http';
import { connect } from 'node:net';

/**
 * What a raw request `text` to 127.0.0.1:`port` is answered (latin1), read until the server closes the connection;
 * rejected if it has not closed within `timeoutMs`.
 */
export function rawAnswer(port: number, text: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => void (got += d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close; got ${got}`));
    }, timeoutMs).unref();
  });
}

/**
 * What a `method` request for `path` on `url`'s host and port, with `headers` (name, value pairs, a name as often as
 * given, each on its own line: fetch would fold a repeated one; no Host unless given) and `body`, is answered.
 */
export function sentAsGiven(url: string, method: string, path: string, headers: readonly (readonly [string, string])[], body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const flat: string[] = [];
    for (const [k, v] of headers) flat.push(k, v);
    const req = request({ host: u.hostname, port: u.port, method, path, headers: flat, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * What a `method` request to `url` with `headers` on a fresh connection (no agent: the next worker takes it, and no
 * connection is left open) is answered.
 */
export const freshRequest = (url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const q = request(url, { method, agent: false, headers }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (b += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
    });
    q.on('error', reject);
    q.end();
  });

/**
 * The raw text of a SigV4-signed request for `service` (`iam`, `sts`: a Query API `POST /` of the form-encoded `body`;
 * `gatehouse`: a `/v1/` call at `path` of the JSON `body`) to `url`'s host, with `extra` header lines (`Connection:
 * close`): to be written on a socket as given, pipelined behind others.
 */
export async function signedRequestText(url: string, credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }, service: 'iam' | 'sts' | 'gatehouse', body: string, o: { readonly method?: string; readonly path?: string; readonly extra?: string } = {}): Promise<string> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const u = new URL(url);
  const method = o.method ?? 'POST';
  const path = o.path ?? '/';
  const type = service === 'gatehouse' ? 'application/json' : 'application/x-www-form-urlencoded; charset=utf-8';
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': type }, body });
  const head = Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `${method} ${path} HTTP/1.1\r\n${head}content-length: ${Buffer.byteLength(body)}\r\n${o.extra ?? ''}\r\n${body}`;
}

/** The answers in `raw` (what `rawAnswer` read from a connection), split at each status line: status and body text. */
export function splitAnswers(raw: string): Array<{ status: number; head: string; body: string }> {
  return raw
    .split(/(?=HTTP\/1\.1 \d{3} )/)
    .filter((a) => a !== '')
    .map((a) => {
      const end = a.indexOf('\r\n\r\n');
      return { status: Number(a.slice(9, 12)), head: a.slice(0, end), body: a.slice(end + 4) };
    });
}
