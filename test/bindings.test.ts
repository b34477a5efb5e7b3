/**
 * GCP-style IAM policies in the product (issue "One authorize API"), against a real server (startServer on
 * 127.0.0.1, random ports, SQLite in a temporary directory), driven by the real CLI (`process.execPath
 * bin/gatehouse.js …`) and the admin API signed with SigV4 (service `gatehouse`, src/adapters/cli/client.ts):
 *
 * - the Pulumi example of shared/examples/gcp, as YAML in examples/gcp, applied with `gatehouse apply`
 *   (again: nothing changes), and every decision its table describes answered by `POST /v1/authorize` — asked
 *   about the service account's session by the account admin, by `gatehouse authorize`/`simulate`, and by a
 *   workload running as the service account (a job) about itself;
 * - `roles/iam.serviceAccountUser` on the service account's role ARN lets `dev` run a job as it
 *   (`gatehouse jobs run`) without iam:PassRole; `analyst` without it is refused as a missing PassRole;
 * - etags: `GET /v1/iam-policies` and `gatehouse iam-policy get --json` give the etag; a write with a stale one
 *   is refused (409 `ConcurrentModification`, CLI exit 7) and nothing is merged;
 * - an explicit IAM deny beats a binding's allow; a condition on `request.time`; the hierarchy account →
 *   workspace (its default bucket) → resource, with a group member and a custom role (`kind: IamRole`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { predefinedPermissions } from '../src/core/bindings/index.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { COMPILE_CACHE } from './support/processes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));
const EXAMPLE_DIR = fileURLToPath(new URL('../examples/gcp', import.meta.url));
const SUPPORT = new URL('./support/resource-server.ts', import.meta.url).href;
const ACCT = '123456789012';
const SA_ROLE = `arn:aws:iam::${ACCT}:role/my-service-account`;
const SA_SESSION = `arn:aws:sts::${ACCT}:assumed-role/my-service-account/workload`;
const SA_MEMBER = `serviceAccount:my-service-account@${ACCT}.iam.gatehouse.dev`;
const MODEL = `arn:aws:training::${ACCT}:model/model_name`;
const OTHER_MODEL = `arn:aws:training::${ACCT}:model/another_model`;
const CLUSTER = `arn:aws:training::${ACCT}:cluster/training-cluster`;
const ANALYST = `arn:aws:iam::${ACCT}:user/analyst`;
const REGION = 'us-east-1';
/** GCP's etag look: 8 bytes in base64. */
const ETAG_SHAPE = /^[A-Za-z0-9+/]{11}=$/;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
interface Answer {
  readonly decision: string;
  readonly reasons: readonly string[];
  readonly matched: readonly { engine: string; policy: string; type: string; statement?: number; effect: string }[];
  readonly diagnostics: readonly string[];
}
interface PolicyView {
  readonly resource: string;
  readonly account: string;
  readonly version: number;
  readonly bindings: readonly { role: string; members: string[]; condition?: { expression: string; title?: string } }[];
  readonly etag: string;
}

/** `roles/ml.developer` as the catalogue has it: the example allows what it includes. */
const mlDeveloper = predefinedPermissions('roles/ml.developer') ?? new Set<string>();
const ifDeveloper = (permission: string): string => (mlDeveloper.has(permission) ? 'Allow' : 'ImplicitDeny');

/** Every request of the example's table, by a workload running as the service account: [what, action, resource, expected]. */
const EXAMPLE: readonly (readonly [string, string, string, string])[] = [
  ['get a cluster', 'training:GetCluster', CLUSTER, 'Allow'],
  ['list clusters', 'training:ListClusters', CLUSTER, 'Allow'],
  ['describe an EKS cluster of the account', 'eks:DescribeCluster', `arn:aws:eks:${REGION}:${ACCT}:cluster/training-cluster`, 'Allow'],
  ['update a cluster', 'training:UpdateCluster', CLUSTER, 'ImplicitDeny'],
  ['delete a cluster', 'training:DeleteCluster', CLUSTER, 'ImplicitDeny'],
  ['get the model', 'training:GetModel', MODEL, ifDeveloper('ml.models.get')],
  ['predict with the model', 'training:InvokeModel', MODEL, ifDeveloper('ml.models.predict')],
  ['predict, asked as a permission', 'ml.models.predict', MODEL, ifDeveloper('ml.models.predict')],
  ['update the model', 'training:UpdateModel', MODEL, ifDeveloper('ml.models.update')],
  ['get another model', 'training:GetModel', OTHER_MODEL, 'ImplicitDeny'],
  ['predict with another model', 'training:InvokeModel', OTHER_MODEL, 'ImplicitDeny'],
  ['update another model', 'training:UpdateModel', OTHER_MODEL, 'ImplicitDeny'],
];

