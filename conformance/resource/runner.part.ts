/**
 * Runs every case of `conformance/resource/*.json` through the authorize API's use case, one test per case:
 * a fresh application over SQLite in a temporary directory of its own (what `gatehouse server` runs; a copy of one
 * bootstrapped once), the case's world
 * written with `applyConfig` as the root admin (kinds Account, Policy, User, Role, ResourcePolicy), then
 * `app.authorizer.authorize(admin, { principal, action, resource, context })` — the root admin asking about
 * the case's principal, as a resource server with `gatehouse:Authorize` does; a role session asks as itself
 * (`askerFor`), and the rules that decided are read from the root admin's answer about the session's ARN (a session
 * sees only its own account's rules, review I3). Each case is first checked
 * against the schema (schema.ts): a malformed case is a failing test, never a skipped one.
 *
 * Worlds: users get their identity policies inline (`p0`, `p1`, …) and their boundary as a managed policy
 * `<name>-boundary`; roles trust the training service of their partition (the trust policy plays no part in
 * these decisions); a resource policy is attached by its `account`. A user or role a resource policy names that the
 * case does not declare is created without policies, in its account when the world holds it (`namedPrincipals` of src/app/principal-refs.ts): a
 * policy may name only principals that exist, as in AWS ("Invalid principal in policy"), and the cases are about
 * what naming one grants, not about whether it was created.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApp, type App, type Caller } from '../../src/app/index.ts';
import { applyConfig, describeApplyError, type ApplyError } from '../../src/app/apply.ts';
import { namedPrincipals } from '../../src/app/principal-refs.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../../src/adapters/crypto/index.ts';
import { openSqliteStore, type SqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import { validateCase, type CasePrincipal, type ResourceCase } from './schema.ts';
import { caseFiles, registerCases } from '../support/cases.ts';

const MIN_CASES = 80;
const here = dirname(fileURLToPath(import.meta.url));
const files = caseFiles(here);
const key = masterKeyFromBytes(randomBytes(32));

const doc = (kind: string, name: string, account: string | undefined, spec: Record<string, unknown>) => ({
  apiVersion: 'gatehouse.dev/v1',
  kind,
  metadata: { name, ...(account !== undefined ? { account } : {}) },
  spec,
});

function trustOf(partition: string): Record<string, unknown> {
  return partition === 'acs'
    ? { Version: '1', Statement: [{ Effect: 'Allow', Principal: { Service: ['pai.aliyuncs.com'] }, Action: 'sts:AssumeRole' }] }
    : { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
}

/** The apply documents of a case's world. */
function worldOf(c: ResourceCase): unknown[] {
  const partition = new Map<string, string>([['000000000000', 'aws'], ...c.accounts.map((a) => [a.id, a.partition] as [string, string])]);
  const out: unknown[] = c.accounts.map((a) => doc('Account', a.id, undefined, { partition: a.partition }));
  const principal = (kind: 'User' | 'Role', p: CasePrincipal): void => {
    const inline = Object.fromEntries((p.policies ?? []).map((d, i) => [`p${i}`, d]));
    if (p.boundary !== undefined) out.push(doc('Policy', `${p.name}-boundary`, p.account, { document: p.boundary }));
    out.push(
      doc(kind, p.name, p.account, {
        ...(kind === 'Role' ? { trustPolicy: trustOf(partition.get(p.account) ?? 'aws') } : {}),
        ...(p.policies !== undefined ? { inlinePolicies: inline } : {}),
        ...(p.boundary !== undefined ? { permissionsBoundary: `${p.name}-boundary` } : {}),
        ...(p.tags !== undefined ? { tags: p.tags } : {}),
      }),
    );
  };
  for (const u of c.users ?? []) principal('User', u);
  for (const r of c.roles ?? []) principal('Role', r);
  // Names are one in any case in the directory (a policy naming `user/Alice` names the user `alice` finds).
  const declared = new Set([...(c.users ?? []).map((u) => `user:${u.account ?? '000000000000'}:${u.name.toLowerCase()}`), ...(c.roles ?? []).map((r) => `role:${r.account ?? '000000000000'}:${r.name.toLowerCase()}`)]);
  // The users and roles the case's resource policies name by ARN, as the doors that refuse unknown ones read them.
  for (const n of (c.resourcePolicies ?? []).flatMap((rp) => namedPrincipals(rp.document)).map((p) => ({ kind: p.type, account: p.account, name: p.name, path: /:(?:user|role)(\/(?:.*\/)?)[^/]+$/.exec(p.value)?.[1] ?? '/' }))) {
    const k = `${n.kind}:${n.account}:${n.name.toLowerCase()}`;
    if (!partition.has(n.account) || declared.has(k)) continue;
    declared.add(k);
    const account = n.account === '000000000000' ? undefined : n.account;
    out.push(doc(n.kind === 'user' ? 'User' : 'Role', n.name, account, { ...(n.kind === 'role' ? { trustPolicy: trustOf(partition.get(n.account) ?? 'aws') } : {}), ...(n.path !== '/' ? { path: n.path } : {}) }));
  }
  (c.resourcePolicies ?? []).forEach((rp, i) => out.push(doc('ResourcePolicy', `rp-${i}`, rp.account, { resource: rp.resource, document: rp.document })));
  return out;
}

