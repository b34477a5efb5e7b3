/**
 * The audit log against a real server (SQLite): what is recorded (changes, refused changes, sessions, refused
 * sessions, decisions, jobs), that no secret is, the query API's filters and cursor, account scoping, the CLI
 * (`audit query`, `--json`, `--follow`, `audit verify`), tamper detection (a row edited or deleted in the database
 * file with node:sqlite), retention with its checkpoint, and the failure policy: issuance and directory changes
 * refused while the audit log cannot be written (closed), or carried on and recorded later (open).
 *
 * A part of the `audit` group (test/support/parts.ts), so it may run after other audit suites in one process, where
 * its server's writer thread starts late: `apply` then appends its records (in its own transaction) ahead of records
 * still queued. The log promises event order by `at`, not by `seq` (docs/decisions.md), so the tests find records by
 * content and cut by time (review J, j5: it failed so and was a process of its own).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AttachRolePolicyCommand, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { errorName, cliAgainst as cli, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const REPO = join(import.meta.dirname, '..');
const ROOT = '000000000000';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] },
    { Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' },
  ],
});

interface Rec {
  seq: number;
  at: string;
  kind: string;
  account: string;
  principal: string;
  action: string;
  resource: string;
  decision?: string;
  role?: string;
  session?: string;
  job?: string;
  sourceIdentity?: string;
  sourceIp?: string;
  detail: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

async function v1<T = Record<string, unknown>>(s: TestServer, credentials: Credentials, method: string, segments: string[], opts: { query?: Record<string, string>; body?: unknown } = {}): Promise<T> {
  const r = await call<T>(conn(s, credentials), method, segments, opts);
  if (!r.ok) throw Object.assign(new Error(`${method} /v1/${segments.join('/')}: ${r.code}: ${r.message}`), { code: r.code, httpStatus: r.httpStatus });
  return r.value;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; httpStatus: number }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; httpStatus: number };
  }
  return { code: 'no error', httpStatus: 200 };
}

/** Every record matching `query`, following the cursor (after the queue is written). */
async function records(s: TestServer, credentials: Credentials, query: Record<string, string> = {}): Promise<Rec[]> {
  await s.running.app.audit.flush();
  const out: Rec[] = [];
  let afterSeq = '0';
  for (;;) {
    const page = await v1<{ records: Rec[]; next?: string }>(s, credentials, 'GET', ['audit'], { query: { ...query, after: afterSeq, limit: '1000' } });
    out.push(...page.records);
    if (page.next === undefined) return out;
    afterSeq = page.next;
  }
}


function sqlite(s: TestServer): DatabaseSync {
  const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
  return db;
}

