/**
 * One request to a job's credential endpoints (the server's `--agent-listen`, or a node agent), by node:http(s):
 * `fetch` refuses every port on the browsers' blocked list (6000, 6665–6669, 10080…) before connecting, which a
 * server or agent may well listen on; the CLI's client and the node agent's relay use node:http for the same reason
 * (review agent, cf1). No proxy is used, as `fetch` used none: the endpoints are the node's own or the server's.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface EndpointAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly text: string;
  readonly headers: IncomingHttpHeaders;
}

/** The most an answer may be: a credentials document or a launcher answer is a few kilobytes. */
const MAX_ANSWER = 64 * 1024;

/**
 * `method url` with `headers` and `body`; rejects when the endpoint cannot be reached or does not answer within
 * `timeoutMs`, with an error that names neither the URL nor a header (a credentials URI holds its capability).
 */
export function endpointRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<EndpointAnswer> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return reject(new Error('the endpoint is not a URL'));
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return reject(new Error(`the endpoint's scheme ${u.protocol} is not http or https`));
    const timeoutMs = init.timeoutMs ?? 5000;
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const headers = { ...init.headers, ...(body !== undefined ? { 'content-length': String(body.length) } : {}) };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: init.method ?? 'GET', headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER) req.destroy(new Error(`the answer is over ${MAX_ANSWER} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code !== undefined && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message)));
    req.end(body);
  });
}
