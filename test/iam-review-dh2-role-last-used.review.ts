/**
 * Review dh, 2: GetRole and GetAccountAuthorizationDetails answered no `RoleLastUsed`, so the tools that find roles
 * nobody uses any more (the IAM console's "last activity", access advisors, clean-up scripts over
 * `aws iam get-role`) saw every role as never used. Now a session of a role issued (AssumeRole, a job's session) is its
 * use: the date to the second and the region it was asked in, noted and written as access keys' last use is (a
 * minute's notes in one transaction, only forward), so it holds across a restart and across servers sharing
 * PostgreSQL. Real SDK v3 and the Debian aws CLI against real servers.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromHttp } from '@aws-sdk/credential-providers';
import { REGION, startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing, submitJob } from './support/processes.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const ROOT = '000000000000';
const TRUST_ROOT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

const second = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** AssumeRole of `role` by the root admin, signed for `region`; the window of time it was issued in. */
async function assume(s: TestServer, role: string, region: string): Promise<{ from: number; until: number }> {
  const from = second(Date.now());
  const sts = new STSClient({ endpoint: s.url, region, credentials: s.admin, maxAttempts: 1 });
  try {
    await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/${role}`, RoleSessionName: 'use' }));
  } finally {
    sts.destroy();
  }
  return { from, until: Date.now() };
}

function assertUsed(used: I.RoleLastUsed | undefined, window: { from: number; until: number }, region: string, what: string): void {
  const at = used?.LastUsedDate?.getTime() ?? 0;
  assert.ok(at >= window.from && at <= window.until, `${what}: last used ${used?.LastUsedDate?.toISOString()}, expected within ${new Date(window.from).toISOString()}…${new Date(window.until).toISOString()}`);
  assert.equal(used?.Region, region, what);
}

const lastUsed = async (s: TestServer, role: string): Promise<I.RoleLastUsed | undefined> => (await s.iam().send(new I.GetRoleCommand({ RoleName: role }))).Role?.RoleLastUsed;

describe('RoleLastUsed', () => {
  test('GetRole and GetAccountAuthorizationDetails answer when a role was last assumed and where, across a restart', async () => {
    const first = await startTestServer({ keepDir: true });
    servers.push(first);
    const iam = first.iam();
    for (const name of ['trainer', 'idle']) await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_ROOT }));
    assert.equal((await lastUsed(first, 'trainer'))?.LastUsedDate, undefined, 'never assumed');

    await assume(first, 'trainer', 'us-west-2');
    await new Promise((r) => setTimeout(r, 1100));
    const window = await assume(first, 'trainer', 'eu-west-1');
    // This server's note, not yet written: seen at once.
    assertUsed(await lastUsed(first, 'trainer'), window, 'eu-west-1', 'GetRole');
    const details = await iam.send(new I.GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
    const byName = new Map((details.RoleDetailList ?? []).map((r) => [r.RoleName, r]));
    assertUsed(byName.get('trainer')?.RoleLastUsed, window, 'eu-west-1', 'GetAccountAuthorizationDetails');
    assert.equal(byName.get('idle')?.RoleLastUsed?.LastUsedDate, undefined);
    assert.equal((await lastUsed(first, 'idle'))?.LastUsedDate, undefined);

    // The stopping server writes its notes; the next one on the same data dir reads them.
    await first.stopServer();
    const next = await startTestServer({ dataDir: first.dataDir });
    servers.push(next);
    assertUsed(await lastUsed(next, 'trainer'), window, 'eu-west-1', 'after a restart');
    const again = await next.iam().send(new I.GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
    assertUsed(again.RoleDetailList?.find((r) => r.RoleName === 'trainer')?.RoleLastUsed, window, 'eu-west-1', 'details after a restart');
  });

  test('a job’s session is a use of its role', async () => {
    const s = await startTestServer();
    servers.push(s);
    const job = await submitJob(s.url, s.admin);
    const from = second(Date.now());
    const credentials = await fromHttp({ awsContainerCredentialsFullUri: job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', awsContainerAuthorizationToken: job.capability, maxRetries: 0 })();
    const until = Date.now();
    const sts = s.sts(credentials);
    const arn = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
    const role = /:assumed-role\/([^/]+)\//.exec(arn)?.[1];
    assert.ok(role, arn);
    assertUsed(await lastUsed(s, role), { from, until }, REGION, 'the job’s role');
  });

  test('servers sharing PostgreSQL see each other’s uses once written, and the latest stays', { timeout: 120_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_dh2_${randomBytes(5).toString('hex')}`;
    const postgres = { url: PG_URL, schema };
    let kept: string | undefined;
    try {
      const a = await startTestServer({ postgres, keepDir: true });
      servers.push(a);
      kept = a.dataDir;
      /** Another instance of A's deployment: a data dir of its own holding A's master key (and the admin's key file). */
      const instance = async (): Promise<TestServer> => {
        const dir = await mkdtemp(join(tmpdir(), 'gh-dh2-instance-'));
        for (const f of ['master.key', 'admin-credentials.json']) await copyFile(join(a.dataDir, f), join(dir, f));
        const s = await startTestServer({ postgres, dataDir: dir });
        servers.push(s);
        return s;
      };
      const b = await instance();
      await a.iam().send(new I.CreateRoleCommand({ RoleName: 'shared', AssumeRolePolicyDocument: TRUST_ROOT }));
      const onA = await assume(a, 'shared', 'eu-central-1');
      assert.equal((await lastUsed(b, 'shared'))?.LastUsedDate, undefined, 'not written yet: the other server does not know');
      await new Promise((r) => setTimeout(r, 1100));
      const onB = await assume(b, 'shared', 'ap-south-1');
      // Each answers its own note, unwritten.
      assertUsed(await lastUsed(a, 'shared'), onA, 'eu-central-1', 'A’s own note');
      assertUsed(await lastUsed(b, 'shared'), onB, 'ap-south-1', 'B’s own note');
      // B writes its (newer) note as it stops: A answers it over its own older one.
      await b.stopServer();
      assertUsed(await lastUsed(a, 'shared'), onB, 'ap-south-1', 'A, once B wrote a later use');
      // A writes its older note after: it does not replace the later one.
      await a.stopServer();
      const c = await instance();
      assertUsed(await lastUsed(c, 'shared'), onB, 'ap-south-1', 'a third server reads the latest use');
    } finally {
      for (const s of servers.splice(0)) await s.stop();
      if (kept !== undefined) await rm(kept, { recursive: true, force: true });
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});

describe('Debian aws CLI: iam get-role', { skip: awsCliMissing() }, () => {
  test('prints RoleLastUsed', async () => {
    const s = await startTestServer();
    servers.push(s);
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'cli-role', AssumeRolePolicyDocument: TRUST_ROOT }));
    const window = await assume(s, 'cli-role', 'eu-north-1');
    const home = await mkdtemp(join(tmpdir(), 'gh-dh2-'));
    try {
      const r = await awsCli(['--endpoint-url', s.url, '--region', REGION, '--output', 'json', 'iam', 'get-role', '--role-name', 'cli-role'], awsCliEnv(home, s.admin));
      assert.equal(r.code, 0, r.stderr);
      const used = (JSON.parse(r.stdout) as { Role: { RoleLastUsed?: { LastUsedDate?: string; Region?: string } } }).Role.RoleLastUsed;
      assert.equal(used?.Region, 'eu-north-1', r.stdout);
      const at = Date.parse(used?.LastUsedDate ?? '');
      assert.ok(at >= window.from && at <= window.until, r.stdout);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
