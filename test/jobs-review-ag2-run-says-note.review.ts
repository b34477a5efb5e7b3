/**
 * Review ag, finding 2: `gatehouse jobs run` and `gatehouse clusters run-node` dropped the `note` of the server's answer
 * to a start. POST /v1/jobs (and /v1/clusters/NAME/nodes) answers a job it stored without the metadata endpoint it asked
 * for (the endpoint could not be opened: src/adapters/http/jobs-api.ts `metadataOf`) with 201 and a note saying so and
 * what to do; the CLI printed its own lines and ran the job, and the user never learnt why the job's AWS SDKs found no
 * instance metadata. Now the note is said on stderr before the job runs. The failure to open an endpoint needs a race
 * on PostgreSQL (review ab5); here a proxy in front of a real server (SQLite) adds the note to the answer as the server
 * writes it, and passes everything else unchanged. The real CLI, in process.
 */
import { createServer, request, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const NOTE = 'job JOB was submitted without a metadata endpoint, which could not be opened (test): its processes get their credentials from the credentials URI and the container endpoint in its environment';

let server: TestServer;
let proxy: Server;
let proxied: TestServer;

before(async () => {
  server = await startTestServer();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] };
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'node-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const cluster = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/c1', { instanceRole: 'node-role' });
  assert.equal(cluster.status, 200, JSON.stringify(cluster.json));
  const target = new URL(server.url);
  proxy = createServer((req, res) => {
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        let body = Buffer.concat(chunks);
        const started = req.method === 'POST' && (req.url === '/v1/jobs' || /^\/v1\/clusters\/[^/]+\/nodes$/.test(req.url ?? '')) && answer.statusCode === 201;
        if (started) {
          const json = JSON.parse(body.toString('utf8')) as { job: { id: string } };
          body = Buffer.from(JSON.stringify({ ...json, note: NOTE.replace('JOB', json.job.id) }));
        }
        const headers = { ...answer.headers, 'content-length': String(body.length) };
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(body);
      });
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  assert.ok(address !== null && typeof address === 'object');
  proxied = { ...server, url: `http://127.0.0.1:${address.port}` };
});
after(async () => {
  proxy?.close();
  await server?.stop();
});

describe("review ag2: a start's note is said", () => {
  test('gatehouse jobs run says the note, then runs the job as before', async () => {
    const r = await cliAgainst(proxied, ['jobs', 'run', '--workspace', 'w', '--role', 'none', '--', process.execPath, '-e', 'process.exit(3)']);
    assert.equal(r.status, 3, r.err);
    // Before the fix: nothing of it.
    assert.match(r.err, /gatehouse: note: job \w+ was submitted without a metadata endpoint, which could not be opened \(test\)/);
  });

  test('gatehouse clusters run-node says it too', async () => {
    const r = await cliAgainst(proxied, ['clusters', 'run-node', '--cluster', 'c1', '--', process.execPath, '-e', 'process.exit(0)']);
    assert.equal(r.status, 0, r.err);
    assert.match(r.err, /gatehouse: note: job \w+ was submitted without a metadata endpoint/);
  });
});