let server: TestServer;
let home: string;
let acctAdmin: Credentials;
const keys: Record<'dev' | 'analyst', Credentials> = {} as never;

const conn = (c: Credentials): Connection => ({ endpoint: new URL(server.url), credentials: c, region: REGION, credentialsSource: 'test' });

/** The CLI as `who` (no inherited AWS settings). */
function gh(args: readonly string[], who: Credentials): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    LANG: 'C.UTF-8',
    ...COMPILE_CACHE,
    GATEHOUSE_ENDPOINT: server.url,
    AWS_ACCESS_KEY_ID: who.accessKeyId,
    AWS_SECRET_ACCESS_KEY: who.secretAccessKey,
  };
  // `jobs run` launches ranks and handles signals: the executable. Every other command: its program in this process
  // (test/support/gatehouse-cli.ts), with the same environment, working directory and output.
  if (args[0] !== 'jobs') return gatehouseInProcess(args, env, { cwd: home });
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: home, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function authorize(who: Credentials, body: Record<string, unknown>): Promise<Answer> {
  const r = await call<Answer>(conn(who), 'POST', ['authorize'], { body });
  assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.message}`);
  return r.value;
}

async function getPolicy(resource: string, who: Credentials = acctAdmin): Promise<PolicyView> {
  const r = await call<PolicyView>(conn(who), 'GET', ['iam-policies'], { query: { resource } });
  assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.message}`);
  return r.value;
}

