/**
 * Who-can's `through` lists at scale (review dx, 1): `app.whoCan` in process (SQLite in a temp dir) on an account of
 * 2,000 users, 500 roles, 200 groups and 50 managed policies, for an object 1 role in 3 may read, asked by the root
 * admin (who gets `through`: every user and role that can come to act as each allowed role, from escalation-paths'
 * search) and by an auditor without `iam:GetAccountAuthorizationDetails` (who gets the answer without it). Median of 5
 * runs (3 with `--quick`). Then that search alone (`app.escalation` with `becomeOnly`), once: the questions it asked of
 * the engine, which its sieve keeps down (review ee, 1), or its refusal.
 *
 * The world (`documents`), deterministic: 50 teams; managed policy `team-t` reads bucket `team-t` and may assume the
 * team's roles (`role/team-t-*`); `shared-read` reads `shared/*`; `ops` may mint any user's key and rewrite any role's
 * trust policy (`iam:CreateAccessKey`, `iam:UpdateAssumeRolePolicy` on `*`). Group `g` (200) has `team-(g % 50)`
 * attached and an inline policy reading its own prefix; user `i` (2,000) is in groups `i % 200` and `(7i + 3) % 200`,
 * with an inline policy of its own (its home prefix, `sts:AssumeRole` on one role of another team); users 0–4 are in
 * the `ops` group. Role `j` (500) is `team-(j % 50)-r(j / 50)`; its trust policy names 20 users and 5 roles by ARN
 * (and the account for one role in 10), it has `team-(j % 50)` attached, and `shared-read` when `j % 3 === 0` (167
 * roles); its inline policy may assume the next role of its team.
 *
 * Then the same on a medium account (`MEDIUM`: 240 users, 60 roles, 24 groups, 6 teams) within escalation's budget,
 * where `through` is listed.
 *
 * Run alone: `npx node bench/who-can.ts [--quick]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { applyConfig } from '../src/app/apply.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import type { WhoCanAnswer } from '../src/app/who-can.ts';
import { median, row, type BenchOptions, type BenchRow } from './report.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
type Size = { readonly users: number; readonly roles: number; readonly groups: number; readonly teams: number };
export const SIZE: Size = { users: 2000, roles: 500, groups: 200, teams: 50 };
/** An account small enough for escalation's budget, so that `through` is listed: what listing it costs. */
export const MEDIUM: Size = { users: 240, roles: 60, groups: 24, teams: 6 };
const OBJECT = 'arn:aws:s3:::shared/data/part-0';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const allow = (Action: string | string[], Resource: string | string[]) => ({ Effect: 'Allow', Action, Resource });
const policy = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const arn = (kind: 'user' | 'role', name: string): string => `arn:aws:iam::${ROOT}:${kind}/${name}`;
const roleName = (j: number, teams: number): string => `team-${j % teams}-r${Math.floor(j / teams)}`;

/** The account's documents (see the header); `size` scales it down for tests. */
export function documents(size: Size = SIZE): unknown[] {
  const out: unknown[] = [];
  for (let t = 0; t < size.teams; t++) {
    out.push(doc('Policy', `team-${t}`, { document: policy(allow(['s3:GetObject', 's3:ListBucket'], [`arn:aws:s3:::team-${t}`, `arn:aws:s3:::team-${t}/*`]), allow('sts:AssumeRole', `arn:aws:iam::${ROOT}:role/team-${t}-*`)) }));
  }
  out.push(doc('Policy', 'shared-read', { document: policy(allow('s3:GetObject', 'arn:aws:s3:::shared/*')) }));
  out.push(doc('Policy', 'ops', { document: policy(allow(['iam:CreateAccessKey', 'iam:UpdateAssumeRolePolicy'], '*')) }));
  for (let g = 0; g < size.groups; g++) {
    out.push(doc('Group', `group-${g}`, { policies: [`team-${g % size.teams}`, ...(g === 0 ? ['ops'] : [])], inlinePolicies: { own: policy(allow('s3:GetObject', `arn:aws:s3:::groups/g${g}/*`)) } }));
  }
  for (let i = 0; i < size.users; i++) {
    const groups = [...new Set([`group-${i < 5 ? 0 : 1 + (i % (size.groups - 1))}`, `group-${1 + ((7 * i + 3) % (size.groups - 1))}`])];
    out.push(doc('User', `user-${i}`, { groups, inlinePolicies: { home: policy(allow(['s3:GetObject', 's3:PutObject'], `arn:aws:s3:::home/user-${i}/*`), allow('sts:AssumeRole', arn('role', roleName((i * 13) % size.roles, size.teams)))) } }));
  }
  for (let j = 0; j < size.roles; j++) {
    const users = Array.from({ length: 20 }, (_, k) => arn('user', `user-${(j * 37 + k * 101) % size.users}`));
    const roles = Array.from({ length: 5 }, (_, k) => arn('role', roleName((j + 1 + k * 97) % size.roles, size.teams)));
    const trust = policy(
      { Effect: 'Allow', Principal: { AWS: [...users, ...roles] }, Action: 'sts:AssumeRole' },
      { Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' },
      ...(j % 10 === 0 ? [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] : []),
    );
    out.push(doc('Role', roleName(j, size.teams), { trustPolicy: trust, policies: [`team-${j % size.teams}`, ...(j % 3 === 0 ? ['shared-read'] : [])], inlinePolicies: { next: policy(allow('sts:AssumeRole', arn('role', roleName((j + size.teams) % size.roles, size.teams)))) } }));
  }
  out.push(doc('User', 'auditor', { inlinePolicies: { look: policy(allow(['iam:ListUsers', 'iam:ListRoles', 'gatehouse:Authorize'], '*')) } }));
  return out;
}

/** An app over SQLite in a temp dir holding `documents()`, with the root admin and the auditor as callers. */
export async function world(docs: unknown[] = documents()): Promise<{ app: App; admin: Caller; auditor: Caller; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-bench-who-can-'));
  const store = await openSqliteStore({ dataDir: dir });
  const app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto }, { audit: { enabled: false } });
  const close = async (): Promise<void> => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  };
  await app.start();
  const creds = await app.bootstrap();
  const admin = creds && (await app.authenticate(creds.AccessKeyId));
  if (!admin?.ok) throw new Error('the root admin does not authenticate');
  const applied = await applyConfig(app.deps, admin.value.caller, { documents: docs });
  if (!applied.ok) throw new Error(`apply: ${applied.errors[0]?.message}`);
  const k = await app.directory.createAccessKey(admin.value.caller, { userName: 'auditor' });
  if (!k.ok) throw new Error(`access key: ${k.errors[0]?.message}`);
  await app.refresh();
  const auditor = await app.authenticate(k.value.key.id);
  if (!auditor.ok) throw new Error('the auditor does not authenticate');
  return { app, admin: admin.value.caller, auditor: auditor.value.caller, close };
}

