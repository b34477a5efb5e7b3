/**
 * A server on the test PostgreSQL through a TCP proxy that a test takes down (every connection cut, new ones refused)
 * and back up, with a role `gm6` that training jobs may assume and a workspace the admin is a member of: the world of
 * the job endpoints' outage reviews (gm 6, gm 8). `close()` stops the server, drops the schema, removes the data dir.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../../src/main/server.ts';
import { pgAdmin } from './postgres.ts';
import { postgresProxy } from './pg-proxy.ts';

export interface PgOutageJobsWorld {
  readonly running: RunningServer;
  readonly admin: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** What the server logged (a test may empty it). */
  readonly logs: string[];
  /** The database out of reach: every open connection cut, new ones refused. */
  takeDown(): void;
  /** The database reachable again. */
  bringUp(): void;
  close(): Promise<void>;
}

/** `name`: the schema's and data dir's tag (`gh_<name>_<pid>`). The role `gm6` is made; the workspace is `name`. */
export async function pgOutageJobsWorld(name: string): Promise<PgOutageJobsWorld> {
  const schema = `gh_${name}_${process.pid}`;
  const logs: string[] = [];
  let down = false;
  const sockets = new Set<Socket>();
  const proxy = await postgresProxy((client, upstream) => {
    if (down) return void (client.destroy(), upstream.destroy());
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const dataDir = await mkdtemp(join(tmpdir(), `gh-${name}-`));
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: (l) => void logs.push(l), audit: { maxUnwrittenMs: 30_000 }, databaseUrl: proxy.url, databaseSchema: schema });
  const f = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  const admin = { accessKeyId: f.AccessKeyId, secretAccessKey: f.SecretAccessKey };
  const iam = new IAMClient({ endpoint: running.url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
  try {
    await iam.send(new CreateRoleCommand({ RoleName: 'gm6', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  } finally {
    iam.destroy();
  }
  return {
    running,
    admin,
    logs,
    takeDown() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    bringUp() {
      down = false;
    },
    async close() {
      down = false;
      await running.stop();
      proxy.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
