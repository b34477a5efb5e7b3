/**
 * A 2xx answer of another shape (review cli, H2 — leftover G16): `--endpoint` at something that answers 200 with `{}`
 * (a catch-all mock, a proxy's status page, another service) made `whoami` print `undefined (undefined)`, `accounts
 * create` print `created account undefined`, 30 commands crash (`internal error: TypeError`, exit 70), and every
 * change (`iam users delete bob`, `workspaces delete w`, `resource-policies delete …`) report itself done, exit 0.
 * Now each command checks what it reads of the answer before it reads it (a delete, the 204 or the field the API
 * answers with) and fails with `InvalidResponse`, exit 10, naming the endpoint, as an answer without the API's
 * error shape does (G6). Every command that calls the server, run in-process (the CLI's own code) against a real
 * HTTP server on 127.0.0.1 answering 200 `{}`, `[]`, nothing, or a page of HTML; the binary once; and the real
 * server, whose answers must still pass (the CLI's program in process again, with the executable's file readers:
 * test/support/gatehouse-cli.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/adapters/cli/index.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { gatehouseCli } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BODIES: Readonly<Record<string, { type: string; body: string }>> = {
  '{}': { type: 'application/json', body: '{}' },
  '[]': { type: 'application/json', body: '[]' },
  nothing: { type: 'application/json', body: '' },
  html: { type: 'text/html', body: '<html><body>It works!</body></html>' },
};

async function answering(body: { type: string; body: string }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': body.type }).end(body.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** Every command that calls the server (`kube token` signs locally), with what it needs to get that far. */
const commands = (dir: string): string[][] => [
  ['authorize', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'],
  ['simulate', '--as', 'arn:aws:iam::000000000000:user/admin', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'],
  ['who-can', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'],
  ['escalation-paths'],
  ['resource-policies', 'list'],
  ['resource-policies', 'get', 'arn:aws:s3:::b'],
  ['resource-policies', 'put', 'arn:aws:s3:::b', '--file', join(dir, 'pol.json')],
  ['resource-policies', 'delete', 'arn:aws:s3:::b'],
  ['jobs', 'list'],
  ['jobs', 'get', 'j-1'],
  ['jobs', 'stop', 'j-1'],
  ['jobs', 'events', 'j-1'],
  ['clusters', 'list'],
  ['workspaces', 'list'],
  ['workspaces', 'put', 'w'],
  ['workspaces', 'delete', 'w'],
  ['accounts', 'create', '--id', '111111111111', '--partition', 'aws'],
  ['accounts', 'list'],
  ['whoami'],
  ...['users', 'groups', 'roles', 'policies'].flatMap((kind) => [
    ['iam', kind, 'create', 'x', ...(kind === 'roles' ? ['--trust-policy', join(dir, 'trust.json')] : kind === 'policies' ? ['--document', join(dir, 'pol.json')] : [])],
    ['iam', kind, 'get', 'x'],
    ['iam', kind, 'list'],
    ['iam', kind, 'delete', 'x'],
  ]),
  ['iam', 'access-keys', 'create'],
  ['iam', 'access-keys', 'list'],
  ['iam', 'access-keys', 'delete', 'AKIAAAAAAAAAAAAAAAAA'],
  ['iam', 'credential-report'],
  ['iam', 'attach', 'p', '--user', 'u'],
  ['iam', 'detach', 'p', '--user', 'u'],
  ['iam', 'list-policies', '--user', 'u'],
  ['iam', 'put-inline', 'p', '--user', 'u', '--document', join(dir, 'pol.json')],
  ['iam', 'get-inline', 'p', '--user', 'u'],
  ['iam', 'delete-inline', 'p', '--user', 'u'],
  ['iam', 'add-to-group', '--user', 'u', '--group', 'g'],
  ['iam', 'remove-from-group', '--user', 'u', '--group', 'g'],
  ['apply', '-f', join(dir, 'apply.yaml')],
  ['plan', '-f', join(dir, 'apply.yaml')],
  ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/r', '--role-session-name', 'session'],
  ['sts', 'whoami'],
  ['sts', 'revoke-sessions', '--job', 'j-1'],
  ['users', 'disable', 'u'],
  ['users', 'enable', 'u'],
  ['keys', 'rotate'],
  ['credentials', '--role-arn', 'arn:aws:iam::000000000000:role/r'],
  ['kube', 'access-entry', 'create', '--cluster', 'c', '--principal-arn', 'arn:aws:iam::000000000000:role/r'],
  ['kube', 'access-entry', 'list', '--cluster', 'c'],
  ['kube', 'access-entry', 'describe', '--cluster', 'c', '--principal-arn', 'arn:aws:iam::000000000000:role/r'],
  ['kube', 'access-entry', 'delete', '--cluster', 'c', '--principal-arn', 'arn:aws:iam::000000000000:role/r'],
  ['kube', 'webhook-config', '--cluster', 'c', '--out', join(dir, 'webhook')],
  ['audit', 'query'],
  ['audit', 'verify'],
  ['iam-policy', 'get', 'arn:aws:s3:::b'],
  ['iam-policy', 'list'],
  ['iam-policy', 'set', 'arn:aws:s3:::b', '--file', join(dir, 'bindings.json')],
  // The endpoint before `--`: what follows is the job's command.
  ['jobs', 'run', '--workspace', 'w', '--endpoint', '@', '--', 'true'],
  ['clusters', 'run-node', '--cluster', 'c', '--endpoint', '@', '--', 'true'],
];

async function cli(args: readonly string[], endpoint: string, home: string): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const argv = args.includes('@') ? args.map((a) => (a === '@' ? endpoint : a)) : [...args, '--endpoint', endpoint];
  const status = await runCli(argv, {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readFile: (p) => readFile(p, 'utf8'),
    now: () => Date.now(),
    version: '0.0.0',
    env: { HOME: home, TMPDIR: home, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  });
  return { status, out, err };
}

describe('a 2xx answer that is not what the command reads', () => {
  let dir: string;
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-h2-'));
    await writeFile(join(dir, 'pol.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}');
    await writeFile(join(dir, 'trust.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}');
    await writeFile(join(dir, 'apply.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: bob\n');
    await writeFile(join(dir, 'bindings.json'), '{"bindings":[]}');
    for (const [name, body] of Object.entries(BODIES)) {
      const a = await answering(body);
      servers.push(a.server);
      urls[name] = a.url;
    }
  });
  after(async () => {
    for (const s of servers) s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every command that calls the server: exit 10 naming the endpoint, nothing on stdout, never `undefined`', async () => {
    const url = urls['{}'] as string;
    const wrong: string[] = [];
    for (const args of commands(dir)) {
      const r = await cli(args, url, dir);
      const said = new RegExp(`the server at ${url.replace(/[.]/g, '\\.')} answered 200 (but not as|where) \`[A-Z]+ /v1/[^\`]+\` answers .*is it the Gatehouse API`);
      if (r.status !== 10 || r.out !== '' || !said.test(r.err) || /undefined/.test(r.err)) wrong.push(`gatehouse ${args.join(' ')}: exit ${r.status}, stdout ${JSON.stringify(r.out.slice(0, 120))}, stderr ${JSON.stringify(r.err.slice(0, 200))}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('says what is missing: `users` of GET /v1/users, and the 204 a delete answers', async () => {
    const list = await cli(['iam', 'users', 'list'], urls['{}'] as string, dir);
    assert.match(list.err, /^gatehouse: InvalidResponse: .* answered 200 but not as `GET \/v1\/users` answers \(`users` is missing\)/);
    const del = await cli(['workspaces', 'delete', 'w'], urls['{}'] as string, dir);
    assert.match(del.err, /answered 200 where `DELETE \/v1\/workspaces\/w` answers 204 with no content/);
  });

  it('a list, an empty body or HTML in a 200: exit 10 too', async () => {
    for (const name of ['[]', 'nothing', 'html']) {
      for (const args of [['whoami'], ['iam', 'users', 'delete', 'bob'], ['audit', 'query', '--json']]) {
        const r = await cli(args, urls[name] as string, dir);
        assert.equal(r.status, 10, `${name}: gatehouse ${args.join(' ')}: ${r.err}${r.out}`);
        assert.doesNotMatch(r.out + r.err, /undefined/);
      }
    }
  });

  describe('the binary, and the real server', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer();
    });
    after(async () => s?.stop());

    it('gatehouse whoami --json against a 200 `{}`: exit 10 and the error, not `{}` and exit 0', async () => {
      const r = await gatehouseCli(['whoami', '--json', '--endpoint', urls['{}'] as string], s.admin, { endpoint: s.url, home: dir });
      assert.equal(r.code, 10, r.stderr);
      // The error, as JSON, on stderr (review F, F4); nothing on stdout.
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /"code": "InvalidResponse"/);
    });

    it('the real server answers what the commands read', async () => {
      const at = { endpoint: s.url, home: dir };
      for (const args of [
        ['whoami'],
        ['iam', 'users', 'create', 'shape'],
        ['iam', 'users', 'list'],
        ['iam', 'users', 'get', 'shape'],
        ['iam', 'users', 'delete', 'shape'],
        ['workspaces', 'put', 'w', '--member', 'user:admin'],
        ['workspaces', 'list'],
        ['workspaces', 'delete', 'w'],
        ['resource-policies', 'put', 'arn:aws:s3:::b', '--file', join(dir, 'pol.json')],
        ['resource-policies', 'get', 'arn:aws:s3:::b'],
        ['resource-policies', 'delete', 'arn:aws:s3:::b'],
        ['audit', 'verify'],
      ]) {
        const r = await gatehouseCliInProcess(args, s.admin, at);
        assert.equal(r.code, 0, `gatehouse ${args.join(' ')}: ${r.stderr}`);
      }
    });
  });
});
