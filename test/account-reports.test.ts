/**
 * The IAM API's account-wide reads against a real server, through @aws-sdk/client-iam and (where installed) the
 * Debian aws CLI: `ListEntitiesForPolicy` (attachments, boundaries, filters), `GetAccountSummary` (counts and the
 * quotas enforced), and the credential report (`GenerateCredentialReport`, `GetCredentialReport`: not present,
 * AWS's columns, a key's last use, kept for four hours then expired).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { REPORT_COLUMNS } from '../src/app/account-reports.ts';
import { errorName, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

const ACCT = '000000000000';
const V = '2012-10-17';
const POLICY = `arn:aws:iam::${ACCT}:policy/shared`;

let server: TestServer;
let admin: I.IAMClient;
let alice: Credentials;

before(async () => {
  server = await startTestServer();
  admin = server.iam();
  await admin.send(new I.CreatePolicyCommand({ PolicyName: 'shared', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] }) }));
  for (const u of ['alice', 'bob']) await admin.send(new I.CreateUserCommand({ UserName: u, ...(u === 'bob' ? { Path: '/ops/' } : {}) }));
  // IAM names may hold commas: the CSV quotes them.
  await admin.send(new I.CreateUserCommand({ UserName: 'ops,team' }));
  await admin.send(new I.AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: POLICY }));
  await admin.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'bob', PermissionsBoundary: POLICY }));
  await admin.send(new I.CreateGroupCommand({ GroupName: 'readers' }));
  await admin.send(new I.AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: POLICY }));
  const trust = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
  await admin.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust }));
  await admin.send(new I.AttachRolePolicyCommand({ RoleName: 'trainer', PolicyArn: POLICY }));
  const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
});
after(async () => {
  await server?.stop();
});

const names = (e: I.ListEntitiesForPolicyCommandOutput) => ({
  users: (e.PolicyUsers ?? []).map((u) => u.UserName),
  groups: (e.PolicyGroups ?? []).map((g) => g.GroupName),
  roles: (e.PolicyRoles ?? []).map((r) => r.RoleName),
});

describe('ListEntitiesForPolicy', () => {
  it('lists what a policy is attached to, and who uses it as a boundary; filters by use, kind and path', async () => {
    const all = await admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY }));
    assert.deepEqual(names(all), { users: ['alice', 'bob'], groups: ['readers'], roles: ['trainer'] });
    assert.equal(all.IsTruncated, false);
    assert.match(all.PolicyUsers?.[0]?.UserId ?? '', /^AIDA/);
    assert.deepEqual(names(await admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, PolicyUsageFilter: 'PermissionsPolicy' }))), { users: ['alice'], groups: ['readers'], roles: ['trainer'] });
    assert.deepEqual(names(await admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, PolicyUsageFilter: 'PermissionsBoundary' }))), { users: ['bob'], groups: [], roles: [] });
    assert.deepEqual(names(await admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, EntityFilter: 'Role' }))), { users: [], groups: [], roles: ['trainer'] });
    assert.deepEqual(names(await admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, PathPrefix: '/ops/' }))), { users: ['bob'], groups: [], roles: [] });
  });

  it('refuses an unknown policy, a bad filter, and a caller without the right', async () => {
    assert.equal(await errorName(admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/none` }))), 'NoSuchEntityException');
    assert.equal(await errorName(admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, EntityFilter: 'Robot' as I.EntityType }))), 'ValidationError');
    assert.equal(await errorName(admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY, PathPrefix: 'ops' }))), 'ValidationError');
    assert.equal(await errorName(server.iam(alice).send(new I.ListEntitiesForPolicyCommand({ PolicyArn: POLICY }))), 'AccessDenied');
  });
});

describe('GetAccountSummary', () => {
  it('counts the account’s entities and gives the quotas Gatehouse enforces', async () => {
    const s = (await admin.send(new I.GetAccountSummaryCommand({}))).SummaryMap ?? {};
    const users = (await admin.send(new I.ListUsersCommand({}))).Users?.length;
    assert.equal(s['Users'], users);
    assert.equal(s['Groups'], 1);
    assert.equal(s['Roles'], (await admin.send(new I.ListRolesCommand({}))).Roles?.length);
    assert.equal(s['Policies'], 1, 'customer-managed policies of the account');
    assert.equal(s['PolicyVersionsInUse'], 1);
    assert.equal(s['AccessKeysPerUserQuota'], 2);
    assert.equal(s['AttachedPoliciesPerRoleQuota'], 10);
    assert.equal(s['AccountMFAEnabled'], 0);
    assert.equal(await errorName(server.iam(alice).send(new I.GetAccountSummaryCommand({}))), 'AccessDenied');
  });
});

/** The fields of one CSV line (quoted fields may hold commas and doubled quotes; none here holds a line break). */
const fieldsOf = (line: string): string[] => [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1] ?? '').replace(/^"|"$/g, '').replace(/""/g, '"'));

