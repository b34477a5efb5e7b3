/**
 * A node agent behind an ingress, for the reviews of what the agent makes of a proxy's page (mu 2, mu 3): a stand-in
 * upstream that answers as the server's credential port relayed by an ingress (a container credentials document), or,
 * while the test says so, the ingress's own HTML page in its place; and a real node agent (createRelay) in front of it.
 */
import { createServer } from 'node:http';
import { createRelay, type Relay } from '../../src/adapters/agent/relay.ts';

/** What the ingress answers in place of the server: a status and its page. */
export interface IngressPage {
  readonly status: number;
  readonly html: string;
}

export interface IngressStandIn {
  readonly relay: Relay;
  /** `http://127.0.0.1:<port>` of the agent. */
  readonly agentUrl: string;
  /** What the agent logged. */
  readonly logs: string[];
  /** The agent's container credentials endpoint asked with the capability `cap`. */
  ask(cap: string): Promise<Response>;
  close(): Promise<void>;
}

/** nginx's error page for `status` `reason` (`502`, `Bad Gateway`), as it writes it. */
export function nginxPage(status: number, reason: string): string {
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The stand-in and an agent revalidating its cache every `revalidateMs`; `page()`, asked on every request, says what
 * the ingress answers in place of the server (undefined: the server's document, good for 6 hours).
 */
export async function startIngressStandIn(options: { readonly revalidateMs: number; readonly page: () => IngressPage | undefined }): Promise<IngressStandIn> {
  const upstream = createServer((req, res) => {
    const page = options.page();
    if (page) {
      res.writeHead(page.status, { 'content-type': 'text/html' });
      return void res.end(page.html);
    }
    const expires = Date.now() + 6 * 3600_000;
    const body = JSON.stringify({ Code: 'Success', LastUpdated: iso(Date.now()), Type: 'AWS-HMAC', AccessKeyId: 'ASIAQAAAAAAAEXAMPLE1', SecretAccessKey: 'secret', Token: `token-${String(req.headers.authorization)}`, Expiration: iso(expires), AccountId: '123456789012', RoleArn: 'arn:aws:iam::123456789012:role/trainer' });
    res.writeHead(200, { 'content-type': 'application/json', 'x-gatehouse-session-expiration': iso(expires) });
    res.end(body);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const closeUpstream = () => new Promise<void>((resolve) => upstream.close(() => resolve()));
  const logs: string[] = [];
  let relay: Relay | undefined;
  try {
    const { port } = upstream.address() as { port: number };
    relay = createRelay({ upstream: `http://127.0.0.1:${port}`, revalidateMs: options.revalidateMs, log: (l) => logs.push(l) });
    const agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
    const started = relay;
    return {
      relay: started,
      agentUrl,
      logs,
      ask: (cap) => fetch(`${agentUrl}/v1/container-credentials`, { headers: { authorization: cap } }),
      async close() {
        await started.close();
        await closeUpstream();
      },
    };
  } catch (e) {
    await relay?.close();
    await closeUpstream();
    throw e;
  }
}