describe('audit log', () => {
  let s: TestServer;
  let alice: Credentials;
  let session: Credentials;
  let jobId = '';
  const secrets: string[] = [];

  before(async () => {
    // Retention on: a pruning on a server with retention off is reported as a break (review Y, Y1).
    s = await startTestServer({ audit: { retentionDays: 3650 } });
    secrets.push(s.admin.secretAccessKey);
    const iam = s.iam();
    await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'trainer', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    secrets.push(alice.secretAccessKey);
    // A refused change: alice has no rights.
    assert.equal(await errorName(s.iam(alice).send(new CreateRoleCommand({ RoleName: 'mine', AssumeRolePolicyDocument: TRUST }))), 'AccessDenied');
    const assumed = await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 'nightly', SourceIdentity: 'admin-src' }));
    session = { accessKeyId: assumed.Credentials?.AccessKeyId ?? '', secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '', sessionToken: assumed.Credentials?.SessionToken ?? '' };
    secrets.push(session.secretAccessKey, session.sessionToken ?? '');
    // A refused session: alice may not assume the role.
    assert.equal(await errorName(s.sts(alice).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 'alice-try' }))), 'AccessDenied');
    // Decisions: one allowed (the session), one denied (alice), one about another principal.
    assert.equal((await v1<{ decision: string }>(s, session, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: 'arn:aws:s3:::data/x' } })).decision, 'Allow');
    assert.equal((await v1<{ decision: string }>(s, alice, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: 'arn:aws:s3:::data/x' } })).decision, 'ImplicitDeny');
    assert.equal((await v1<{ decision: string }>(s, s.admin, 'POST', ['authorize'], { body: { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 's3:PutObject', resource: 'arn:aws:s3:::data/y' } })).decision, 'ImplicitDeny');
    // Simulation is recorded nowhere.
    await v1(s, s.admin, 'POST', ['simulate'], { body: { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 'simulated:Thing', resource: 'arn:aws:s3:::data/z' } });
    // A job: submitted, refused for alice (not a member), stopped.
    await v1(s, s.admin, 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::vision-data' } });
    const submitted = await v1<{ job: { id: string }; capability: string }>(s, s.admin, 'POST', ['jobs'], { body: { workspace: 'vision', role: `arn:aws:iam::${ROOT}:role/trainer` } });
    jobId = submitted.job.id;
    secrets.push(submitted.capability);
    assert.equal((await failure(v1(s, alice, 'POST', ['jobs'], { body: { workspace: 'vision', role: 'default' } }))).code, 'AccessDenied');
    await v1(s, s.admin, 'POST', ['jobs', jobId, 'stop']);
    // apply: one record per step.
    await v1(s, s.admin, 'POST', ['apply'], {
      body: {
        documents: [
          { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'applied' }, spec: { trustPolicy: JSON.parse(TRUST) as unknown, inlinePolicies: { read: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } } } },
        ],
      },
    });
  });
  after(() => s?.stop());

  it('records changes, refused changes, sessions, refused sessions, decisions and jobs', async () => {
    const all = await records(s, s.admin);
    const find = (pred: (r: Rec) => boolean, what: string): Rec => {
      const r = all.find(pred);
      assert.ok(r, `no record of ${what} in ${JSON.stringify(all.map((x) => [x.kind, x.action, x.decision, x.principal]))}`);
      return r;
    };
    // By content, not by place: `apply` appends its records in its own transaction, ahead of records still queued for
    // the writer thread, so the chain's order (`seq`) is not the order of events across those two paths (`at` is;
    // docs/decisions.md). Its CreateRole of `applied` may come first.
    const created = find((r) => r.action === 'iam:CreateRole' && r.decision === 'ok' && r.resource === `arn:aws:iam::${ROOT}:role/trainer`, 'CreateRole');
    assert.equal(created.kind, 'change');
    assert.equal(created.principal, `arn:aws:iam::${ROOT}:user/admin`);
    assert.equal(created.resource, `arn:aws:iam::${ROOT}:role/trainer`);
    assert.equal((created.detail['request'] as Record<string, unknown>)['roleName'], 'trainer');
    const refused = find((r) => r.action === 'iam:CreateRole' && r.decision === 'ACCESS_DENIED', 'a refused CreateRole');
    assert.equal(refused.principal, `arn:aws:iam::${ROOT}:user/alice`);
    assert.match(String(refused.detail['error']), /not authorized/);

    const issued = find((r) => r.kind === 'session' && r.decision === 'Allow' && r.action === 'sts:AssumeRole', 'the session');
    assert.equal(issued.role, `arn:aws:iam::${ROOT}:role/trainer`);
    assert.equal(issued.session, `arn:aws:sts::${ROOT}:assumed-role/trainer/nightly`);
    assert.equal(issued.sourceIdentity, 'admin-src');
    assert.equal(issued.sourceIp, '127.0.0.1');
    assert.equal(issued.detail['accessKeyId'], session.accessKeyId);
    const denied = find((r) => r.kind === 'session' && r.decision === 'Deny', 'the refused session');
    assert.equal(denied.principal, `arn:aws:iam::${ROOT}:user/alice`);

    const allow = find((r) => r.kind === 'decision' && r.decision === 'Allow', 'an allowed decision');
    assert.equal(allow.principal, `arn:aws:sts::${ROOT}:assumed-role/trainer/nightly`);
    assert.equal(allow.session, allow.principal);
    assert.equal(allow.sourceIdentity, 'admin-src');
    const deny = find((r) => r.kind === 'decision' && r.decision === 'ImplicitDeny' && r.action === 's3:GetObject', 'a denied decision');
    assert.ok(Array.isArray(deny.detail['reasons']) && (deny.detail['reasons'] as string[]).length > 0, 'a denial carries its explanation');
    const asked = find((r) => r.kind === 'decision' && r.action === 's3:PutObject', 'a decision about another principal');
    assert.equal(asked.principal, `arn:aws:iam::${ROOT}:user/alice`);
    assert.equal(asked.detail['askedBy'], `arn:aws:iam::${ROOT}:user/admin`);
    assert.ok(!all.some((r) => r.action === 'simulated:Thing'), 'simulations are not recorded');

    const submitted = find((r) => r.kind === 'job' && r.action === 'training:CreateJob' && r.decision === 'Allow', 'the submission');
    assert.equal(submitted.job, jobId);
    assert.equal(submitted.role, `arn:aws:iam::${ROOT}:role/trainer`);
    const jobRefused = find((r) => r.kind === 'job' && r.action === 'training:CreateJob' && r.decision === 'Deny', 'the refused submission');
    assert.match(String(jobRefused.detail['error']), /check permission for sub user failed/);
    const stopped = find((r) => r.kind === 'job' && r.action === 'training:JobStateChange' && r.decision === 'Stopped', 'the stop');
    assert.deepEqual([stopped.detail['from'], stopped.detail['to']], ['Queued', 'Stopped']);

    const workspace = find((r) => r.action === 'training:CreateWorkspace', 'the workspace');
    assert.equal(workspace.decision, 'ok');
    assert.deepEqual((workspace.detail['request'] as Record<string, unknown>)['defaultBucket'], 'arn:aws:s3:::vision-data');
    const applied = all.filter((r) => r.resource === `arn:aws:iam::${ROOT}:role/applied`);
    assert.deepEqual(applied.map((r) => r.action).sort(), ['iam:CreateRole', 'iam:PutRolePolicy']);
    assert.ok(applied.every((r) => r.decision === 'ok' && (r.detail['apply'] as Record<string, unknown>)['kind'] === 'Role'));

    assert.deepEqual(all.map((r) => r.seq), all.map((_, i) => i + 1), 'one gap-free chain');
  });

  it('a role session\'s decisions carry the role: --role finds what the role\'s sessions did (review D #5)', async () => {
    const trainer = `arn:aws:iam::${ROOT}:role/trainer`;
    const mine = await records(s, s.admin, { role: trainer });
    const decided = mine.filter((r) => r.kind === 'decision');
    assert.ok(decided.length > 0, `no decision by a trainer session among ${JSON.stringify(mine.map((r) => [r.kind, r.action, r.principal]))}`);
    for (const r of decided) {
      assert.equal(r.role, trainer);
      assert.equal(r.session, `arn:aws:sts::${ROOT}:assumed-role/trainer/nightly`);
      assert.equal(r.principal, r.session);
    }
    // Changes to the role and its sessions, as before.
    assert.deepEqual([...new Set(mine.map((r) => r.kind))].sort(), ['change', 'decision', 'job', 'session']);
    // A decision about a user names no role.
    assert.ok((await records(s, s.admin, { kind: 'decision' })).filter((r) => r.principal === `arn:aws:iam::${ROOT}:user/alice`).every((r) => r.role === undefined));
  });

  it('never records a secret', async () => {
    const text = JSON.stringify(await records(s, s.admin));
    for (const secret of secrets) assert.ok(secret.length > 10 && !text.includes(secret), `a secret reached the audit log: ${secret.slice(0, 6)}…`);
    const db = sqlite(s);
    try {
      const dump = JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
      for (const secret of secrets) assert.ok(!dump.includes(secret), 'a secret reached the audit table');
    } finally {
      db.close();
    }
  });

  it('filters by principal, role, job, action, decision, kind and time, and pages with a cursor', async () => {
    const all = await records(s, s.admin);
    const check = async (query: Record<string, string>, pred: (r: Rec) => boolean) => {
      const got = await records(s, s.admin, query);
      assert.deepEqual(got.map((r) => r.seq), all.filter(pred).map((r) => r.seq), JSON.stringify(query));
      assert.ok(got.length > 0, `${JSON.stringify(query)} matched nothing`);
    };
    await check({ principal: `arn:aws:iam::${ROOT}:user/alice` }, (r) => r.principal === `arn:aws:iam::${ROOT}:user/alice`);
    await check({ role: `arn:aws:iam::${ROOT}:role/trainer` }, (r) => r.role === `arn:aws:iam::${ROOT}:role/trainer`);
    await check({ job: jobId }, (r) => r.job === jobId);
    await check({ action: 'sts:AssumeRole' }, (r) => r.action === 'sts:AssumeRole');
    await check({ decision: 'ImplicitDeny' }, (r) => r.decision === 'ImplicitDeny');
    await check({ kind: 'decision', decision: 'ImplicitDeny', action: 's3:GetObject' }, (r) => r.kind === 'decision' && r.decision === 'ImplicitDeny' && r.action === 's3:GetObject');
    // The median record by time (`at`, the order of events), not by place in the chain.
    const mid = [...all].sort((a, b) => a.at.localeCompare(b.at))[Math.floor(all.length / 2)] as Rec;
    await check({ since: mid.at }, (r) => r.at >= mid.at);
    await check({ until: mid.at }, (r) => r.at < mid.at);
    await check({ since: '1h' }, () => true);
    assert.deepEqual(await records(s, s.admin, { until: '1h' }), []);

    // Cursor pagination: pages of 3 cover everything once, in order.
    const seen: number[] = [];
    let cursor = '0';
    for (let pages = 0; ; pages++) {
      const page = await v1<{ records: Rec[]; next?: string }>(s, s.admin, 'GET', ['audit'], { query: { after: cursor, limit: '3' } });
      seen.push(...page.records.map((r) => r.seq));
      assert.ok(page.records.length <= 3);
      if (page.next === undefined) break;
      cursor = page.next;
      assert.ok(pages < 100);
    }
    assert.deepEqual(seen, all.map((r) => r.seq));

    assert.equal((await failure(v1(s, s.admin, 'GET', ['audit'], { query: { kind: 'nonsense' } }))).code, 'ValidationError');
    assert.equal((await failure(v1(s, s.admin, 'GET', ['audit'], { query: { principle: 'typo' } }))).code, 'ValidationError');
    assert.equal((await failure(v1(s, s.admin, 'GET', ['audit'], { query: { since: 'yesterday' } }))).code, 'ValidationError');
  });

  it('is for administrators: gatehouse:ReadAudit; other accounts see their own records only', async () => {
    assert.equal((await failure(v1(s, alice, 'GET', ['audit']))).code, 'AccessDenied');
    assert.equal((await failure(v1(s, alice, 'GET', ['audit', 'verify']))).code, 'AccessDenied');
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read-audit', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'gatehouse:ReadAudit', Resource: '*' }] }) }));
    await s.running.app.refresh();
    assert.ok((await records(s, alice)).length > 0);

    const other = await v1<{ AccessKeyId: string; SecretAccessKey: string }>(s, s.admin, 'POST', ['accounts'], { body: { id: '111111111111', partition: 'aws' } });
    const otherAdmin = { accessKeyId: other.AccessKeyId, secretAccessKey: other.SecretAccessKey };
    await v1(s, otherAdmin, 'POST', ['users'], { body: { name: 'bob' } });
    const theirs = await records(s, otherAdmin);
    assert.ok(theirs.length > 0);
    assert.ok(theirs.every((r) => r.account === '111111111111'), 'only its own account');
    assert.ok(theirs.some((r) => r.action === 'iam:CreateUser' && r.resource === 'arn:aws:iam::111111111111:user/bob'));
    assert.equal((await failure(v1(s, otherAdmin, 'GET', ['audit', 'verify']))).code, 'AccessDenied', 'the whole chain is the root account’s to verify');
  });

  it('gatehouse audit query: filters, --json lines, a table, and --follow', async () => {
    await s.running.app.audit.flush();
    const json = await cli(s, ['audit', 'query', '--job', jobId, '--json'], s.admin);
    assert.equal(json.status, 0, json.err);
    const lines = json.out.trim().split('\n').map((l) => JSON.parse(l) as Rec);
    assert.ok(lines.length >= 2 && lines.every((r) => r.job === jobId));
    const table = await cli(s, ['audit', 'query', '--action', 'sts:AssumeRole', '--decision', 'Allow', '--limit', '5'], s.admin);
    assert.equal(table.status, 0, table.err);
    assert.match(table.out, /^SEQ\s+AT\s+KIND\s+PRINCIPAL\s+ACTION/);
    assert.match(table.out, /sts:AssumeRole/);
    const limited = await cli(s, ['audit', 'query', '--json', '--limit', '2'], s.admin);
    assert.equal(limited.out.trim().split('\n').length, 2);
    assert.equal((await cli(s, ['audit', 'query'], alice)).status, 0, 'alice may read now');
    assert.equal((await cli(s, ['audit', 'query', '--limit', '0'], s.admin)).status, 2);

    // --follow, as a real process: prints what is written after it started.
    const child = spawn(process.execPath, [join(REPO, 'bin', 'gatehouse.js'), 'audit', 'query', '--follow', '--json', '--interval', '100', '--action', 'iam:CreateGroup'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
      const seen = new Promise<Rec>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`--follow printed nothing: ${out}`)), 15_000);
        child.stdout.on('data', () => {
          const line = out.split('\n').find((l) => l.includes('followers'));
          if (line) {
            clearTimeout(timer);
            resolve(JSON.parse(line) as Rec);
          }
        });
      });
      await new Promise((r) => setTimeout(r, 700));
      await v1(s, s.admin, 'POST', ['groups'], { body: { name: 'followers' } });
      const r = await seen;
      assert.equal(r.action, 'iam:CreateGroup');
      assert.equal(r.resource, `arn:aws:iam::${ROOT}:group/followers`);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('gatehouse audit verify finds an edited row and a deleted row', async () => {
    const ok1 = await cli(s, ['audit', 'verify'], s.admin);
    assert.equal(ok1.status, 0, ok1.out + ok1.err);
    assert.match(ok1.out, /audit log intact: \d+ record\(s\) checked/);

    const db = sqlite(s);
    try {
      const row = db.prepare('SELECT * FROM audit_log WHERE seq = 3').get() as Record<string, string | number | null>;
      // Edit: the record of a change made to name another resource.
      db.prepare("UPDATE audit_log SET resource = 'arn:aws:iam::000000000000:user/nobody' WHERE seq = 3").run();
      const edited = await cli(s, ['audit', 'verify', '--json'], s.admin);
      assert.equal(edited.status, 1);
      const report = JSON.parse(edited.out) as { ok: boolean; broken: { seq: number; reason: string } };
      assert.equal(report.ok, false);
      assert.deepEqual([report.broken.seq, report.broken.reason], [3, 'altered']);
      const text = await cli(s, ['audit', 'verify'], s.admin);
      assert.match(text.out, /audit log BROKEN at record 3 \(altered\)/);
      db.prepare('UPDATE audit_log SET resource = ? WHERE seq = 3').run(row['resource'] ?? null);
      assert.equal((await cli(s, ['audit', 'verify'], s.admin)).status, 0, 'restored');

      // Delete: the record of a session, gone.
      const five = db.prepare('SELECT * FROM audit_log WHERE seq = 5').get() as Record<string, string | number | null>;
      db.prepare('DELETE FROM audit_log WHERE seq = 5').run();
      const deleted = JSON.parse((await cli(s, ['audit', 'verify', '--json'], s.admin)).out) as { broken: { seq: number; reason: string } };
      assert.deepEqual([deleted.broken.seq, deleted.broken.reason], [5, 'missing']);
      const columns = Object.keys(five);
      db.prepare(`INSERT INTO audit_log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map((c) => five[c] ?? null));
      assert.equal((await cli(s, ['audit', 'verify'], s.admin)).status, 0, 'restored');

      // The tail deleted (the last record, and nothing else touched): the head says it existed.
      const head = db.prepare('SELECT seq FROM audit_head').get() as { seq: number };
      const last = db.prepare('SELECT * FROM audit_log WHERE seq = ?').get(head.seq) as Record<string, string | number | null>;
      db.prepare('DELETE FROM audit_log WHERE seq = ?').run(head.seq);
      const tail = JSON.parse((await cli(s, ['audit', 'verify', '--json'], s.admin)).out) as { broken: { reason: string } };
      assert.equal(tail.broken.reason, 'truncated');
      db.prepare(`INSERT INTO audit_log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map((c) => last[c] ?? null));
      assert.equal((await cli(s, ['audit', 'verify'], s.admin)).status, 0, 'restored');
    } finally {
      db.close();
    }
  });

  it('retention prunes old records and leaves a verifiable chain with an attested checkpoint', async () => {
    const app = s.running.app;
    await app.audit.flush();
    const before = await records(s, s.admin);
    // Retention removes the prefix of the chain that is entirely older than the cut. The chain's order is not the order
    // of events (apply's records may come ahead of older queued ones), so the cut is just after every record of the
    // chain's first half: that half goes at least, and the prefix stops at the first record at or after the cut.
    const firstHalf = before.slice(0, Math.ceil(before.length / 2));
    const cutMs = Math.max(...firstHalf.map((r) => Date.parse(r.at))) + 1;
    const prefix = before.findIndex((r) => Date.parse(r.at) >= cutMs);
    const expected = prefix < 0 ? before.length : prefix;
    const pruned = await app.audit.prune(cutMs);
    assert.ok(pruned.pruned > 0);
    assert.equal(pruned.pruned, expected, 'the prefix older than the cut, no more');
    assert.equal(pruned.head.baseSeq, (before[expected - 1] as Rec).seq);
    const afterPrune = await records(s, s.admin);
    assert.ok(afterPrune.length < before.length + 1);
    assert.ok(afterPrune.every((r) => r.seq > pruned.head.baseSeq), 'nothing of the pruned prefix is left');
    const mark = afterPrune.find((r) => r.action === 'gatehouse:PruneAudit');
    assert.ok(mark, 'the pruning is itself recorded');
    assert.deepEqual(mark.detail['checkpoint'], { seq: pruned.head.baseSeq, hash: (before.find((r) => r.seq === pruned.head.baseSeq) as Rec).hash });
    const v = await cli(s, ['audit', 'verify', '--json'], s.admin);
    assert.equal(v.status, 0, v.out);
    assert.equal((JSON.parse(v.out) as { base: { seq: number } }).base.seq, pruned.head.baseSeq);

    // Moving the checkpoint forward to hide more records is caught: no pruning record attests it.
    const db = sqlite(s);
    try {
      const first = afterPrune[0] as Rec;
      const row = db.prepare('SELECT * FROM audit_log WHERE seq = ?').get(first.seq) as Record<string, string | number | null>;
      const headRow = db.prepare('SELECT base_seq, base_hash FROM audit_head').get() as { base_seq: number; base_hash: string };
      db.prepare('DELETE FROM audit_log WHERE seq = ?').run(first.seq);
      db.prepare('UPDATE audit_head SET base_seq = ?, base_hash = ?').run(first.seq, first.hash);
      const moved = JSON.parse((await cli(s, ['audit', 'verify', '--json'], s.admin)).out) as { ok: boolean; broken: { reason: string } };
      assert.equal(moved.ok, false);
      assert.equal(moved.broken.reason, 'checkpoint');
      const columns = Object.keys(row);
      db.prepare(`INSERT INTO audit_log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map((c) => row[c] ?? null));
      db.prepare('UPDATE audit_head SET base_seq = ?, base_hash = ?').run(headRow.base_seq, headRow.base_hash);
      assert.equal((await cli(s, ['audit', 'verify'], s.admin)).status, 0);
    } finally {
      db.close();
    }
  });
});

describe('audit failure policy', () => {
  /** Takes the audit table away (writes fail with "no such table"), or gives it back. */
  const setTable = (s: TestServer, present: boolean) => {
    const db = sqlite(s);
    try {
      db.exec(present ? 'ALTER TABLE audit_log_away RENAME TO audit_log' : 'ALTER TABLE audit_log RENAME TO audit_log_away');
    } finally {
      db.close();
    }
  };
  const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('closed (the default): while the audit log cannot be written, no session is issued and the directory does not change; decisions and verification go on; all of it is written later', async () => {
    const s = await startTestServer();
    try {
      const app = s.running.app;
      await s.iam().send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
      const assumed = await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'before' }));
      const session = { accessKeyId: assumed.Credentials?.AccessKeyId ?? '', secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '', sessionToken: assumed.Credentials?.SessionToken ?? '' };
      await app.audit.flush();
      setTable(s, false);
      // A decision is recorded (queued); the write fails; the policy applies.
      assert.equal((await v1<{ decision: string }>(s, s.admin, 'POST', ['authorize'], { body: { action: 'outage:Decide', resource: 'arn:aws:s3:::b/k' } })).decision, 'Allow');
      await until('the audit log is failing', () => !app.audit.status().healthy);
      assert.equal(await errorName(s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'during' }))), 'ServiceUnavailable');
      assert.equal(await errorName(s.iam().send(new CreateUserCommand({ UserName: 'during' }))), 'ServiceUnavailable');
      const refused = await failure(v1(s, s.admin, 'POST', ['users'], { body: { name: 'during2' } }));
      assert.deepEqual([refused.code, refused.httpStatus], ['ServiceUnavailable', 503]);
      // Still working: decisions, session verification.
      assert.equal((await v1<{ decision: string }>(s, session, 'POST', ['authorize'], { body: { action: 'outage:Decide', resource: 'arn:aws:s3:::b/k' } })).decision, 'ImplicitDeny');
      assert.equal((await s.sts(session).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ROOT}:assumed-role/r/before`);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      assert.match(metrics, /^gatehouse_audit_healthy 0$/m);
      assert.match(metrics, /^gatehouse_audit_write_failures_total [1-9]/m);
      assert.match(metrics, /^gatehouse_audit_backlog [1-9]/m);
      assert.ok(s.logs.some((l) => l.startsWith('audit: cannot write')), s.logs.join('\n'));

      setTable(s, true);
      await until('the backlog is written', () => app.audit.status().healthy && app.audit.status().backlog === 0);
      await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'after' }));
      const all = await records(s, s.admin);
      assert.equal(all.filter((r) => r.action === 'outage:Decide').length, 2, 'the decisions made during the failure were written later');
      assert.ok(!all.some((r) => r.session?.endsWith('/during')), 'no session was issued during the failure');
      assert.ok(all.some((r) => r.session?.endsWith('/after')));
      assert.equal((await cli(s, ['audit', 'verify'], s.admin)).status, 0);
      assert.ok(s.logs.some((l) => l.startsWith('audit: writing again')));
    } finally {
      await s.stop();
    }
  });

  it('open: issuance goes on and is recorded once the log can be written', async () => {
    const s = await startTestServer({ audit: { failure: 'open' } });
    try {
      const app = s.running.app;
      await s.iam().send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
      await app.audit.flush();
      setTable(s, false);
      await v1(s, s.admin, 'POST', ['authorize'], { body: { action: 'outage:Decide', resource: 'arn:aws:s3:::b/k' } });
      await until('the audit log is failing', () => !app.audit.status().healthy);
      await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'during' }));
      setTable(s, true);
      await until('the backlog is written', () => app.audit.status().healthy && app.audit.status().backlog === 0);
      assert.ok((await records(s, s.admin)).some((r) => r.session?.endsWith('/during')));
    } finally {
      await s.stop();
    }
  });
});