/** The report's rows as objects by column. */
function rowsOf(content: Uint8Array | undefined): Record<string, string>[] {
  const [head, ...rows] = Buffer.from(content ?? new Uint8Array()).toString('utf8').trimEnd().split('\n');
  const cols = fieldsOf(head ?? '');
  return rows.map((r) => Object.fromEntries(fieldsOf(r).map((v, i) => [cols[i] ?? '', v])));
}

describe('credential report', () => {
  it('is not present before it is generated; then lists every user with AWS’s columns', async () => {
    assert.equal(await errorName(admin.send(new I.GetCredentialReportCommand({}))), 'CredentialReportNotPresentException');
    const g = await admin.send(new I.GenerateCredentialReportCommand({}));
    assert.equal(g.State, 'COMPLETE');
    const r = await admin.send(new I.GetCredentialReportCommand({}));
    assert.equal(r.ReportFormat, 'text/csv');
    assert.ok(r.GeneratedTime instanceof Date && Math.abs(r.GeneratedTime.getTime() - Date.now()) < 60_000);
    const header = Buffer.from(r.Content ?? new Uint8Array()).toString('utf8').split('\n')[0];
    assert.equal(header, REPORT_COLUMNS.join(','));
    const rows = rowsOf(r.Content);
    assert.deepEqual(rows.map((x) => x['user']).sort(), ['admin', 'alice', 'bob', 'ops,team']);
    assert.equal(rows.find((x) => x['user'] === 'ops,team')?.['arn'], `arn:aws:iam::${ACCT}:user/ops,team`, 'a field with a comma is quoted whole');
    const a = rows.find((x) => x['user'] === 'alice') ?? {};
    assert.equal(a['arn'], `arn:aws:iam::${ACCT}:user/alice`);
    assert.match(a['user_creation_time'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.deepEqual([a['password_enabled'], a['password_last_used'], a['mfa_active'], a['access_key_1_active'], a['access_key_2_active'], a['access_key_2_last_used_date'], a['cert_1_active']], ['false', 'N/A', 'false', 'true', 'false', 'N/A', 'false']);
    assert.match(a['access_key_1_last_rotated'] ?? '', /\+00:00$/);
    // alice signed the refused calls above: a verified signature is a use of the key, allowed or not.
    assert.match(a['access_key_1_last_used_date'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.equal(a['access_key_1_last_used_service'], 'iam');
    const b = rows.find((x) => x['user'] === 'bob') ?? {};
    assert.deepEqual([b['access_key_1_active'], b['access_key_1_last_rotated']], ['false', 'N/A']);
  });

  it('is kept for four hours, then expired; generated again, it shows a new key and its last use', async () => {
    const before = await admin.send(new I.GetCredentialReportCommand({}));
    // bob gets a key and uses it: the report kept does not move (IAM regenerates only reports older than four hours).
    const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
    await errorName(server.iam({ accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }).send(new I.ListUsersCommand({})));
    assert.equal((await admin.send(new I.GenerateCredentialReportCommand({}))).State, 'COMPLETE');
    const same = await admin.send(new I.GetCredentialReportCommand({}));
    assert.equal(same.GeneratedTime?.getTime(), before.GeneratedTime?.getTime());
    // Age the kept report past four hours, as the store holds it.
    const app = await server.openApp();
    const key = `credential-report/${ACCT}`;
    await app.deps.store.write(async (tx) => {
      const kept = JSON.parse((await tx.kv.get(key)) ?? '{}') as { generated: string; csv: string };
      await tx.kv.put(key, JSON.stringify({ ...kept, generated: new Date(Date.now() - 5 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }));
    });
    assert.equal(await errorName(admin.send(new I.GetCredentialReportCommand({}))), 'CredentialReportExpiredException');
    assert.equal((await admin.send(new I.GenerateCredentialReportCommand({}))).State, 'COMPLETE');
    const fresh = rowsOf((await admin.send(new I.GetCredentialReportCommand({}))).Content).find((x) => x['user'] === 'bob') ?? {};
    assert.equal(fresh['access_key_1_active'], 'true');
    assert.match(fresh['access_key_1_last_used_date'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/, 'the use noted by this instance, not yet flushed');
    assert.deepEqual([fresh['access_key_1_last_used_region'], fresh['access_key_1_last_used_service']], [REGION, 'iam']);
    assert.equal(await errorName(server.iam(alice).send(new I.GenerateCredentialReportCommand({}))), 'AccessDenied');
  });
});

describe('gatehouse iam credential-report', () => {
  it('prints each user with its keys, a quoted name whole; --csv prints IAM’s CSV', async () => {
    const env = { endpoint: server.url, home: server.dataDir };
    const table = await gatehouseCliInProcess(['iam', 'credential-report'], server.admin, env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^USER +KEY 1 +KEY 2$/m);
    assert.match(table.stdout, /^ops,team +- +-$/m);
    assert.match(table.stdout, /^alice +active, created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00, used \d{4}-/m);
    assert.match(table.stdout, /^report generated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    const csv = await gatehouseCliInProcess(['iam', 'credential-report', '--csv'], server.admin, env);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.split('\n')[0], REPORT_COLUMNS.join(','));
    assert.match(csv.stdout, /^"ops,team","arn:aws:iam::000000000000:user\/ops,team",/m);
  });
});

describe('Debian aws CLI', { skip: awsCliMissing() }, () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-account-reports-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });
  const aws = (...args: string[]) =>
    awsCli(['--endpoint-url', server.url, '--region', REGION, '--output', 'json', ...args], awsCliEnv(home, server.admin));

  it('get-account-summary, list-entities-for-policy, generate- and get-credential-report', async () => {
    const s = await aws('iam', 'get-account-summary');
    assert.equal(s.code, 0, s.stderr);
    assert.equal((JSON.parse(s.stdout) as { SummaryMap: Record<string, number> }).SummaryMap['Groups'], 1);
    const e = await aws('iam', 'list-entities-for-policy', '--policy-arn', POLICY, '--entity-filter', 'Group');
    assert.equal(e.code, 0, e.stderr);
    assert.deepEqual((JSON.parse(e.stdout) as { PolicyGroups: { GroupName: string }[] }).PolicyGroups.map((g) => g.GroupName), ['readers']);
    const g = await aws('iam', 'generate-credential-report');
    assert.equal(g.code, 0, g.stderr);
    assert.equal((JSON.parse(g.stdout) as { State: string }).State, 'COMPLETE');
    const r = await aws('iam', 'get-credential-report');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { Content: string; ReportFormat: string };
    assert.equal(out.ReportFormat, 'text/csv');
    // The CLI prints the blob base64-encoded, as AWS sends it.
    assert.match(Buffer.from(out.Content, 'base64').toString('utf8'), /^user,arn,user_creation_time,/);
  });
});
