/**
 * Review dm, 1: Gatehouse records when each role was last assumed (GetRole's `RoleLastUsed`, review dh, 2), but its own
 * admin API (`GET /v1/roles/{name}`, `GET /v1/roles`) and the CLI built on it (`gatehouse iam roles get`/`list`) did
 * not show it, while they show an access key's last use (`lastUsed` of `/v1/access-keys`, `iam access-keys list`'s
 * "last used" column). Now a role's answer has `lastUsed`, as a key's has: `{at, region}` (a key's has its service
 * too), null when no session of the role was issued; the CLI prints it as it prints a key's (`at (region)` or
 * `never`), in `roles get` and as `roles list`'s "last used" column, and `--json` prints the server's field.
 *
 * AssumeRole through the real SDK v3 STS client; the CLI in process (cliAgainst), and after a restart (the use read
 * back from the store, not this instance's note) with the executable's environment and
 * readers (test/support/gatehouse-cli.ts).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';

const ROOT = '000000000000';
const TRUST_ROOT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
const servers: TestServer[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const second = (ms: number): number => Math.floor(ms / 1000) * 1000;

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

type Used = { at?: unknown; region?: unknown } | null | undefined;

function assertUsed(used: Used, window: { from: number; until: number }, region: string, what: string): string {
  assert.ok(used !== null && used !== undefined && typeof used === 'object', `${what}: lastUsed is ${JSON.stringify(used)}`);
  assert.deepEqual(Object.keys(used).sort(), ['at', 'region'], `${what}: ${JSON.stringify(used)}`);
  const at = String(used.at);
  assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, what);
  const ms = Date.parse(at);
  assert.ok(ms >= window.from && ms <= window.until, `${what}: last used ${at}, expected within ${new Date(window.from).toISOString()}…${new Date(window.until).toISOString()}`);
  assert.equal(used.region, region, what);
  return at;
}

async function cliJson(s: TestServer, args: string[]): Promise<Record<string, unknown>> {
  const r = await cliAgainst(s, [...args, '--json']);
  assert.equal(r.status, 0, `gatehouse ${args.join(' ')}: ${r.err}`);
  return JSON.parse(r.out) as Record<string, unknown>;
}

/** The cells of `name`'s row of a table the CLI printed, split where the header's columns start. */
function row(table: string, name: string): Record<string, string> {
  const [header = '', ...rows] = table.trimEnd().split('\n');
  const starts = [...header.matchAll(/(?:^|\s{2,})(\S(?:\S| (?! ))*)/g)].map((m) => ({ name: m[1] ?? '', at: (m.index ?? 0) + m[0].length - (m[1] ?? '').length }));
  const line = rows.find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no row for ${name} in:\n${table}`);
  const out: Record<string, string> = {};
  starts.forEach((c, i) => (out[c.name] = line.slice(c.at, starts[i + 1]?.at ?? line.length).trim()));
  return out;
}

describe('review dm1: the admin API and the CLI show a role’s last use', () => {
  test('roles get and list (table and --json) answer when and where a role was last assumed, null/never before', async () => {
    const s = await startTestServer({ keepDir: true });
    servers.push(s);
    for (const name of ['trainer', 'idle']) await s.iam().send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_ROOT }));

    const before = await cliJson(s, ['iam', 'roles', 'get', 'trainer']);
    assert.ok('lastUsed' in before, `no lastUsed in ${JSON.stringify(before)}`);
    assert.equal(before['lastUsed'], null, 'never assumed: null, as a key never used');
    const fresh = await cliAgainst(s, ['iam', 'roles', 'get', 'trainer']);
    assert.match(fresh.out, /^lastUsed +never$/m, fresh.out);

    const window = await assume(s, 'trainer', 'eu-west-1');

    // This server's note, not yet written: seen at once, as GetRole sees it.
    const got = await cliJson(s, ['iam', 'roles', 'get', 'trainer']);
    const at = assertUsed(got['lastUsed'] as Used, window, 'eu-west-1', 'roles get --json');
    const text = await cliAgainst(s, ['iam', 'roles', 'get', 'trainer']);
    assert.equal(text.status, 0, text.err);
    assert.match(text.out, new RegExp(`^lastUsed +${at} \\(eu-west-1\\)$`, 'm'), text.out);
    const idle = await cliAgainst(s, ['iam', 'roles', 'get', 'idle']);
    assert.match(idle.out, /^lastUsed +never$/m, idle.out);
    const sdk = (await s.iam().send(new I.GetRoleCommand({ RoleName: 'trainer' }))).Role?.RoleLastUsed;
    assert.equal(sdk?.LastUsedDate?.toISOString().replace('.000Z', 'Z'), at, 'the same date as the IAM API’s GetRole');

    const listed = (await cliJson(s, ['iam', 'roles', 'list']))['roles'] as { name: string; lastUsed: Used }[];
    assertUsed(listed.find((r) => r.name === 'trainer')?.lastUsed, window, 'eu-west-1', 'roles list --json');
    const idleListed = listed.find((r) => r.name === 'idle');
    assert.ok(idleListed && 'lastUsed' in idleListed && idleListed.lastUsed === null, JSON.stringify(idleListed));
    const table = await cliAgainst(s, ['iam', 'roles', 'list']);
    assert.equal(table.status, 0, table.err);
    assert.equal(row(table.out, 'trainer')['LAST USED'], `${at} (eu-west-1)`, table.out);
    assert.equal(row(table.out, 'idle')['LAST USED'], 'never', table.out);

    // Written at stop; the next server reads it from the store: the CLI's program with a user's environment (test/support/gatehouse-cli.ts).
    await s.stopServer();
    const next = await startTestServer({ dataDir: s.dataDir });
    servers.push(next);
    const home = await mkdtemp(join(tmpdir(), 'gh-dm1-'));
    dirs.push(home);
    const r = await gatehouseCliInProcess(['iam', 'roles', 'list', '--json'], next.admin, { endpoint: next.url, home });
    assert.equal(r.code, 0, r.stderr);
    const after = (JSON.parse(r.stdout) as { roles: { name: string; lastUsed: Used }[] }).roles;
    assertUsed(after.find((x) => x.name === 'trainer')?.lastUsed, window, 'eu-west-1', 'roles list --json after a restart');
    assert.equal(after.find((x) => x.name === 'idle')?.lastUsed, null);
    const one = await gatehouseCliInProcess(['iam', 'roles', 'get', 'trainer'], next.admin, { endpoint: next.url, home });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`^lastUsed +${at} \\(eu-west-1\\)$`, 'm'), one.stdout);
  });
});
