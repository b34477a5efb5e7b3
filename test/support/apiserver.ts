/**
 * A minimal kube-apiserver for tests: HTTPS, and for every request what the real one does with a bearer
 * token — TokenReview to the authentication webhook, then SubjectAccessReview to the authorization webhook,
 * each with the webhook kubeconfig's bearer token (as `--authentication-token-webhook-config-file` and
 * `--authorization-webhook-config-file` configure it, version v1). It serves:
 *
 * - discovery (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`) to any authenticated user, as the
 *   `system:discovery` role does, for core pods/nodes/configmaps/secrets/namespaces and kubeflow.org
 *   pytorchjobs;
 * - `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` (`kubectl auth can-i`), answered by the
 *   authorization webhook for the authenticated user;
 * - GET of resources and collections (`kubectl get`): 403 Forbidden unless the webhook allows, else 200
 *   with an empty list or a minimal object.
 *
 * 401 when the token is missing or the webhook does not authenticate it. Every webhook call is recorded.
 */
import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

export interface WebhookTarget {
  readonly url: URL;
  readonly token: string;
  /** PEM. */
  readonly ca: string | undefined;
}

/** Reads a webhook kubeconfig (as `gatehouse kube webhook-config` writes it). */
export async function webhookFromKubeconfig(path: string): Promise<WebhookTarget> {
  const k = parse(await readFile(path, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data'?: string } }[];
    users: { user: { token: string } }[];
  };
  const cluster = k.clusters[0]?.cluster;
  const token = k.users[0]?.user.token;
  if (!cluster || !token) throw new Error(`${path}: no cluster or user`);
  const ca = cluster['certificate-authority-data'];
  return { url: new URL(cluster.server), token, ca: ca !== undefined ? Buffer.from(ca, 'base64').toString('utf8') : undefined };
}

export interface WebhookCall {
  readonly kind: 'TokenReview' | 'SubjectAccessReview';
  readonly request: unknown;
  readonly status: number;
  readonly response: unknown;
}

export interface TestApiserver {
  readonly url: string;
  readonly calls: WebhookCall[];
  stop(): Promise<void>;
}

interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: string[];
  readonly extra?: Record<string, string[]>;
}

