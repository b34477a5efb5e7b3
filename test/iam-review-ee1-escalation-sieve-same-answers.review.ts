/**
 * Review ee, 1: escalation-paths' search (and who-can's `through`, which reuses it) asked every principal at least one
 * question per other principal: whether it may assume each role, rewrite each role's trust policy, mint each user's
 * key. On bench/who-can.ts's medium account (302 principals) that was ~107,000 questions, 0.5–0.9 s for one who-can
 * answer, though almost no pair was anywhere near an allow. The search now skips a pair when the compiled policies
 * show that the question cannot be allowed (src/app/escalation.ts, the sieve: no trust statement that may name the
 * principal, no identity Allow statement that may match the action and the user's or role's ARN; conditions and
 * Deny statements left aside, `NotAction`/`NotResource`/`NotPrincipal`, policy variables, sessions and unique ids
 * counting as matching).
 *
 * What this proves: on an account built to reach every branch the sieve reads (trust policies naming users, roles,
 * a session, a unique id, the account root and number, everyone (under an `ArnLike` on `aws:PrincipalArn`), another account, a service; `NotAction` and
 * `NotResource` grants; a resource policy variable; conditions on the source IP, resource tags and principal tags;
 * a permissions boundary, groups, a disabled user, a user at its key quota, explicit denies;
 * `CreateAccessKey`, `UpdateAssumeRolePolicy` and `PassRole` grants), the answers with the sieve equal the answers of
 * the full search (`sift: false`, every question asked) for every principal, with and without a context, for the
 * steps alone and for the whole report, and who-can's answer equals the one built on the full search; the sieve
 * skipped questions all the while. A context authorize refuses refuses the search on the same question as before.
 * Each way of breaking the sieve that was tried made this fail: reading `NotAction` (identity or trust), `NotResource`,
 * a policy variable, the account, everyone, a unique id, a user or a role as matching nothing, or skipping questions
 * before one with the context was answered. In process, SQLite.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { applyConfig } from '../src/app/apply.ts';
import { createEscalation, type Escalation, type EscalationAnswer, type EscalationDeps, type EscalationInput } from '../src/app/escalation.ts';
import { createWhoCan } from '../src/app/who-can.ts';
import { getAccountAuthorizationDetails } from '../src/app/simulate.ts';
import { permissionForAction } from '../src/core/bindings/actions.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';

const A = '000000000000';
const V = '2012-10-17';
const arn = (kind: 'user' | 'role', name: string): string => `arn:aws:iam::${A}:${kind}/${name}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const allow = (Action: string | string[], Resource: string | string[], extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const trust = (...Statement: Record<string, unknown>[]) => policy(...Statement.map((s) => ({ Effect: 'Allow', Action: 'sts:AssumeRole', ...s })));
const IP = { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } };

/** The account (see the header); `ids` are unique ids of users, read once they exist (a trust policy may name one). */
function documents(ids: Record<string, string> = {}): unknown[] {
  return [
    doc('Policy', 'read-data', { document: policy(allow('s3:GetObject', 'arn:aws:s3:::data/*')) }),
    doc('Policy', 'minter', { document: policy(allow(['iam:CreateAccessKey', 'iam:DeleteAccessKey'], arn('user', '*'))) }),
    doc('Policy', 's3-only', { document: policy(allow('s3:*', '*')) }),
    doc('Group', 'ops', { policies: ['minter'] }),
    doc('Group', 'devs', { inlinePolicies: { assume: policy(allow('sts:AssumeRole', arn('role', 'r-*'))) } }),
    // Identity grants.
    doc('User', 'alice', { groups: ['devs'] }),
    doc('User', 'bob', {}),
    doc('User', 'carol', { inlinePolicies: { all: policy({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }) }, permissionsBoundary: 's3-only' }),
    doc('User', 'dave', { inlinePolicies: { keys: policy({ Effect: 'Allow', Action: 'iam:CreateAccessKey', NotResource: arn('user', 'alice') }) } }),
    doc('User', 'erin', { tags: { buddy: 'frank' }, inlinePolicies: { buddy: policy(allow('iam:CreateAccessKey', `arn:aws:iam::${A}:user/\${aws:PrincipalTag/buddy}`)) } }),
    doc('User', 'frank', { inlinePolicies: { rewrite: policy(allow('iam:UpdateAssumeRolePolicy', arn('role', 'r-svc')), allow('sts:AssumeRole', '*')) } }),
    doc('User', 'grace', { inlinePolicies: { blue: policy(allow('iam:CreateAccessKey', '*', { Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } }), allow('iam:UpdateUser', arn('user', 'ivan'))) } }),
    doc('User', 'heidi', { tags: { team: 'blue' } }),
    doc('User', 'ivan', { tags: { team: 'blue' } }),
    doc('User', 'judy', {}),
    doc('User', 'kim', { groups: ['ops'] }),
    doc('User', 'leo', { inlinePolicies: { most: policy(allow('iam:*', '*'), { Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' }) } }),
    doc('User', 'mallory', { inlinePolicies: { office: policy(allow(['iam:CreateAccessKey', 'sts:AssumeRole'], '*', { Condition: IP })) } }),
    doc('User', 'nina', { tags: { dept: 'eng' }, inlinePolicies: { tag: policy(allow('iam:TagUser', arn('user', 'nina')), allow('sts:AssumeRole', '*')) } }),
    doc('User', 'quinn', { inlinePolicies: { most: policy({ Effect: 'Allow', NotAction: ['s3:*', 'sts:*'], Resource: arn('user', 'bob') }) } }),
    doc('User', 'oscar', { inlinePolicies: { pass: policy(allow('training:CreateJob', '*'), allow('iam:PassRole', arn('role', 'r-train'))) } }),
    doc('User', 'peggy', { inlinePolicies: { roles: policy(allow('iam:UpdateAssumeRolePolicy', arn('role', '*'), { Condition: IP }), allow('sts:AssumeRole', '*')) } }),
    // Trust policies.
    doc('Role', 'r-named', { trustPolicy: trust({ Principal: { AWS: [arn('user', 'bob'), arn('role', 'r-hop')] } }), policies: ['read-data'] }),
    doc('Role', 'r-root', { trustPolicy: trust({ Principal: { AWS: `arn:aws:iam::${A}:root` } }), policies: ['read-data'] }),
    doc('Role', 'r-star', { trustPolicy: trust({ Principal: { AWS: '*' }, Condition: IP }) }),
    doc('Role', 'r-wild', { trustPolicy: trust({ Principal: { AWS: A } }) }),
    doc('Role', 'r-like', { trustPolicy: trust({ Principal: { AWS: '*' }, Condition: { ArnLike: { 'aws:PrincipalArn': arn('user', 'j*') } } }) }),
    // The account it trusts exists (a trust policy may name only an account that does: review ey, 1).
    { apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: '111122223333' }, spec: { partition: 'aws' } },
    doc('Role', 'r-other', { trustPolicy: trust({ Principal: { AWS: 'arn:aws:iam::111122223333:root' } }), policies: ['read-data'] }),
    doc('Role', 'r-svc', { trustPolicy: trust({ Principal: { Service: 'training.gatehouse.dev' } }), policies: ['read-data'] }),
    doc('Role', 'r-train', { trustPolicy: trust({ Principal: { Service: 'training.gatehouse.dev' } }) }),
    doc('Role', 'r-hop', { trustPolicy: trust({ Principal: { AWS: arn('user', 'alice') } }), inlinePolicies: { on: policy(allow('sts:AssumeRole', '*')) }, permissionsBoundary: 's3-only' }),
    doc('Role', 'r-chain', { trustPolicy: trust({ Principal: { AWS: arn('role', 'r-named') } }), inlinePolicies: { on: policy(allow(['sts:AssumeRole', 'iam:CreateAccessKey'], '*')) }, policies: ['read-data'] }),
    doc('Role', 'r-session', { trustPolicy: trust({ Principal: { AWS: `arn:aws:sts::${A}:assumed-role/r-chain/any` } }), policies: ['read-data'] }),
    doc('Role', 'r-not', { trustPolicy: policy({ Effect: 'Allow', Principal: { AWS: arn('user', 'judy') }, NotAction: 'sts:TagSession' }), policies: ['read-data'] }),
    doc('Role', 'r-abac', { trustPolicy: trust({ Principal: { AWS: `arn:aws:iam::${A}:root` }, Condition: { StringEquals: { 'aws:PrincipalTag/dept': 'ops' } } }), policies: ['read-data'] }),
    doc('Role', 'r-mute', { trustPolicy: trust({ Principal: { Service: 'training.gatehouse.dev' } }), inlinePolicies: { never: policy({ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }) } }),
    doc('Role', 'r-denied', { trustPolicy: policy({ Effect: 'Allow', Principal: { AWS: arn('user', 'kim') }, Action: 'sts:AssumeRole' }, { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' }) }),
    ...(ids['oscar'] !== undefined ? [doc('Role', 'r-id', { trustPolicy: trust({ Principal: { AWS: ids['oscar'] } }), policies: ['read-data'] })] : []),
    doc('Workspace', 'ws', { members: [{ user: 'oscar' }] }),
  ];
}

let dir: string;
let store: SqliteStore;
let app: App;
let admin: Caller;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-ee1-'));
  store = await openSqliteStore({ dataDir: dir });
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto }, { audit: { enabled: false } });
  await app.start();
  const creds = await app.bootstrap();
  const a = creds && (await app.authenticate(creds.AccessKeyId));
  if (!a?.ok) throw new Error('the root admin does not authenticate');
  admin = a.value.caller;
  const first = await applyConfig(app.deps, admin, { documents: documents() });
  assert.ok(first.ok, first.ok ? '' : first.errors[0]?.message);
  // A trust policy naming a user by its unique id, once the user has one.
  const oscar = await app.directory.getUser(admin, { userName: 'oscar' });
  assert.ok(oscar.ok);
  const second = await applyConfig(app.deps, admin, { documents: documents({ oscar: oscar.value.id }) });
  assert.ok(second.ok, second.ok ? '' : second.errors[0]?.message);
  // judy at her quota of two keys; ivan disabled.
  for (let i = 0; i < 2; i++) assert.ok((await app.directory.createAccessKey(admin, { userName: 'judy' })).ok);
  assert.ok((await app.directory.setUserDisabled(admin, { userName: 'ivan', disabled: true })).ok);
  await app.refresh();
});
after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The search as the app wires it (src/app/index.ts), the sieve on or off. */
function search(sift: boolean): Escalation {
  const deps: EscalationDeps = {
    details: (c) => getAccountAuthorizationDetails(app.deps, c, {}),
    simulate: app.authorizer.simulate,
    principalOf: app.authorizer.principalOf,
    assumeDecision: app.sts.assumeDecision,
    workspaces: (account) => app.jobs.listWorkspaces(account),
    clusters: (account) => app.jobs.listClusters(account),
    accessKeyCount: (account, user) => app.deps.store.read(async (tx) => (await tx.accessKeys.listForUser(account, user)).length),
    sift,
  };
  return createEscalation(deps);
}
const ok = async (p: ReturnType<Escalation>): Promise<EscalationAnswer> => {
  const r = await p;
  assert.ok(r.ok, r.ok ? '' : r.errors[0]?.message);
  return r.value;
};

const short = (a: string): string => a.slice(a.lastIndexOf(':') + 1);
/**
 * The reports are equal, each compared whole (paths, reasons, gains); a difference is told in a line (the principal
 * and what each search lists), since a structural diff of reports this size takes minutes to print.
 */
function sameReports(sifted: EscalationAnswer['reports'], full: EscalationAnswer['reports']): void {
  assert.deepEqual(sifted.map((r) => r.principal), full.map((r) => r.principal));
  for (let i = 0; i < full.length; i++) {
    const a = sifted[i];
    const b = full[i];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const what = (r: typeof a) => `becomes ${JSON.stringify(r?.canBecome.map((x) => `${short(x.principal)} (${x.path.map((p) => p.how).join(', ')})`))}, gains ${r?.canGain.length}`;
    assert.fail(`${short(b?.principal ?? '')}: with the sieve ${what(a)}; without ${what(b)}`);
  }
}

const CONTEXTS: [string, EscalationInput['context']][] = [
  ['no context', undefined],
  ['from the office', { 'aws:SourceIp': '10.1.2.3' }],
];

describe('review ee1: the sieve skips questions, never an answer', () => {
  it('no engine but IAM allows the actions the sieve reads (bindings have no permission for them)', () => {
    for (const action of ['iam:CreateAccessKey', 'iam:UpdateAssumeRolePolicy', 'ram:CreateAccessKey', 'ram:UpdateAssumeRolePolicy']) {
      assert.equal(permissionForAction(action), undefined, `${action}: a binding could grant it, and the sieve reads IAM policies alone`);
    }
  });

  it('a context authorize refuses refuses the search as before, on the same question (the sieve skips none before one is answered)', async () => {
    // r-mute may do nothing and may assume no role (an explicit deny: no tag path either), and a role asks nothing of
    // workspaces, so the sieve would skip every question of its but the first.
    for (const principal of [undefined, arn('user', 'bob'), arn('role', 'r-mute')]) {
      const input = { ...(principal !== undefined ? { principal } : {}), context: { 'aws:SourceIp': 'nowhere' }, becomeOnly: true };
      const sifted = await search(true)(admin, input);
      const full = await search(false)(admin, input);
      assert.equal(full.ok, false);
      assert.deepEqual(sifted, full);
    }
  });

  for (const [name, context] of CONTEXTS) {
    it(`every principal's steps, ${name}: the same as the full search's, fewer questions`, async () => {
      const input = { ...(context !== undefined ? { context } : {}), becomeOnly: true };
      const sifted = await ok(search(true)(admin, input));
      const full = await ok(search(false)(admin, input));
      sameReports(sifted.reports, full.reports);
      // The app's own search (the sieve on by default) answers the same.
      sameReports((await ok(app.escalation(admin, input))).reports, full.reports);
      assert.ok(sifted.questions < full.questions / 2, `${sifted.questions} questions with the sieve, ${full.questions} without`);
      // The account has the steps it was built to have, so the equality above is about something: each principal's
      // own steps (paths of one step).
      const reach = new Map(full.reports.map((r) => [short(r.principal), r.canBecome.filter((b) => b.path.length === 1).map((b) => short(b.principal))]));
      const has = (from: string, to: string) => assert.ok(reach.get(from)?.includes(to), `a step from ${from} to ${to}: ${JSON.stringify(reach.get(from))}`);
      const lacks = (from: string, to: string) => assert.ok(!reach.get(from)?.includes(to), `no step from ${from} to ${to}`);
      has('user/alice', 'role/r-root'); // the account root, and the devs group's grant
      has('user/alice', 'role/r-hop');
      has('user/bob', 'role/r-named');
      has('role/r-named', 'role/r-chain');
      has('role/r-chain', 'role/r-session'); // a session of it, whose name it chooses
      has('role/r-chain', 'user/bob'); // CreateAccessKey on *
      has('user/dave', 'user/bob'); // NotResource
      has('user/quinn', 'user/bob'); // NotAction
      lacks('user/dave', 'user/alice');
      has('user/erin', 'user/frank'); // ${aws:PrincipalTag/buddy}
      lacks('user/erin', 'user/bob');
      has('user/frank', 'role/r-svc'); // UpdateAssumeRolePolicy
      has('user/grace', 'user/heidi'); // aws:ResourceTag/team
      has('user/grace', 'user/ivan'); // disabled: with UpdateUser
      lacks('user/grace', 'user/bob');
      has('user/kim', 'user/judy'); // at her quota: with DeleteAccessKey, through the ops group
      has('user/judy', 'role/r-not'); // NotAction
      has('user/alice', 'role/r-wild'); // the account, by number
      lacks('user/judy', 'role/r-wild'); // … which her own policies do not allow
      has('user/judy', 'role/r-like'); // everyone, under a condition on the principal's ARN
      lacks('user/kim', 'role/r-like');
      lacks('user/kim', 'role/r-denied');
      lacks('user/leo', 'user/bob'); // explicit deny
      lacks('user/carol', 'user/bob'); // the boundary
      has('user/oscar', 'role/r-id'); // a unique id
      has('user/oscar', 'role/r-train'); // PassRole to a training job
      for (const from of ['user/alice', 'user/bob', 'user/judy']) lacks(from, 'role/r-other');
      if (context !== undefined) {
        has('user/mallory', 'user/bob');
        has('user/bob', 'role/r-star');
        has('user/peggy', 'role/r-svc');
      } else {
        lacks('user/mallory', 'user/bob');
        lacks('user/bob', 'role/r-star');
        lacks('user/peggy', 'role/r-svc');
      }
    });

    it(`every principal's whole report (steps, gains, new principals), ${name}: the same as the full search's`, async () => {
      const input = context !== undefined ? { context } : {};
      const sifted = await ok(search(true)(admin, input));
      const full = await ok(search(false)(admin, input));
      sameReports(sifted.reports, full.reports);
      assert.ok(sifted.questions < full.questions);
    });

    it(`who-can's through, ${name}: the same as on the full search`, async () => {
      const question = { action: 's3:GetObject', resource: 'arn:aws:s3:::data/k', ...(context !== undefined ? { context } : {}) };
      const full = createWhoCan(app.directory, app.authorizer.simulate, app.resourcePolicies, (asker, action, resource) => app.bindings.grantedBeyond(asker, action, resource, app.deps.now()), app.deps.now, search(false));
      const a = await app.whoCan(admin, question);
      const b = await full(admin, question);
      assert.ok(a.ok && b.ok);
      const through = (x: typeof a.value) => JSON.stringify(x.allowed.map((r) => [r.name, (r.through ?? []).map((t) => t.name)]));
      assert.equal(through(a.value), through(b.value));
      assert.ok(JSON.stringify(a.value) === JSON.stringify(b.value), 'the answers differ beyond the names in through');
      assert.ok(a.value.allowed.some((r) => (r.through ?? []).some((t) => t.name === 'dave')), 'dave reaches an allowed role through a user he may mint a key for');
    });
  }
});
