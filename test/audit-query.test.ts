/**
 * Reading the audit log from its end, and filters that cannot match: `gatehouse audit query --last N` and
 * `--follow --limit N` (the newest N, as `tail -n N -f`, then only what is written afterwards), the table's columns
 * while following, and `GET /v1/audit` refusing a `decision` no record carries and an empty time range, while
 * accepting a known decision in any case and `AccessDenied` (what the aws CLI shows) for the stored
 * `ACCESS_DENIED`. The CLI runs in this process, and as the real `gatehouse` binary to follow, the API through signed requests, against a server
 * on 127.0.0.1 (SQLite) holding a log of some 2,600 records, so that reading from the end crosses pages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'gatehouse.js');
const ROOT = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });

interface Rec {
  seq: number;
  at: string;
  kind: string;
  principal: string;
  action: string;
  resource: string;
  decision?: string;
  job?: string;
  accessKeyId?: string;
}

type Answer = { ok: true; records: Rec[]; next?: string } | { ok: false; httpStatus: number; code: string; message: string };

describe('audit query: the newest records, followed rows in columns, filter values that match nothing', () => {
  let s: TestServer;
  let alice: Credentials;
  const conn = (): Connection => ({ endpoint: new URL(s.url), credentials: s.admin, region: 'us-east-1', credentialsSource: 'test' });

  /** One signed `GET /v1/audit`. */
  async function get(query: Record<string, string>): Promise<Answer> {
    const r = await call<{ records: Rec[]; next?: string }>(conn(), 'GET', ['audit'], { query });
    return r.ok ? { ok: true, records: r.value.records, ...(r.value.next !== undefined ? { next: r.value.next } : {}) } : { ok: false, httpStatus: r.httpStatus, code: r.code, message: r.message };
  }

  /** Every record matching `query`, oldest first, following the cursor. */
  async function all(query: Record<string, string> = {}): Promise<Rec[]> {
    await s.running.app.audit.flush();
    const out: Rec[] = [];
    for (let cursor = '0'; ; ) {
      const page = await get({ ...query, after: cursor, limit: '1000' });
      if (!page.ok) throw new Error(`${page.code}: ${page.message}`);
      out.push(...page.records);
      if (page.next === undefined) return out;
      cursor = page.next;
    }
  }

  function start(args: readonly string[]): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exited: Promise<number> } {
    const child = spawn(process.execPath, [BIN, 'audit', 'query', ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    return { child, out: () => out, err: () => err, exited };
  }

  /**
   * `gatehouse audit query ARGS` to its end: in this process (test/support/gatehouse-cli.ts; a `gatehouse` process costs
   * some 0.3 s of CPU, and these queries are about what is printed), or with `--follow`, as the binary killed after 30 s.
   */
  async function run(args: readonly string[]): Promise<{ status: number; out: string; err: string }> {
    if (!args.includes('--follow')) {
      const r = await gatehouseInProcess(['audit', 'query', ...args], { AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url });
      return { status: r.code, out: r.stdout, err: r.stderr };
    }
    const p = start(args);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
    const status = await p.exited;
    clearTimeout(timer);
    return { status, out: p.out(), err: p.err() };
  }

  const jsonLines = (out: string): Rec[] =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Rec);

  async function until(what: string, pred: () => boolean, ms = 15_000): Promise<void> {
    for (const end = Date.now() + ms; !pred(); ) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Every row of a table lines up with the header printed last above it: each cell, read at its header's offset
   * up to the next header's, is exactly that record's value. Returns the seqs of the rows.
   */
  function assertAligned(out: string, bySeq: ReadonlyMap<number, Rec>): number[] {
    let starts: number[] | undefined;
    const seqs: number[] = [];
    for (const line of out.split('\n').filter((l) => l !== '')) {
      if (line.startsWith('SEQ ')) {
        starts = [...line.matchAll(/\S+/g)].map((m) => m.index);
        assert.equal(starts.length, 9, line);
        continue;
      }
      assert.ok(starts, `a row before any header: ${line}`);
      const seq = Number(/^\d+/.exec(line)?.[0]);
      const r = bySeq.get(seq);
      assert.ok(r, `no record ${seq}: ${line}`);
      const want = [String(r.seq), r.at, r.kind, r.principal, r.action, r.resource, r.decision ?? '', r.job ?? '', r.accessKeyId ?? ''];
      const cells = starts.map((at, i) => line.slice(at, starts?.[i + 1]).trimEnd());
      assert.deepEqual(cells, want, `a row out of line with its header:\n${out}`);
      seqs.push(seq);
    }
    return seqs;
  }

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    // A refused change, stored with Gatehouse's code ACCESS_DENIED; the aws CLI shows AccessDenied.
    assert.equal(await errorName(s.iam(alice).send(new CreateRoleCommand({ RoleName: 'mine', AssumeRolePolicyDocument: TRUST }))), 'AccessDenied');
    for (let i = 1; i <= 30; i++) await iam.send(new CreateUserCommand({ UserName: `u${String(i).padStart(2, '0')}` }));
    // 2,550 allowed decisions: the log crosses pages of 1,000 several times.
    for (let b = 0; b < 3; b++) {
      const requests = Array.from({ length: 850 }, (_, i) => ({ action: 's3:GetObject', resource: `arn:aws:s3:::data/${b}-${i}` }));
      const r = await call<{ results: unknown[] }>(conn(), 'POST', ['authorize:batch'], { body: { requests } });
      assert.ok(r.ok && r.value.results.length === 850, JSON.stringify(r));
    }
    for (let i = 1; i <= 5; i++) await iam.send(new CreateUserCommand({ UserName: `v${i}` }));
    await s.running.app.audit.flush();
  });
  after(() => s?.stop());

  it('--last N prints the newest N matching records, oldest of them first, across pages and with sparse filters', async () => {
    const users = await all({ action: 'iam:CreateUser' });
    assert.equal(users.length, 36);
    const decisions = await all({ kind: 'decision' });
    assert.ok(decisions.length >= 2550, String(decisions.length));
    const everything = await all();
    const seqs = (rs: readonly Rec[]) => rs.map((r) => r.seq);

    const three = await run(['--last', '3', '--action', 'iam:CreateUser', '--json']);
    assert.equal(three.status, 0, three.err);
    assert.deepEqual(seqs(jsonLines(three.out)), seqs(users.slice(-3)));
    assert.deepEqual(jsonLines(three.out).map((r) => r.resource), ['v3', 'v4', 'v5'].map((n) => `arn:aws:iam::${ROOT}:user/${n}`));

    // More than a page: the newest 1,200 decisions.
    const many = await run(['--last', '1200', '--kind', 'decision', '--json']);
    assert.equal(many.status, 0, many.err);
    assert.deepEqual(seqs(jsonLines(many.out)), seqs(decisions.slice(-1200)));

    // Fewer match than asked: all of them.
    const few = await run(['--last', '50', '--action', 'iam:CreateUser', '--json']);
    assert.deepEqual(seqs(jsonLines(few.out)), seqs(users));

    // No filter; and one record.
    assert.deepEqual(seqs(jsonLines((await run(['--last', '5', '--json'])).out)), seqs(everything.slice(-5)));
    assert.deepEqual(seqs(jsonLines((await run(['--last', '1', '--principal', `arn:aws:iam::${ROOT}:user/alice`, '--json'])).out)), seqs((await all({ principal: `arn:aws:iam::${ROOT}:user/alice` })).slice(-1)));
    // Nothing matches: nothing printed, no error.
    const none = await run(['--last', '5', '--action', 'iam:NoSuchAction', '--json']);
    assert.deepEqual([none.status, none.out], [0, '']);

    // The table of more than one page keeps its columns from one page to the next.
    const table = await run(['--last', '1100', '--kind', 'decision']);
    assert.equal(table.status, 0, table.err);
    assert.deepEqual(assertAligned(table.out, new Map(decisions.map((r) => [r.seq, r]))), seqs(decisions.slice(-1100)));

    // One count or the other.
    const both = await run(['--last', '2', '--limit', '3']);
    assert.equal(both.status, 2);
    assert.match(both.err, /--last.*cannot be used with.*--limit/);
    // A plain query still starts at the oldest.
    assert.deepEqual(seqs(jsonLines((await run(['--limit', '2', '--json'])).out)), seqs(everything.slice(0, 2)));
  });

  it('--follow --limit N prints the newest N existing records, then only the ones written afterwards', async () => {
    const users = await all({ action: 'iam:CreateUser' });
    const p = start(['--follow', '--limit', '3', '--json', '--interval', '100', '--action', 'iam:CreateUser']);
    try {
      await until('three records', () => jsonLines(p.out()).length >= 3);
      // Several polls later: nothing more, since nothing was written.
      await new Promise((r) => setTimeout(r, 800));
      assert.deepEqual(jsonLines(p.out()).map((r) => r.seq), users.slice(-3).map((r) => r.seq), p.err());
      await s.iam().send(new CreateUserCommand({ UserName: 'w1' }));
      await until('the new record', () => jsonLines(p.out()).length >= 4);
      await new Promise((r) => setTimeout(r, 500));
      const lines = jsonLines(p.out());
      assert.equal(lines.length, 4);
      assert.equal(lines[3]?.resource, `arn:aws:iam::${ROOT}:user/w1`);
    } finally {
      p.child.kill('SIGTERM');
    }
  });

  it('rows printed while following line up with the header (which is printed again when a column widens)', async () => {
    const p = start(['--follow', '--limit', '2', '--interval', '100', '--action', 'iam:CreateUser']);
    try {
      await until('the table', () => p.out().split('\n').length >= 4);
      // A shorter name, then a longer one than any before.
      await s.iam().send(new CreateUserCommand({ UserName: 'x' }));
      await until('the shorter row', () => p.out().includes('user/x'));
      const long = `a-much-longer-user-name-than-any-before-${'z'.repeat(20)}`;
      await s.iam().send(new CreateUserCommand({ UserName: long }));
      await until('the longer row', () => p.out().includes(long));
      const users = await all({ action: 'iam:CreateUser' });
      const shown = assertAligned(p.out(), new Map(users.map((r) => [r.seq, r])));
      assert.deepEqual(shown, users.slice(-4).map((r) => r.seq));
      assert.equal(p.out().split('\n').filter((l) => l.startsWith('SEQ ')).length, 2, p.out());
    } finally {
      p.child.kill('SIGTERM');
    }
  });

  it('GET /v1/audit: a decision in any case or as its AWS code; an unknown decision or an empty range is a 400', async () => {
    const allowed = await all({ decision: 'Allow' });
    assert.ok(allowed.length > 2000);
    assert.deepEqual((await all({ decision: 'allow' })).map((r) => r.seq), allowed.map((r) => r.seq));
    const refused = await all({ decision: 'ACCESS_DENIED' });
    assert.deepEqual(refused.map((r) => [r.action, r.principal]), [['iam:CreateRole', `arn:aws:iam::${ROOT}:user/alice`]]);
    assert.deepEqual(await all({ decision: 'AccessDenied' }), refused);
    assert.deepEqual(await all({ decision: 'accessdenied' }), refused);

    const maybe = await get({ decision: 'Maybe' });
    assert.ok(!maybe.ok);
    assert.deepEqual([maybe.httpStatus, maybe.code], [400, 'ValidationError']);
    assert.match(maybe.message, /`Maybe`/);
    for (const accepted of ['Allow', 'ExplicitDeny', 'ImplicitDeny', 'Deny', 'Running', 'ok', 'ACCESS_DENIED', 'AccessDenied']) assert.ok(maybe.message.includes(accepted), `${accepted} in ${maybe.message}`);
    // An AWS code several Gatehouse codes answer with stands for all of them, as AccessDenied does (review readme iv7).
    const ambiguous = await get({ decision: 'NoSuchEntity' });
    assert.ok(ambiguous.ok, JSON.stringify(ambiguous));
    assert.deepEqual(await all({ decision: 'NoSuchEntity' }), [...(await all({ decision: 'NO_SUCH_ENTITY' })), ...(await all({ decision: 'RBAC_ROLE_NOT_FOUND' }))].sort((a, b) => a.seq - b.seq));

    const swapped = await get({ since: '1h', until: '2h' });
    assert.ok(!swapped.ok);
    assert.deepEqual([swapped.httpStatus, swapped.code], [400, 'ValidationError']);
    assert.match(swapped.message, /`since`.*before `until`/);
    const at = (allowed[0] as Rec).at;
    const same = await get({ since: at, until: at });
    assert.ok(!same.ok && same.httpStatus === 400, 'since equal to until selects nothing');
    assert.ok((await get({ since: '2h', until: '1h' })).ok, 'a range in the right order is fine');
  });

  it('gatehouse audit query: the same refusals exit 8 and name the value (a swapped range is a usage error, 2); --decision AccessDenied finds the refused change', async () => {
    const maybe = await run(['--decision', 'maybe']);
    assert.equal(maybe.status, 8, maybe.err);
    assert.match(maybe.err, /ValidationError: .*`maybe`.*Allow/);
    // The CLI refuses a swapped range itself, naming its flags, before asking (review vi, 5).
    const swapped = await run(['--since', '1h', '--until', '2h']);
    assert.equal(swapped.status, 2, swapped.err);
    assert.match(swapped.err, /--since 1h .* must be before --until 2h/);
    // Following with a bad filter ends at once instead of waiting for records that cannot come.
    const following = await run(['--follow', '--decision', 'Maybe', '--interval', '100']);
    assert.equal(following.status, 8, following.err);

    const refused = await run(['--decision', 'AccessDenied', '--json']);
    assert.equal(refused.status, 0, refused.err);
    assert.deepEqual(jsonLines(refused.out).map((r) => [r.action, r.decision]), [['iam:CreateRole', 'ACCESS_DENIED']]);
    const lower = await run(['--decision', 'allow', '--kind', 'decision', '--last', '2', '--json']);
    assert.equal(lower.status, 0, lower.err);
    assert.deepEqual(jsonLines(lower.out).map((r) => r.decision), ['Allow', 'Allow']);
  });
});