function post(target: WebhookTarget, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(
      target.url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${target.token}`, 'content-length': Buffer.byteLength(text) },
        ...(target.ca !== undefined ? { ca: target.ca } : {}),
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const t = Buffer.concat(chunks).toString('utf8');
          let json: unknown = t;
          try {
            json = JSON.parse(t);
          } catch {
            // kept as text
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const CORE_RESOURCES = [
  { name: 'pods', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { name: 'pods/log', namespaced: true, kind: 'Pod', verbs: ['get'] },
  { name: 'pods/exec', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
  { name: 'pods/attach', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  { name: 'nodes', namespaced: false, kind: 'Node', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { name: 'namespaces', namespaced: false, kind: 'Namespace', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { name: 'secrets', namespaced: true, kind: 'Secret', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
];
const KUBEFLOW_RESOURCES = [
  { name: 'pytorchjobs', namespaced: true, kind: 'PyTorchJob', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { name: 'pytorchjobs/status', namespaced: true, kind: 'PyTorchJob', verbs: ['get', 'patch', 'update'] },
];
const AUTHZ_RESOURCES = [
  { name: 'selfsubjectaccessreviews', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
  { name: 'subjectaccessreviews', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
];
const GROUPS: Record<string, { version: string; resources: typeof CORE_RESOURCES }> = {
  'kubeflow.org': { version: 'v1', resources: KUBEFLOW_RESOURCES },
  'authorization.k8s.io': { version: 'v1', resources: AUTHZ_RESOURCES },
};

const resourceList = (groupVersion: string, resources: typeof CORE_RESOURCES) => ({
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion,
  resources: resources.map((r) => ({ name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: r.verbs })),
});

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function statusFailure(res: ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  // kubectl's typed clients send built-in kinds as protobuf (`k8s\0` + runtime.Unknown).
  if (body.subarray(0, 4).toString('latin1') === 'k8s\u0000') return selfSubjectAccessReviewFromProtobuf(body.subarray(4));
  const t = body.toString('utf8');
  return t === '' ? {} : JSON.parse(t);
}

/** Fields of one protobuf message: number → values (varints as numbers, length-delimited as bytes). */
function fields(buf: Buffer): Map<number, (number | Buffer)[]> {
  const out = new Map<number, (number | Buffer)[]>();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++] as number;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = varint();
      value = buf.subarray(i, i + n);
      i += n;
    } else throw new Error(`protobuf wire type ${wire} is not expected here`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const text = (m: Map<number, (number | Buffer)[]>, n: number): string => {
  const v = m.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString('utf8') : '';
};
const sub = (m: Map<number, (number | Buffer)[]>, n: number): Map<number, (number | Buffer)[]> | undefined => {
  const v = m.get(n)?.[0];
  return Buffer.isBuffer(v) ? fields(v) : undefined;
};

/**
 * `runtime.Unknown{typeMeta=1, raw=2}` holding a `SelfSubjectAccessReview{metadata=1, spec=2}`; the spec's
 * `resourceAttributes=1{namespace=1, verb=2, group=3, version=4, resource=5, subresource=6, name=7}` or
 * `nonResourceAttributes=2{path=1, verb=2}` (k8s.io/api/authorization/v1/generated.proto).
 */
function selfSubjectAccessReviewFromProtobuf(envelope: Buffer): unknown {
  const unknown = fields(envelope);
  const raw = unknown.get(2)?.[0];
  if (!Buffer.isBuffer(raw)) throw new Error('protobuf body without raw object');
  const spec = sub(fields(raw), 2) ?? new Map();
  const ra = sub(spec, 1);
  const nra = sub(spec, 2);
  if (ra) {
    return { spec: { resourceAttributes: { namespace: text(ra, 1), verb: text(ra, 2), group: text(ra, 3), version: text(ra, 4), resource: text(ra, 5), subresource: text(ra, 6), name: text(ra, 7) } } };
  }
  return { spec: { nonResourceAttributes: { path: nra ? text(nra, 1) : '', verb: nra ? text(nra, 2) : '' } } };
}

/** `/api/v1/namespaces/ns/pods/name/log` → the attributes of a resource request. */
function resourceAttributes(method: string, path: string, query: URLSearchParams): { namespace: string; group: string; version: string; resource: string; subresource: string; name: string; verb: string } | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else return undefined;
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] as string;
    rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = rest;
  const verb = method === 'GET' ? (name === '' ? (query.get('watch') === 'true' ? 'watch' : 'list') : 'get') : method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : method === 'PATCH' ? 'patch' : 'update';
  return { namespace, group, version, resource, subresource, name, verb };
}

export async function startTestApiserver(opts: { cert: string; key: string; authn: WebhookTarget; authz: WebhookTarget }): Promise<TestApiserver> {
  const calls: WebhookCall[] = [];

  async function authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) return undefined;
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: auth.slice(7) } };
    const r = await post(opts.authn, review);
    calls.push({ kind: 'TokenReview', request: review, status: r.status, response: r.json });
    const status = (r.json as { status?: { authenticated?: boolean; user?: UserInfo } }).status;
    return r.status === 200 && status?.authenticated === true && status.user ? status.user : undefined;
  }

  async function authorize(user: UserInfo, attrs: { resourceAttributes?: unknown; nonResourceAttributes?: unknown }): Promise<{ allowed: boolean; denied?: boolean; reason?: string }> {
    const review = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { ...attrs, user: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups ?? [], ...(user.extra ? { extra: user.extra } : {}) },
    };
    const r = await post(opts.authz, review);
    calls.push({ kind: 'SubjectAccessReview', request: review, status: r.status, response: r.json });
    // A failing webhook is "no opinion" in kube-apiserver's flag mode; with no other authorizer, a denial.
    const status = (r.json as { status?: { allowed?: boolean; denied?: boolean; reason?: string } }).status;
    return r.status === 200 && status ? { allowed: status.allowed === true, ...(status.denied ? { denied: true } : {}), ...(status.reason ? { reason: status.reason } : {}) } : { allowed: false };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const user = await authenticate(req);
    if (!user) return statusFailure(res, 401, 'Unauthorized', 'Unauthorized');
    if (method === 'GET' && path === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }] });
    if (method === 'GET' && path === '/api/v1') return json(res, 200, resourceList('v1', CORE_RESOURCES));
    if (method === 'GET' && path === '/apis') {
      return json(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: Object.entries(GROUPS).map(([name, g]) => ({ name, versions: [{ groupVersion: `${name}/${g.version}`, version: g.version }], preferredVersion: { groupVersion: `${name}/${g.version}`, version: g.version } })),
      });
    }
    const groupVersion = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'GET' && groupVersion) {
      const g = GROUPS[groupVersion[1] as string];
      return g && g.version === groupVersion[2] ? json(res, 200, resourceList(`${groupVersion[1]}/${g.version}`, g.resources)) : statusFailure(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    if (method === 'POST' && path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      const body = (await readJson(req)) as { spec?: { resourceAttributes?: unknown; nonResourceAttributes?: unknown } };
      const spec = body.spec ?? {};
      const attrs = spec.resourceAttributes !== undefined ? { resourceAttributes: spec.resourceAttributes } : { nonResourceAttributes: spec.nonResourceAttributes };
      const d = await authorize(user, attrs);
      return json(res, 201, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec, status: { allowed: d.allowed, ...(d.denied ? { denied: true } : {}), ...(d.reason ? { reason: d.reason } : {}) } });
    }
    const a = resourceAttributes(method, path, url.searchParams);
    if (!a) {
      const d = await authorize(user, { nonResourceAttributes: { path, verb: method.toLowerCase() } });
      return d.allowed ? json(res, 200, {}) : statusFailure(res, 403, 'Forbidden', `forbidden: User "${user.username}" cannot ${method.toLowerCase()} path "${path}"`);
    }
    const d = await authorize(user, { resourceAttributes: a });
    if (!d.allowed) {
      const what = `${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
      return statusFailure(res, 403, 'Forbidden', `${what}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user.username}" cannot ${a.verb} resource "${what}" in API group "${a.group}"${a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope'}`);
    }
    const listKind = (a.resource.charAt(0).toUpperCase() + a.resource.slice(1, -1)) || 'Object';
    const apiVersion = a.group ? `${a.group}/${a.version}` : a.version;
    if (a.name === '') return json(res, 200, { kind: `${listKind}List`, apiVersion, metadata: { resourceVersion: '1' }, items: [] });
    return json(res, 200, { kind: listKind, apiVersion, metadata: { name: a.name, ...(a.namespace ? { namespace: a.namespace } : {}), uid: '00000000-0000-0000-0000-000000000001', resourceVersion: '1', creationTimestamp: '2025-01-01T00:00:00Z' } });
  }

  const server: Server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) statusFailure(res, 500, 'InternalError', e instanceof Error ? e.message : String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