async function setPolicy(body: Record<string, unknown>, who: Credentials = acctAdmin): Promise<PolicyView> {
  const r = await call<PolicyView>(conn(who), 'PUT', ['iam-policies'], { body });
  assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.message}`);
  return r.value;
}

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-bindings-'));
  // The example, as the root admin: it creates account 123456789012, whose admin's key is printed once.
  const applied = await gh(['apply', '-f', EXAMPLE_DIR, '--json'], server.admin);
  assert.equal(applied.code, 0, applied.stderr + applied.stdout);
  const result = JSON.parse(applied.stdout) as { summary: Record<string, number>; credentials: { AccountId: string; AccessKeyId: string; SecretAccessKey: string }[] };
  assert.equal(result.summary['create'], 10, applied.stdout);
  const admin = result.credentials.find((c) => c.AccountId === ACCT);
  assert.ok(admin, applied.stdout);
  acctAdmin = { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey };
  for (const user of ['dev', 'analyst'] as const) {
    const k = await call<{ accessKeyId: string; secretAccessKey: string }>(conn(acctAdmin), 'POST', ['access-keys'], { body: { userName: user } });
    assert.ok(k.ok, k.ok ? '' : k.message);
    keys[user] = { accessKeyId: k.value.accessKeyId, secretAccessKey: k.value.secretAccessKey };
  }
  await server.running.app.refresh();
});

after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

test('the example applies as YAML, and applying it again changes nothing; its policies read back with their etags', async () => {
  const again = await gh(['apply', '-f', EXAMPLE_DIR, '--json'], server.admin);
  assert.equal(again.code, 0, again.stderr);
  const result = JSON.parse(again.stdout) as { summary: Record<string, number>; changes: { kind: string; action: string }[] };
  assert.deepEqual(result.summary, { create: 0, update: 0, delete: 0, unchanged: 10 }, again.stdout);
  assert.deepEqual(result.changes.filter((c) => c.kind === 'IamPolicy').map((c) => c.action), ['unchanged', 'unchanged', 'unchanged']);

  const account = await getPolicy(`account/${ACCT}`);
  assert.deepEqual(account.bindings, [{ role: 'roles/container.clusterViewer', members: [SA_MEMBER] }]);
  const model = await getPolicy(MODEL);
  assert.deepEqual(model.bindings, [{ role: 'roles/ml.developer', members: [SA_MEMBER] }]);
  assert.match(model.etag, ETAG_SHAPE);
  assert.equal((await getPolicy(MODEL)).etag, model.etag, 'read again, unchanged: the same etag');
  assert.equal(model.account, ACCT);
  const none = await getPolicy(OTHER_MODEL);
  assert.deepEqual(none.bindings, []);
  assert.match(none.etag, ETAG_SHAPE);
  assert.notEqual(none.etag, model.etag);
});

test('every decision of the example, through POST /v1/authorize and its batch form, each allow explained by its binding', async () => {
  for (const [what, action, resource, expected] of EXAMPLE) {
    const a = await authorize(acctAdmin, { principal: SA_SESSION, action, resource });
    assert.equal(a.decision, expected, `${what}: ${JSON.stringify(a)}`);
    if (expected === 'Allow') {
      const binding = resource === MODEL ? `roles/ml.developer to ${SA_MEMBER} on ${MODEL}` : `roles/container.clusterViewer to ${SA_MEMBER} on account/${ACCT}`;
      assert.ok(a.reasons.some((r) => r.startsWith(`bindings: allowed by binding of ${binding}`)), `${what}: ${JSON.stringify(a.reasons)}`);
      assert.deepEqual(a.matched.map((m) => `${m.engine}:${m.type}:${m.policy}:${m.statement}`), [`bindings:binding:${resource === MODEL ? MODEL : `account/${ACCT}`}:0`]);
    } else {
      assert.deepEqual(a.matched, [], what);
    }
  }
  const batch = await call<{ results: Answer[] }>(conn(acctAdmin), 'POST', ['authorize:batch'], { body: { requests: EXAMPLE.map(([, action, resource]) => ({ principal: SA_SESSION, action, resource })) } });
  assert.ok(batch.ok, batch.ok ? '' : batch.message);
  assert.deepEqual(batch.value.results.map((r) => r.decision), EXAMPLE.map((e) => e[3]));
  // The service account's rights are its bindings: the role itself has no IAM policy.
  const users = await authorize(acctAdmin, { principal: ANALYST, action: 'training:GetCluster', resource: CLUSTER });
  assert.equal(users.decision, 'ImplicitDeny', 'a user is not the service account');
});

test('the CLI: `gatehouse authorize` and `gatehouse simulate` answer from the bindings too; `iam-policy get` shows the etag', async () => {
  const [allowed, denied, shown] = await Promise.all([
    gh(['authorize', '--principal', SA_SESSION, '--action', 'training:InvokeModel', '--resource', MODEL], acctAdmin),
    gh(['simulate', '--as', SA_SESSION, '--action', 'training:DeleteCluster', '--resource', CLUSTER], acctAdmin),
    gh(['iam-policy', 'get', MODEL, '--json'], acctAdmin),
  ]);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, /^Allow\n/);
  assert.match(allowed.stdout, new RegExp(`bindings: allowed by binding of roles/ml\\.developer to ${SA_MEMBER.replace(/\./g, '\\.')} on ${MODEL}`));
  // A binding is named as one, not as a statement of a document (stop 29; was `bindings binding `arn…` statement 0`).
  assert.match(allowed.stdout, /Allow +bindings: binding 0 of the IAM policy on `arn:aws:training::123456789012:model\/model_name`\n/);
  assert.equal(denied.code, 1, denied.stderr);
  assert.match(denied.stdout, /^ImplicitDeny\n/);
  assert.equal(shown.code, 0, shown.stderr);
  const p = JSON.parse(shown.stdout) as PolicyView;
  assert.equal(p.resource, MODEL);
  assert.equal(p.etag, (await getPolicy(MODEL)).etag);
});

test('roles/iam.serviceAccountUser on the role ARN lets dev run a job as the service account without iam:PassRole; analyst is refused as a missing PassRole', async () => {
  // Inside the job: the workload asks Gatehouse about itself (no `principal`), with its own credentials.
  const out = join(home, 'workload.json');
  const script = join(home, 'workload.ts');
  await writeFile(
    script,
    `import { writeFileSync } from 'node:fs';
