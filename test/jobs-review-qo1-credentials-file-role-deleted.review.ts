/**
 * Review qo, 1: once a job's role is deleted, its endpoints answer 404 `NoRole` (review kb, 1) instead of the session
 * cached for it, which STS refuses (a session names its role by id); but the job's credentials file
 * (`GATEHOUSE_CREDENTIALS_FILE`, the platform's `/mnt/.alibabacloud/credentials`) kept that dead session, its
 * `Expiration` up to about 3 h ahead, for the rest of the job: the launcher only stopped advancing it. A rank reading
 * the file took credentials that looked good for hours and failed at their first call. Now the launcher removes the
 * file when the credentials URI answers that the job's role does not exist, and writes it again once a session is
 * served (the role made again).
 *
 * A real server with its agent listener, the job submitted through `POST /v1/jobs`, the real launcher (`launch`)
 * running one rank that waits for the test; the role deleted and made again through the AWS SDK v3 IAM client.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { startJobsWorld, ROLE_ARN, type JobsWorld } from './support/jobs-world.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

/** The access key id the file holds, or undefined when there is no file. */
async function keyIn(file: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { AccessKeyId?: string }).AccessKeyId;
  } catch {
    return undefined;
  }
}

/** Polls until `ok(key in file)` holds (at most 20 s on a loaded host); the last key seen. */
async function until(file: string, ok: (key: string | undefined) => boolean): Promise<string | undefined> {
  const end = Date.now() + 20_000;
  let key = await keyIn(file);
  while (!ok(key) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    key = await keyIn(file);
  }
  return key;
}

describe('review qo1: the credentials file does not keep the session of a deleted role', () => {
  let world: JobsWorld;
  let iam: IAMClient;
  let file = '';
  let stop = '';
  let running: Promise<number> | undefined;
  let first: string | undefined;

  before(async () => {
    world = await startJobsWorld('gh-jobs-review-qo1-');
    iam = new IAMClient({ endpoint: world.server.url, region: 'us-east-1', credentials: world.adminKeys, maxAttempts: 1 });
    const alice: Connection = { endpoint: new URL(world.server.url), credentials: world.alice, region: 'us-east-1', credentialsSource: 'test' };
    const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(alice, 'POST', ['jobs'], { body: { workspace: 'vision', role: ROLE_ARN, imds: false } });
    assert.ok(r.ok, JSON.stringify(r));
    file = join(world.home, 'credentials');
    stop = join(world.home, 'stop');
    running = launch({
      jobId: r.value.job.id,
      capability: r.value.capability,
      agentUrl: world.server.agentUrl ?? '',
      environment: r.value.environment,
      // One rank that runs until the test is done (at most 60 s).
      command: [process.execPath, '-e', `const fs = require('node:fs'); const end = Date.now() + 60000; const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(stop)}) || Date.now() > end) clearInterval(t); }, 50);`],
      replicas: 1,
      credentialsFile: file,
      profileDir: world.home,
      baseEnv: { PATH: process.env['PATH'] ?? '' },
      log: () => {},
      heartbeatMs: 100,
    });
    first = await until(file, (k) => k !== undefined);
    assert.match(first ?? '', /^ASIA/, 'the file holds the job’s session');
  });
  after(async () => {
    if (stop !== '') await writeFile(stop, '');
    await running;
    iam?.destroy();
    await world?.close();
  });

  it('once the role is deleted, the file no longer holds its session', async () => {
    await iam.send(new DeleteRoleCommand({ RoleName: 'trainer' }));
    const key = await until(file, (k) => k !== first);
    assert.equal(key, undefined, `the file still holds ${String(key)}, the deleted role's session, which STS refuses`);
  });

  it('once the role is made again, the file holds the new role’s session', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
    const key = await until(file, (k) => k !== undefined && k !== first);
    assert.match(key ?? '', /^ASIA/);
    assert.notEqual(key, first);
  });
});