export async function benchWhoCan(opts: BenchOptions): Promise<BenchRow[]> {
  const b = 'who-can';
  const runs = opts.quick ? 3 : 5;
  const rows: BenchRow[] = [];
  for (const [label, size] of [['large', SIZE], ['medium', MEDIUM]] as const) {
    const t0 = performance.now();
    const { app, admin, auditor, close } = await world(documents(size));
    opts.log(`who-can ${label}: world built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    try {
      const time = async (caller: Caller): Promise<{ ms: number[]; answer: WhoCanAnswer }> => {
        const ms: number[] = [];
        let answer: WhoCanAnswer | undefined;
        for (let i = 0; i < runs; i++) {
          const t = performance.now();
          const r = await app.whoCan(caller, { action: 's3:GetObject', resource: OBJECT });
          ms.push(performance.now() - t);
          if (!r.ok) throw new Error(`who-can: ${r.errors[0]?.message}`);
          answer = r.value;
        }
        return { ms, answer: answer as WhoCanAnswer };
      };
      const without = await time(auditor);
      const withThrough = await time(admin);
      // The search behind `through` alone, once: how many questions it asked of the engine (review ee, 1).
      const search = await app.escalation(admin, { becomeOnly: true });
      const questions = search.ok ? search.value.questions.toLocaleString('en-US') : `refused: ${search.errors[0]?.code}`;
      const roles = withThrough.answer.allowed.filter((r) => r.kind === 'role');
      const listed = roles.filter((r) => r.through !== undefined);
      const entries = roles.reduce((n, r) => n + (r.through?.length ?? 0), 0);
      const reaching = new Set(roles.flatMap((r) => (r.through ?? []).map((t) => t.principal))).size;
      opts.log(`who-can ${label}: without through ${median(without.ms).toFixed(0)} ms, with ${median(withThrough.ms).toFixed(0)} ms; ${listed.length} of ${roles.length} roles list through (${entries} entries)`);
      const m = `${label}: `;
      rows.push(
        row(b, `${m}workload`, `${size.users} users, ${size.roles} roles, ${size.groups} groups, ${size.teams + 2} managed policies; s3:GetObject on ${OBJECT}, in process, median of ${runs}`, ''),
        row(b, `${m}principals asked`, withThrough.answer.checked, ''),
        row(b, `${m}allowed (users, roles)`, `${withThrough.answer.allowed.filter((r) => r.kind === 'user').length}, ${roles.length}`, ''),
        row(b, `${m}without through (no iam:GetAccountAuthorizationDetails): time`, median(without.ms), 'ms'),
        row(b, `${m}with through (root admin): time`, median(withThrough.ms), 'ms'),
        row(b, `${m}questions of the search behind through`, questions, ''),
        row(b, `${m}roles listing through`, listed.length, ''),
        row(b, `${m}through entries in all`, entries, ''),
        // Those a role does not list (MAX_THROUGH a role, review eh2), and the size of the answer as the API sends it.
        row(b, `${m}through entries not listed (throughOmitted)`, roles.reduce((n, r) => n + ((r as { throughOmitted?: number }).throughOmitted ?? 0), 0), ''),
        row(b, `${m}answer size, JSON`, Math.round(JSON.stringify(withThrough.answer).length / 1024), 'KB'),
        row(b, `${m}principals reaching an allowed role`, reaching, ''),
        row(b, `${m}through note`, (withThrough.answer.note.split('; ').find((x) => x.includes('through')) ?? '').slice(0, 160), ''),
      );
    } finally {
      await close();
    }
  }
  return rows;
}

if (import.meta.main) {
  const { table } = await import('./report.ts');
  const rows = await benchWhoCan({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${table(rows)}\n`);
}