import { gatehouseJson } from ${JSON.stringify(SUPPORT)};
const r = await fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, { headers: { authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } });
const c = await r.json();
const creds = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token };
const endpoint = process.env.AWS_ENDPOINT_URL;
const whoami = await gatehouseJson(endpoint, creds, 'GET', '/v1/whoami');
const questions = JSON.parse(process.argv[3]);
const answers = await gatehouseJson(endpoint, creds, 'POST', '/v1/authorize:batch', { requests: questions });
writeFileSync(process.argv[2], JSON.stringify({ whoami: whoami.json, answers: answers.json }));
`,
  );
  const questions = JSON.stringify(EXAMPLE.map(([, action, resource]) => ({ action, resource })));
  const [devRun, analystRun] = await Promise.all([
    gh(['jobs', 'run', '--workspace', 'ml', '--role', SA_ROLE, '--', process.execPath, script, out, questions], keys.dev),
    gh(['jobs', 'run', '--workspace', 'ml', '--role', SA_ROLE, '--', process.execPath, '-e', 'process.exit(0)'], keys.analyst),
  ]);
  assert.notEqual(analystRun.code, 0, analystRun.stderr);
  assert.match(analystRun.stderr, /check permission for ram role failed/);
  assert.match(analystRun.stderr, /iam:PassRole/);
  assert.equal(devRun.code, 0, devRun.stderr);
  const seen = JSON.parse(await readFile(out, 'utf8')) as { whoami: { arn: string }; answers: { results: Answer[] } };
  assert.match(seen.whoami.arn, new RegExp(`^arn:aws:sts::${ACCT}:assumed-role/my-service-account/`));
  assert.deepEqual(seen.answers.results.map((r) => r.decision), EXAMPLE.map((e) => e[3]), JSON.stringify(seen.answers));

  // Taking the binding away takes the right away (and an explicit deny of PassRole would win over it).
  const users = await getPolicy(SA_ROLE);
  assert.deepEqual(users.bindings, [{ role: 'roles/iam.serviceAccountUser', members: ['user:dev'] }]);
  await setPolicy({ resource: SA_ROLE, bindings: [], etag: users.etag });
  const refused = await call(conn(keys.dev), 'POST', ['jobs'], { body: { workspace: 'ml', role: SA_ROLE } });
  assert.ok(!refused.ok);
  assert.match(refused.message, /check permission for ram role failed/);
  await setPolicy({ resource: SA_ROLE, bindings: users.bindings });
});

test('a write with a stale etag is refused (409 ConcurrentModification, CLI exit 7) and nothing is merged', async () => {
  const read = await getPolicy(MODEL);
  const viewer = { role: 'roles/ml.viewer', members: ['user:analyst'] };
  const first = await setPolicy({ resource: MODEL, bindings: [...read.bindings, viewer], etag: read.etag });
  assert.notEqual(first.etag, read.etag);
  // A second writer that read the policy before the first wrote it.
  const stale = await call(conn(acctAdmin), 'PUT', ['iam-policies'], { body: { resource: MODEL, bindings: [...read.bindings, { role: 'roles/ml.admin', members: ['user:dev'] }], etag: read.etag } });
  assert.ok(!stale.ok);
  assert.equal(stale.httpStatus, 409);
  assert.equal(stale.code, 'ConcurrentModification');
  assert.match(stale.message, /stale/);
  const now = await getPolicy(MODEL);
  assert.equal(now.etag, first.etag);
  assert.deepEqual(now.bindings, [...read.bindings, viewer]);

  // The same through the CLI: `get --json`, edit, `set --file`; a file read before the change is refused.
  const staleFile = join(home, 'stale.json');
  const freshFile = join(home, 'fresh.yaml');
  await writeFile(staleFile, JSON.stringify({ ...read, bindings: [...read.bindings, { role: 'roles/ml.admin', members: ['user:dev'] }] }));
  await writeFile(freshFile, `# as get printed it, edited\nbindings:\n  - role: roles/ml.developer\n    members: ["${SA_MEMBER}"]\netag: "${now.etag}"\n`);
  const refused = await gh(['iam-policy', 'set', MODEL, '--file', staleFile], acctAdmin);
  const accepted = await gh(['iam-policy', 'set', MODEL, '--file', freshFile], acctAdmin);
  assert.equal(refused.code, 7, refused.stderr);
  assert.match(refused.stderr, /ConcurrentModification/);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.match(accepted.stdout, /IAM policy of arn:aws:training::123456789012:model\/model_name set \(1 binding\(s\), etag /);
  const back = await getPolicy(MODEL);
  assert.deepEqual(back.bindings, read.bindings);
  // A → B → A: the policy says again what it said when `read` was taken, but every write gives a new etag, so the
  // stale file is still refused (it would otherwise silently undo nothing it knew about, and drop what came after).
  assert.notEqual(back.etag, read.etag, 'A, then B, then A: a new etag');
  const again = await gh(['iam-policy', 'set', MODEL, '--file', staleFile], acctAdmin);
  assert.equal(again.code, 7, again.stderr);
  assert.match(again.stderr, new RegExp(`its etag is now \`${back.etag.replace(/[+/=]/g, '\\$&')}\``));
  assert.deepEqual((await getPolicy(MODEL)).bindings, read.bindings);
});

