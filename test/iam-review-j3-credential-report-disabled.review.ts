/**
 * Review J, finding j3: the credential report showed a disabled user's Active access keys as `access_key_N_active =
 * true`, though they authenticate nothing while the user is disabled (`gatehouse users disable`): an auditor counting
 * usable keys from the CSV counted keys that open no request. IAM has no disabled users; its `true` means the key works.
 * Now `access_key_N_active` is `true` only for an Active key of a user who is not disabled; the key keeps its own
 * status (ListAccessKeys: Active) and works again, and reads `true` in a new report, once the user is enabled.
 * The gatehouse CLI disables the user; the report is generated and read with the Debian aws CLI (SDK v3 without it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { cliAgainst, REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing, keysOf, run } from './support/processes.ts';

let server: TestServer;
let iam: I.IAMClient;
let home: string;

before(async () => {
  server = await startTestServer();
  // The SDK's own retries (3 tries), as its users run it: between calls this file waits seconds on the aws CLI, and a
  // kept-alive socket the server closes at its 5 s keep-alive bound just as the next call goes out is reset
  // (ECONNRESET), which the SDK sends again; with the suite's one try (test/support/server.ts) a CI run failed on it.
  iam = new I.IAMClient({ endpoint: server.url, region: REGION, credentials: server.admin });
  home = await mkdtemp(join(tmpdir(), 'gh-review-j3-'));
});
after(async () => {
  iam?.destroy();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The report's rows by user name, generated anew. */
async function report(): Promise<Map<string, Record<string, string>>> {
  // A report is kept four hours: remove the kept one so that each call sees the directory as it is now.
  const store = await openSqliteStore({ dataDir: server.dataDir });
  try {
    await store.write(async (tx) => {
      for (const { key } of await tx.kv.list('credential-report/')) await tx.kv.delete(key);
    });
  } finally {
    await store.close();
  }
  let csv: string;
  if (awsCliMissing() === undefined) {
    const env = awsCliEnv(home, server.admin);
    const aws = (...args: string[]) => awsCli(['--endpoint-url', server.url, '--region', REGION, '--output', 'json', 'iam', ...args], env);
    // Generated with the SDK, read (and decoded) by the aws CLI: one run of it a report (each costs about 2 s).
    await iam.send(new I.GenerateCredentialReportCommand({}));
    const r = await aws('get-credential-report');
    assert.equal(r.code, 0, r.stderr);
    csv = Buffer.from((JSON.parse(r.stdout) as { Content: string }).Content, 'base64').toString('utf8');
  } else {
    await iam.send(new I.GenerateCredentialReportCommand({}));
    csv = Buffer.from((await iam.send(new I.GetCredentialReportCommand({}))).Content ?? new Uint8Array()).toString('utf8');
  }
  const [header, ...lines] = csv.trim().split('\n');
  const cols = (header ?? '').split(',');
  return new Map(lines.map((l) => {
    const cells = l.split(',');
    return [cells[0] ?? '', Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']))];
  }));
}

describe('review J, j3: the credential report and disabled users', () => {
  test("a disabled user's Active keys are not active in the report; enabled again, they are", async () => {
    for (const name of ['on', 'off']) await iam.send(new I.CreateUserCommand({ UserName: name }));
    await iam.send(new I.CreateAccessKeyCommand({ UserName: 'on' }));
    const offKeys = [(await iam.send(new I.CreateAccessKeyCommand({ UserName: 'off' }))).AccessKey!, (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'off' }))).AccessKey!];
    await iam.send(new I.UpdateAccessKeyCommand({ UserName: 'off', AccessKeyId: offKeys[1]!.AccessKeyId, Status: 'Inactive' }));
    const disabled = await cliAgainst(server, ['users', 'disable', 'off']);
    assert.equal(disabled.status, 0, disabled.err);
    // The key really opens nothing now, though its own status is still Active.
    assert.equal((await sdkFailure(server.iam(keysOf(offKeys[0]!)).send(new I.GetUserCommand({})))).code, 'InvalidClientTokenId');
    const listed = (await iam.send(new I.ListAccessKeysCommand({ UserName: 'off' }))).AccessKeyMetadata ?? [];
    assert.deepEqual(listed.map((k) => k.Status).sort(), ['Active', 'Inactive']);

    const rows = await report();
    assert.equal(rows.get('on')?.['access_key_1_active'], 'true');
    assert.equal(rows.get('off')?.['access_key_1_active'], 'false', 'the Active key of a disabled user opens nothing');
    assert.equal(rows.get('off')?.['access_key_2_active'], 'false');
    assert.notEqual(rows.get('off')?.['access_key_1_last_rotated'], 'N/A', 'the key is still listed');

    const enabled = await cliAgainst(server, ['users', 'enable', 'off']);
    assert.equal(enabled.status, 0, enabled.err);
    assert.equal((await server.iam(keysOf(offKeys[0]!)).send(new I.GetUserCommand({}))).User?.UserName, 'off');
    const again = await report();
    // The two keys were made in the same second: the report orders them by creation, so either may come first.
    const row = again.get('off');
    assert.deepEqual([row?.['access_key_1_active'], row?.['access_key_2_active']].sort(), ['false', 'true'], 'the Active key is active again, the Inactive one is not');
  });
});
