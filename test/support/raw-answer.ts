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