test('`gatehouse apply` of an IamPolicy with an etag: a stale one is refused naming file, line and the current etag, and nothing changes; a fresh one applies', async () => {
  const ETAGGED = `arn:aws:training::${ACCT}:model/etagged`;
  const SIBLING = `arn:aws:training::${ACCT}:model/etagged-sibling`;
  const read = await setPolicy({ resource: ETAGGED, bindings: [{ role: 'roles/ml.viewer', members: ['user:analyst'] }] });
  // Someone else writes after `read` was taken.
  const theirs = await setPolicy({ resource: ETAGGED, bindings: [{ role: 'roles/ml.viewer', members: ['user:analyst', 'user:dev'] }], etag: read.etag });
  const file = join(home, 'etagged.yaml');
  const yaml = (etag: string | undefined, role = 'roles/ml.developer'): string =>
    [
      'apiVersion: gatehouse.dev/v1',
      'kind: IamPolicy',
      'metadata:',
      '  name: etagged',
      'spec:',
      `  resource: ${ETAGGED}`,
      '  bindings:',
      `    - role: ${role}`,
      '      members: ["user:analyst"]',
      ...(etag !== undefined ? [`  etag: "${etag}"`] : []),
      '---',
      'apiVersion: gatehouse.dev/v1',
      'kind: IamPolicy',
      'metadata:',
      '  name: etagged-sibling',
      'spec:',
      `  resource: ${SIBLING}`,
      '  bindings:',
      '    - role: roles/ml.viewer',
      '      members: ["user:analyst"]',
      '',
    ].join('\n');
  await writeFile(file, yaml(read.etag));
  const escaped = (x: string): string => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const [planned, applied] = [await gh(['plan', '-f', file], acctAdmin), await gh(['apply', '-f', file], acctAdmin)];
  for (const r of [planned, applied]) {
    assert.equal(r.code, 7, r.stderr + r.stdout);
    // `spec.etag` is on line 10 of the file, column 3.
    assert.match(r.stderr, new RegExp(`^${escaped(file)}:10:3: document 1 \\(IamPolicy etagged\\): spec\\.etag: etag \`${escaped(read.etag)}\` is stale: .*\\(its etag is now \`${escaped(theirs.etag)}\`.* \\[ETAG_MISMATCH\\]$`, 'm'));
    assert.match(r.stderr, /1 error; nothing was changed/);
  }
  assert.deepEqual(await getPolicy(ETAGGED), theirs, 'the refused apply changed nothing');
  assert.deepEqual((await getPolicy(SIBLING)).bindings, [], 'all or nothing: the other document was not applied either');

  // With the etag read now, it applies; the same file again is then stale (its write gave a new etag).
  await writeFile(file, yaml(theirs.etag));
  const fresh = await gh(['apply', '-f', file], acctAdmin);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.match(fresh.stdout, /~ update IamPolicy\/etagged \(bindings\)/);
  const now = await getPolicy(ETAGGED);
  assert.deepEqual(now.bindings, [{ role: 'roles/ml.developer', members: ['user:analyst'] }]);
  assert.notEqual(now.etag, theirs.etag);
  assert.deepEqual((await getPolicy(SIBLING)).bindings, [{ role: 'roles/ml.viewer', members: ['user:analyst'] }]);
  const twice = await gh(['apply', '-f', file, '--json'], acctAdmin);
  assert.equal(twice.code, 7, twice.stderr);
  assert.equal((JSON.parse(twice.stderr) as { error: { code: string } }).error.code, 'ConcurrentModification');

  // Without an etag the document is the truth (as kubectl apply): it overwrites, and applied again is unchanged.
  await writeFile(file, yaml(undefined, 'roles/ml.viewer'));
  const overwrite = await gh(['apply', '-f', file], acctAdmin);
  assert.equal(overwrite.code, 0, overwrite.stderr);
  assert.deepEqual((await getPolicy(ETAGGED)).bindings, [{ role: 'roles/ml.viewer', members: ['user:analyst'] }]);
  const settled = (await getPolicy(ETAGGED)).etag;
  const idle = await gh(['apply', '-f', file], acctAdmin);
  assert.equal(idle.code, 0, idle.stderr);
  assert.match(idle.stdout, /= unchanged IamPolicy\/etagged\n/);
  assert.equal((await getPolicy(ETAGGED)).etag, settled, 'nothing written, the same etag');
});