const appOn = (store: SqliteStore): App =>
  createApp({
    store,
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    sealer: secretSealer(key),
    sessions: sessionCrypto,
  });

/**
 * A data dir with the store's tables made and the root admin bootstrapped, made once: each case's world starts from a
 * copy of it (its own directory and store, as before) rather than from migrations and a bootstrap of its own, which
 * were some 40% of the CPU of a case. Removed after the last case.
 */
let bootstrapped: Promise<{ readonly dir: string; readonly accessKeyId: string }> | undefined;
const template = (): Promise<{ readonly dir: string; readonly accessKeyId: string }> =>
  (bootstrapped ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-conf-resource-template-'));
    const store = await openSqliteStore({ dataDir: dir });
    try {
      const app = appOn(store);
      await app.start();
      const creds = await app.bootstrap();
      assert.ok(creds, 'bootstrap creates the root admin');
      return { dir, accessKeyId: creds.AccessKeyId };
    } finally {
      await store.close();
    }
  })());
after(async () => {
  if (bootstrapped !== undefined) await rm((await bootstrapped).dir, { recursive: true, force: true });
});

async function withWorld(c: ResourceCase, fn: (app: App, admin: Caller) => Promise<void>): Promise<void> {
  const base = await template();
  const dir = await mkdtemp(join(tmpdir(), 'gh-conf-resource-'));
  await cp(base.dir, dir, { recursive: true });
  const store = await openSqliteStore({ dataDir: dir });
  try {
    const app = appOn(store);
    await app.start();
    const who = await app.authenticate(base.accessKeyId);
    assert.ok(who.ok, 'the root admin authenticates');
    const admin = who.value.caller;
    const applied = await applyConfig(app.deps, admin, { documents: worldOf(c) });
    assert.ok(applied.ok, `the case's world does not apply:\n${applied.ok ? '' : applied.errors.map((e) => describeApplyError(e as ApplyError)).join('\n')}`);
    await app.refresh();
    await fn(app, admin);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `arn:aws:sts::A:assumed-role/R/S`, or `acs:ram::A:role/R/S` (the acs form; `assumed-role` also read): the role's ARN and the session's name. */
function sessionOf(arn: string): { roleArn: string; name: string; partition: 'aws' | 'acs' } | undefined {
  const aws = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (aws) return { roleArn: `arn:aws:iam::${aws[1]}:role/${aws[2]}`, name: aws[3] as string, partition: 'aws' };
  const acs = /^acs:ram::(\d+):(?:assumed-role|role)\/([^/]+)\/(.+)$/.exec(arn);
  if (acs) return { roleArn: `acs:ram::${acs[1]}:role/${acs[2]}`, name: acs[3] as string, partition: 'acs' };
  return undefined;
}

/**
 * Who asks. A user or a role is asked about by the root admin, as a resource server asks. A role session is asked
 * as the session itself — a real session of the role, issued to the training service its world's roles trust and
 * authenticated by its token — since the authorize API decides a session only from its own signed request (a
 * session's policies are not known from its ARN; docs/decisions.md).
 */
async function askerFor(app: App, admin: Caller, principal: string): Promise<{ caller: Caller; principal?: string }> {
  const s = sessionOf(principal);
  if (s === undefined) return { caller: admin, principal };
  const issued = await app.sts.assumeRoleAsService({ service: s.partition === 'acs' ? 'pai.aliyuncs.com' : 'training.gatehouse.dev', roleArn: s.roleArn, sessionName: s.name });
  assert.ok(issued.ok, `a session of ${s.roleArn} named ${s.name} could not be issued: ${issued.ok ? '' : issued.errors[0]?.message}`);
  const who = await app.authenticate(issued.value.credentials.accessKeyId, issued.value.credentials.sessionToken);
  assert.ok(who.ok, 'the session authenticates');
  assert.equal(who.value.caller.principal.arn, principal, 'the session is the case\'s principal');
  return { caller: who.value.caller };
}

async function run(c: ResourceCase): Promise<void> {
  await withWorld(c, async (app, admin) => {
    const r = c.request;
    const asker = await askerFor(app, admin, r.principal);
    const got = await app.authorizer.authorize(asker.caller, { ...(asker.principal !== undefined ? { principal: asker.principal } : {}), action: r.action, resource: r.resource, ...(r.context !== undefined ? { context: r.context } : {}) });
    assert.ok(got.ok, `the authorize API refused the question: ${got.ok ? '' : got.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
    // A session of another account than the resource's sees only its own account's rules (review I3): the rules
    // that decided are read as the root admin sees them, asking about the session's ARN, with the same decision.
    let a = got.value;
    if (asker.principal === undefined) {
      const full = await app.authorizer.authorize(admin, { principal: r.principal, action: r.action, resource: r.resource, ...(r.context !== undefined ? { context: r.context } : {}) });
      assert.ok(full.ok, `the authorize API refused the root admin's question: ${full.ok ? '' : full.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
      assert.equal(full.value.decision, a.decision, 'the root admin, asking about the session by its ARN, is answered as the session itself');
      a = full.value;
    }
    const why = `\n--- answer ---\n${[...a.reasons, ...a.matched.map((m) => `matched: ${m.effect} ${m.type} \`${m.policy}\` #${m.statement ?? '?'}${m.sid ? ` (${m.sid})` : ''}`), ...a.diagnostics].join('\n')}`;
    assert.equal(a.decision, c.expected.decision, `decision${why}`);
    if (c.expected.matched !== undefined) {
      const key = (m: { type: string; effect: string }): string => `${m.type}:${m.effect}`;
      assert.deepEqual(a.matched.map(key).sort(), c.expected.matched.map(key).sort(), `matched rules${why}`);
      for (const m of c.expected.matched) {
        if (m.sid !== undefined) assert.ok(a.matched.some((x) => x.sid === m.sid && x.type === m.type && x.effect === m.effect), `no matched ${m.type} ${m.effect} rule with Sid \`${m.sid}\`${why}`);
      }
    }
  });
}

const total = registerCases({ dir: here, files, validateCase, todoReason: 'the implementation disagrees with this case', run: (c) => run(c) });

test(`conformance/resource holds at least ${MIN_CASES} cases`, () => {
  assert.ok(total >= MIN_CASES, `only ${total} cases in ${files.join(', ')}`);
});
