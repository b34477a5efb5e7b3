/**
 * Review K, K5: the bound of scoped sessions an account may hold counts the registrations being written. `hasRoom`
 * counted only the records held, and a record is held once its write has committed: on PostgreSQL a write is a round
 * trip, so every AssumeRole that came while others were being written found room. 40 scoped AssumeRole calls at once
 * (SDK v3, 40 clients) against an account bounded to 5 were all issued: the bound, which caps what every instance holds
 * in memory, was passed by as many requests as were in flight. Now registrations in flight count, and 5 are issued.
 *
 * A real server on PostgreSQL (its own schema, dropped afterwards); skipped when PostgreSQL cannot be reached.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { REGION } from './support/server.ts';

let skip: string | undefined;
const schema = `k5_bound_${process.pid}_${Date.now()}`;
let dataDir = '';
let running: RunningServer | undefined;

before(async () => {
  // Asked here, not at the top level: in a group's suite (test/support/reviews.ts) tests are registered as the file loads.
  skip = await pgSkip();
  if (skip !== undefined) return;
  dataDir = await mkdtemp(join(tmpdir(), 'gh-k5-'));
  running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {}, audit: { maxUnwrittenMs: 30_000 }, databaseUrl: PG_URL, databaseSchema: schema, maxScopedSessions: 5 });
});

after(async () => {
  await running?.stop();
  if (skip === undefined) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

test('scoped AssumeRole calls made at once do not pass the bound', async (t) => {
  if (skip !== undefined) return t.skip(skip);
  const server = running as RunningServer;
  const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string; AccountId: string };
  const config = { endpoint: server.url, region: REGION, credentials: { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey }, maxAttempts: 1 };
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${admin.AccountId}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
  const iam = new IAMClient(config);
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  iam.destroy();
  const clients = Array.from({ length: 40 }, () => new STSClient(config));
  try {
    const results = await Promise.allSettled(clients.map((c, i) => c.send(new AssumeRoleCommand({ RoleArn: role.Role?.Arn, RoleSessionName: `s${i}`, Tags: [{ Key: 'team', Value: 'ml' }] }))));
    const issued = results.filter((r) => r.status === 'fulfilled').length;
    assert.equal(issued, 5, `${issued} of 40 scoped sessions issued under a bound of 5`);
    for (const r of results) {
      if (r.status === 'rejected') assert.match(String((r.reason as Error).message), /holds 5 live sessions/);
    }
  } finally {
    for (const c of clients) c.destroy();
  }
});