test('writes are checked: roles exist, members are well formed, and only someone allowed SetIamPolicy writes', async () => {
  const missing = await call(conn(acctAdmin), 'PUT', ['iam-policies'], { body: { resource: OTHER_MODEL, bindings: [{ role: `accounts/${ACCT}/roles/noSuchRole`, members: ['user:dev'] }] } });
  assert.ok(!missing.ok);
  assert.equal(missing.httpStatus, 400);
  assert.match(missing.message, /does not exist/);
  const member = await call(conn(acctAdmin), 'PUT', ['iam-policies'], { body: { resource: OTHER_MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['domain:example.com'] }] } });
  assert.ok(!member.ok);
  assert.equal(member.httpStatus, 400);
  const notAllowed = await call(conn(keys.analyst), 'PUT', ['iam-policies'], { body: { resource: OTHER_MODEL, bindings: [{ role: 'roles/ml.admin', members: ['user:analyst'] }] } });
  assert.ok(!notAllowed.ok);
  assert.equal(notAllowed.httpStatus, 403);
  assert.match(notAllowed.message, /gatehouse:SetIamPolicy/);
  assert.deepEqual((await getPolicy(OTHER_MODEL)).bindings, []);
});

test('an explicit deny of an IAM policy beats the allow of a binding', async () => {
  const GUARDED = `arn:aws:training::${ACCT}:model/guarded`;
  await setPolicy({ resource: GUARDED, bindings: [{ role: 'roles/ml.developer', members: ['user:analyst'] }] });
  const before = await authorize(acctAdmin, { principal: ANALYST, action: 'training:GetModel', resource: GUARDED });
  assert.equal(before.decision, 'Allow', JSON.stringify(before));
  const iam = server.iam(acctAdmin);
  await iam.send(new PutUserPolicyCommand({ UserName: 'analyst', PolicyName: 'no-guarded-get', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'training:GetModel', Resource: GUARDED }] }) }));
  const denied = await authorize(acctAdmin, { principal: ANALYST, action: 'training:GetModel', resource: GUARDED });
  assert.equal(denied.decision, 'ExplicitDeny', JSON.stringify(denied));
  assert.ok(denied.reasons.some((r) => r.startsWith('iam: ExplicitDeny')), JSON.stringify(denied.reasons));
  // The binding's allow lost: a diagnostic says so, not a reason of the Deny (review sj, 1).
  assert.ok(!denied.reasons.some((r) => r.startsWith('bindings: ')), JSON.stringify(denied.reasons));
  assert.ok(denied.diagnostics.some((r) => r.startsWith('bindings: overridden by the explicit deny: allowed by binding of roles/ml.developer to user:analyst')), 'the binding still says it allows');
  const other = await authorize(acctAdmin, { principal: ANALYST, action: 'training:InvokeModel', resource: GUARDED });
  assert.equal(other.decision, 'Allow', 'the deny names one action only');
});

test('a condition on request.time: a binding applies only while its condition holds', async () => {
  const TIMED = `arn:aws:training::${ACCT}:model/timed`;
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const p = await setPolicy({
    resource: TIMED,
    bindings: [
      { role: 'roles/ml.viewer', members: ['user:analyst'], condition: { title: 'for the next hour', expression: `request.time < timestamp("${inAnHour}")` } },
      { role: 'roles/ml.developer', members: ['user:analyst'], condition: { title: 'from the next hour on', expression: `request.time >= timestamp("${inAnHour}")` } },
      { role: 'roles/ml.admin', members: ['user:analyst'], condition: { title: 'expired', expression: 'request.time < timestamp("2020-01-01T00:00:00Z")' } },
    ],
  });
  assert.equal(p.version, 3, 'a policy with conditions is version 3');
  const get = await authorize(acctAdmin, { principal: ANALYST, action: 'training:GetModel', resource: TIMED });
  assert.equal(get.decision, 'Allow', JSON.stringify(get));
  assert.ok(get.reasons.some((r) => r.includes('roles/ml.viewer') && r.includes('(condition "for the next hour" holds)')), JSON.stringify(get.reasons));
  for (const action of ['training:InvokeModel', 'training:UpdateModel', 'training:DeleteModel']) {
    const a = await authorize(acctAdmin, { principal: ANALYST, action, resource: TIMED });
    assert.equal(a.decision, 'ImplicitDeny', `${action}: ${JSON.stringify(a)}`);
  }
});

