/**
 * Review gm, 8: `gatehouse_store_unavailable_total` is documented as the requests answered 503 because the store could
 * not be reached, and alerts are written on it; a job's credentials endpoint answering an outage 503 (review gm, 6)
 * counted nothing there, so an outage that only jobs met (their first sessions refused on every node) left the counter
 * at 0 while the credentials URI refused them. Now each such 503 is counted, as the API edge's are.
 *
 * A real server on 127.0.0.1 on the test PostgreSQL through a TCP proxy that the test takes down; /metrics read before
 * and after.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { postgresProxy } from './support/pg-proxy.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();

describe('review gm8: a job endpoint\'s outage 503 is counted in gatehouse_store_unavailable_total', { skip }, () => {
  const schema = `gh_gm8_${process.pid}`;
  const logs: string[] = [];
  let down = false;
  const sockets = new Set<Socket>();
  let proxy: Awaited<ReturnType<typeof postgresProxy>>;
  let running: RunningServer;
  let dataDir: string;
  let admin: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    proxy = await postgresProxy((client, upstream) => {
      if (down) return void (client.destroy(), upstream.destroy());
      sockets.add(client).add(upstream);
      client.on('close', () => sockets.delete(client));
      upstream.on('close', () => sockets.delete(upstream));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    dataDir = await mkdtemp(join(tmpdir(), 'gh-gm8-'));
    running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: (l) => void logs.push(l), audit: { maxUnwrittenMs: 30_000 }, databaseUrl: proxy.url, databaseSchema: schema });
    const f = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    admin = { accessKeyId: f.AccessKeyId, secretAccessKey: f.SecretAccessKey };
  });
  after(async () => {
    down = false;
    await running?.stop();
    proxy?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('each 503 of the credentials URI during the outage is counted', async () => {
    const iam = new IAMClient({ endpoint: running.url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
    await iam.send(new CreateRoleCommand({ RoleName: 'gm6', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
    iam.destroy();
    assert.equal((await gatehouseJson(running.url, admin, 'PUT', '/v1/workspaces/gm8', { members: [{ user: 'admin' }] })).status, 200);
    const submitted = await gatehouseJson(running.url, admin, 'POST', '/v1/jobs', { workspace: 'gm8', role: 'arn:aws:iam::000000000000:role/gm6' });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    const env = (submitted.json as { environment: Record<string, string> }).environment;
    const container = (): Promise<Response> => fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] as string, { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] as string } });
    const counted = async (): Promise<number> => {
      const text = await (await fetch(`${running.url}/metrics`)).text();
      const m = /^gatehouse_store_unavailable_total (\d+)/m.exec(text);
      assert.ok(m, 'the counter is exported');
      return Number(m[1]);
    };
    await running.app.audit.flush();
    const before = await counted();
    down = true;
    for (const s of sockets) s.destroy();
    let refused = 0;
    for (let i = 0; i < 3; i++) {
      const c = await container();
      await c.text();
      if (c.status === 503) refused += 1;
    }
    assert.equal(refused, 3, 'the credentials URI answers the outage 503 (review gm 6)');
    assert.equal((await counted()) - before, 3, 'each 503 of the outage is counted');
    down = false;
  });
});