test('the hierarchy: a binding on the workspace (to a group, of a custom role) reaches its default bucket, nothing else', async () => {
  const applied = await call<{ summary: Record<string, number> }>(conn(acctAdmin), 'POST', ['apply'], {
    body: {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'objectReader' }, spec: { title: 'Object reader', permissions: ['storage.objects.get', 'storage.objects.list'] } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'ml-workspace' }, spec: { resource: 'workspace/ml', bindings: [{ role: `accounts/${ACCT}/roles/objectReader`, members: ['group:ml-engineers'] }] } },
      ],
    },
  });
  assert.ok(applied.ok, applied.ok ? '' : `${applied.message} ${JSON.stringify(applied.errors)}`);
  assert.equal(applied.value.summary['create'], 2);
  // Other instances (and this one, a moment after the write) reload on the change log; don't race it here.
  await server.running.app.refresh();
  const ask = (action: string, resource: string) => authorize(acctAdmin, { principal: ANALYST, action, resource });
  const read = await ask('s3:GetObject', 'arn:aws:s3:::ml-data/train/part-0.csv');
  assert.equal(read.decision, 'Allow', JSON.stringify(read));
  assert.ok(read.reasons.some((r) => r.startsWith(`bindings: allowed by binding of accounts/${ACCT}/roles/objectReader to group:ml-engineers on workspace/ml`)), JSON.stringify(read.reasons));
  assert.equal((await ask('s3:ListBucket', 'arn:aws:s3:::ml-data')).decision, 'Allow');
  assert.equal((await ask('s3:PutObject', 'arn:aws:s3:::ml-data/train/part-0.csv')).decision, 'ImplicitDeny', 'the custom role grants reads only');
  assert.equal((await ask('s3:GetObject', 'arn:aws:s3:::other-data/x.csv')).decision, 'ImplicitDeny', 'another bucket is not under the workspace');
  assert.equal((await ask('training:GetModel', MODEL)).decision, 'ImplicitDeny', 'a model is not under the workspace');
  // The service account is no member of the group.
  assert.equal((await authorize(acctAdmin, { principal: SA_SESSION, action: 's3:GetObject', resource: 'arn:aws:s3:::ml-data/x' })).decision, 'ImplicitDeny');
});

test('members: user: and group: name users of the policy\'s own account; allAuthenticatedUsers and allUsers', async () => {
  const OPEN = `arn:aws:training::${ACCT}:model/open`;
  const PUBLIC = `arn:aws:training::${ACCT}:model/public`;
  const made = await call(conn(server.admin), 'POST', ['users'], { body: { name: 'analyst' } });
  assert.ok(made.ok, made.ok ? '' : made.message);
  const outsider = 'arn:aws:iam::000000000000:user/analyst';
  await setPolicy({ resource: OPEN, bindings: [{ role: 'roles/ml.viewer', members: ['allAuthenticatedUsers'] }, { role: 'roles/ml.developer', members: ['user:analyst'] }] });
  await setPolicy({ resource: PUBLIC, bindings: [{ role: 'roles/ml.viewer', members: ['allUsers'] }] });
  const ask = (who: Credentials, principal: string, action: string, resource: string) => authorize(who, { principal, action, resource }).then((a) => a.decision);
  assert.equal(await ask(acctAdmin, ANALYST, 'training:InvokeModel', OPEN), 'Allow');
  assert.equal(await ask(server.admin, outsider, 'training:InvokeModel', OPEN), 'ImplicitDeny', 'user:analyst is the analyst of the policy\'s account');
  assert.equal(await ask(server.admin, outsider, 'training:GetModel', OPEN), 'Allow', 'but every authenticated caller is one of allAuthenticatedUsers');
  assert.equal(await ask(acctAdmin, 'anonymous', 'training:GetModel', OPEN), 'ImplicitDeny');
  assert.equal(await ask(acctAdmin, 'anonymous', 'training:GetModel', PUBLIC), 'Allow');
  assert.equal(await ask(acctAdmin, SA_SESSION, 'training:GetModel', PUBLIC), 'Allow');
});
