/**
 * Nodes of a compute cluster (README "Nodes of a compute cluster", examples/config/clusters.yaml), end to end: a
 * real server (startTestServer), the example cluster applied by the real CLI (`gatehouse apply -f`), and nodes
 * started by the real CLI (`gatehouse clusters run-node --cluster gpu-a -- node examples/jobs/whoami.mjs`) as
 * users holding only their own access keys (AWS_ACCESS_KEY_ID/SECRET, GATEHOUSE_ENDPOINT). Inside the node,
 * examples/jobs/whoami.mjs asks GetCallerIdentity through the AWS SDK's default chain, which is what shows the
 * role the node runs as: the cluster's instance role, a compute config's, or a mapping rule's (group platform).
 *
 * Refusals, with the platform's messages: no `training:StartClusterNode`, no `iam:PassRole` on the node role,
 * a node role that does not trust compute.gatehouse.dev; an unknown cluster or compute config is named. Every
 * start and refusal is in the audit log (`GET /v1/audit`, as the admin): kind `job`, action
 * `training:StartClusterNode`, the cluster's ARN, Allow or Deny with the refusal's message, the node's role and
 * why it was chosen; no capability, access key secret or session token anywhere in the log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { ASSUME_FAILED, ROLE_CHECK_FAILED, SUB_USER_CHECK_FAILED } from '../src/core/jobs/jobs.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { connectionTo, gatehouseCli, keysOf, type Keys, type Run } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const CLUSTERS_YAML = fileURLToPath(new URL('../examples/config/clusters.yaml', import.meta.url));
const WHOAMI = fileURLToPath(new URL('../examples/jobs/whoami.mjs', import.meta.url));
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Rec {
  readonly seq: number;
  readonly kind: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly role?: string;
  readonly job?: string;
  readonly detail: Record<string, unknown>;
}

describe('gatehouse clusters run-node: the role a node runs as, the refusals, and their audit records', () => {
  let s: TestServer;
  let home: string;
  let acct: string;
  const users: Record<'alice' | 'pat' | 'bob' | 'carol', Keys> = {} as never;
  const secrets: string[] = [];
  const role = (name: string) => `arn:aws:iam::${acct}:role/${name}`;
  const clusterArn = (name: string) => `arn:aws:training::${acct}:cluster/${name}`;
  const user = (name: string) => `arn:aws:iam::${acct}:user/${name}`;
  const admin = (): Keys => s.admin;
  const conn = (who: Keys): Connection => connectionTo(s.url, who);
  const gh = (args: readonly string[], who: Keys): Promise<Run> => gatehouseCli(args, who, { endpoint: s.url, home });
  /** `gh` in this process (test/support/gatehouse-cli.ts), for a command that starts nothing (an apply). */
  const ghInProcess = (args: readonly string[], who: Keys): Promise<Run> => gatehouseCliInProcess(args, who, { endpoint: s.url, home });
  /** `gatehouse clusters run-node … -- node examples/jobs/whoami.mjs` as `who`. */
  const runNode = (who: Keys, cluster: string, ...extra: string[]): Promise<Run> => gh(['clusters', 'run-node', '--cluster', cluster, ...extra, '--', process.execPath, WHOAMI], who);
  const nodeIdOf = (r: Run): string => /gatehouse: node ([a-z0-9]+) of cluster /.exec(r.stderr)?.[1] ?? assert.fail(`no node id in: ${r.stderr}`);

  /** Every audit record (after the queue is written), oldest first, as the admin sees them. */
  async function records(query: Record<string, string> = {}): Promise<Rec[]> {
    await s.running.app.audit.flush();
    const out: Rec[] = [];
    for (let cursor = '0'; ; ) {
      const r = await call<{ records: Rec[]; next?: string }>(conn(admin()), 'GET', ['audit'], { query: { ...query, after: cursor, limit: '1000' } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      out.push(...r.value.records);
      if (r.value.next === undefined) return out;
      cursor = r.value.next;
    }
  }
  const nodeRecords = (): Promise<Rec[]> => records({ action: 'training:StartClusterNode' });

  before(async () => {
    s = await startTestServer();
    acct = s.adminFile.AccountId;
    home = await mkdtemp(join(tmpdir(), 'gh-nodes-'));
    // gpu-a as the README shows it, and gpu-b whose instance role trusts the training service, not the compute one.
    const extra = join(home, 'gpu-b.yaml');
    await writeFile(
      extra,
      [
        'apiVersion: gatehouse.dev/v1',
        'kind: Role',
        'metadata: {name: node-untrusted}',
        'spec:',
        '  trustPolicy:',
        '    Version: "2012-10-17"',
        '    Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: sts:AssumeRole}]',
        '---',
        'apiVersion: gatehouse.dev/v1',
        'kind: Cluster',
        'metadata: {name: gpu-b}',
        'spec: {instanceRole: node-untrusted}',
        '',
      ].join('\n'),
    );
    const applied = await ghInProcess(['apply', '-f', CLUSTERS_YAML, '-f', extra], admin());
    assert.equal(applied.code, 0, `apply: ${applied.stdout}${applied.stderr}`);

    const iam = s.iam();
    const start = { Effect: 'Allow', Action: 'training:StartClusterNode', Resource: `arn:aws:training::${acct}:cluster/*` };
    const pass = {
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: [role('cluster-node'), role('cluster-node-large'), role('node-untrusted')],
      Condition: { StringEquals: { 'iam:PassedToService': 'compute.gatehouse.dev' } },
    };
    const policies: Record<keyof typeof users, object[]> = {
      alice: [start, pass], // may start nodes of every cluster, as every node role
      pat: [start, pass], // the same, and a member of group platform (the mapping rule)
      bob: [pass], // no training:StartClusterNode
      carol: [start], // no iam:PassRole
    };
    await iam.send(new I.CreateGroupCommand({ GroupName: 'platform' }));
    for (const [name, statements] of Object.entries(policies) as [keyof typeof users, object[]][]) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'nodes', PolicyDocument: doc(...statements) }));
      users[name] = keysOf((await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey ?? {});
      secrets.push(users[name].secretAccessKey);
    }
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'platform', UserName: 'pat' }));
    secrets.push(s.admin.secretAccessKey);
  });

  after(async () => {
    await s?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('runs a node as the cluster\'s instance role, seen by GetCallerIdentity through the default chain', async () => {
    const r = await runNode(users.alice, 'gpu-a');
    assert.equal(r.code, 0, r.stderr);
    const id = nodeIdOf(r);
    assert.match(r.stderr, new RegExp(`runs as ${role('cluster-node')} \\(instance role of cluster gpu-a\\)`));
    assert.equal(r.stdout.trim(), `rank 0 of 1: arn:aws:sts::${acct}:assumed-role/cluster-node/node-${id}`);

    const [rec, ...more] = (await nodeRecords()).filter((x) => x.job === id);
    assert.ok(rec, 'the node start is in the audit log');
    assert.equal(more.length, 0, 'one record per start');
    assert.equal(rec.kind, 'job');
    assert.equal(rec.decision, 'Allow');
    assert.equal(rec.principal, user('alice'));
    assert.equal(rec.resource, clusterArn('gpu-a'));
    assert.equal(rec.role, role('cluster-node'));
    assert.deepEqual(rec.detail, { cluster: 'gpu-a', why: 'instance role of cluster gpu-a' });
  });

  it('--compute-config big-memory runs the node as the compute config\'s role', async () => {
    const r = await runNode(users.alice, 'gpu-a', '--compute-config', 'big-memory');
    assert.equal(r.code, 0, r.stderr);
    const id = nodeIdOf(r);
    assert.equal(r.stdout.trim(), `rank 0 of 1: arn:aws:sts::${acct}:assumed-role/cluster-node-large/node-${id}`);

    const rec = (await nodeRecords()).find((x) => x.job === id) ?? assert.fail('the node start is in the audit log');
    assert.equal(rec.decision, 'Allow');
    assert.equal(rec.role, role('cluster-node-large'));
    assert.deepEqual(rec.detail, { cluster: 'gpu-a', computeConfig: 'big-memory', why: 'compute config big-memory' });
  });

  it('a member of group platform gets the role of the mapping rule (alice, not a member, got the instance role above)', async () => {
    const r = await runNode(users.pat, 'gpu-a');
    assert.equal(r.code, 0, r.stderr);
    const id = nodeIdOf(r);
    assert.match(r.stderr, /\(mapping for group platform\)/);
    assert.equal(r.stdout.trim(), `rank 0 of 1: arn:aws:sts::${acct}:assumed-role/cluster-node-large/node-${id}`);

    const rec = (await nodeRecords()).find((x) => x.job === id) ?? assert.fail('the node start is in the audit log');
    assert.equal(rec.principal, user('pat'));
    assert.equal(rec.role, role('cluster-node-large'));
    assert.deepEqual(rec.detail, { cluster: 'gpu-a', why: 'mapping for group platform' });
  });

  /** The one Deny record of `who`'s refused start on `cluster`. */
  async function refusal(who: string, cluster: string): Promise<Rec> {
    const denied = (await nodeRecords()).filter((x) => x.principal === user(who) && x.resource === clusterArn(cluster) && x.decision === 'Deny');
    assert.equal(denied.length, 1, `one refusal of ${who} on ${cluster}: ${JSON.stringify(denied)}`);
    return denied[0] as Rec;
  }

  it('refuses a caller without training:StartClusterNode, and records the refusal', async () => {
    const r = await runNode(users.bob, 'gpu-a');
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '', 'the command did not run');
    const message = `${SUB_USER_CHECK_FAILED}: ${user('bob')} is not allowed to perform training:StartClusterNode on cluster gpu-a`;
    assert.ok(r.stderr.includes(message), r.stderr);

    const rec = await refusal('bob', 'gpu-a');
    assert.equal(rec.kind, 'job');
    assert.equal(rec.job, undefined, 'no node was started');
    // Decided before the cluster is read: nothing of its roles is looked at for a caller who may not start nodes.
    assert.equal(rec.role, undefined);
    assert.deepEqual(Object.keys(rec.detail).sort(), ['cluster', 'error']);
    assert.equal(rec.detail['cluster'], 'gpu-a');
    assert.ok(String(rec.detail['error']).startsWith(message), String(rec.detail['error']));
    assert.ok(!r.stderr.includes('cluster-node'), `the node role is not named to bob: ${r.stderr}`);
  });

  it('refuses a caller without iam:PassRole on the node role, with the PassRole message', async () => {
    const r = await runNode(users.carol, 'gpu-a', '--compute-config', 'big-memory');
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    const message = `${ROLE_CHECK_FAILED}: ${user('carol')} is not allowed to perform iam:PassRole on ${role('cluster-node-large')} (passed to compute.gatehouse.dev)`;
    assert.ok(r.stderr.includes(message), r.stderr);

    const rec = await refusal('carol', 'gpu-a');
    assert.equal(rec.role, role('cluster-node-large'));
    assert.deepEqual({ ...rec.detail, error: undefined }, { cluster: 'gpu-a', computeConfig: 'big-memory', why: 'compute config big-memory', error: undefined });
    assert.ok(String(rec.detail['error']).startsWith(message), String(rec.detail['error']));
  });

  it('refuses a node role that does not trust compute.gatehouse.dev, with the trust message', async () => {
    const r = await runNode(users.alice, 'gpu-b');
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    const message = `${ASSUME_FAILED}: the trust policy of role ${role('node-untrusted')} does not allow the compute service compute.gatehouse.dev to assume it; add this statement to the role's trust policy: {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"compute.gatehouse.dev"}}`;
    assert.ok(r.stderr.includes(message), r.stderr);

    const rec = await refusal('alice', 'gpu-b');
    assert.equal(rec.role, role('node-untrusted'));
    assert.equal(rec.detail['why'], 'instance role of cluster gpu-b');
    assert.equal(rec.detail['error'], message);
  });

  it('names an unknown cluster or compute config, starts nothing, and records no decision', async () => {
    const before = await nodeRecords();
    const cluster = await runNode(users.alice, 'gpu-z');
    assert.notEqual(cluster.code, 0);
    assert.equal(cluster.stdout, '');
    assert.ok(cluster.stderr.includes(`cluster gpu-z does not exist in account ${acct}`), cluster.stderr);
    const config = await runNode(users.alice, 'gpu-a', '--compute-config', 'tiny');
    assert.notEqual(config.code, 0);
    assert.equal(config.stdout, '');
    assert.ok(config.stderr.includes('cluster gpu-a has no compute config tiny'), config.stderr);
    // As for a job submission: a request naming nothing that exists is not an access decision.
    assert.deepEqual(await nodeRecords(), before);
  });

  it('keeps the capability and every secret out of the audit log', async () => {
    // Started through the route itself, which hands back the capability, then the node's credentials fetched with it.
    const started = await call<{ job: { id: string; role: { arn: string } }; capability: string; why: string; environment: Record<string, string> }>(
      conn(users.alice),
      'POST',
      ['clusters', 'gpu-a', 'nodes'],
      { body: { computeConfig: 'big-memory' } },
    );
    assert.ok(started.ok, started.ok ? '' : started.message);
    const { job, capability, environment } = started.value;
    assert.equal(job.role.arn, role('cluster-node-large'));
    const uri = environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? assert.fail('no credentials URI');
    const res = await fetch(uri, { headers: { authorization: environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
    assert.equal(res.status, 200);
    const creds = (await res.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
    assert.ok(creds.SecretAccessKey && creds.Token);
    const stopped = await call(conn(users.alice), 'POST', ['jobs', job.id, 'stop']);
    assert.ok(stopped.ok, stopped.ok ? '' : stopped.message);

    const all = await records();
    const mine = all.filter((x) => x.action === 'training:StartClusterNode' && x.job === job.id);
    assert.equal(mine.length, 1, 'the start is recorded');
    assert.ok(mine[0]?.role === role('cluster-node-large'));
    // Nodes started in this file: three by the CLI, one here; refused: three.
    const nodes = all.filter((x) => x.action === 'training:StartClusterNode');
    assert.deepEqual(nodes.map((x) => x.decision).sort(), ['Allow', 'Allow', 'Allow', 'Allow', 'Deny', 'Deny', 'Deny']);
    const text = JSON.stringify(all);
    // The capability's hash (the key the server finds the job by; no answer shows it since review pq, 3) is not there either.
    const capabilityHash = createHash('sha256').update(capability).digest('hex');
    for (const secret of [capability, capabilityHash, creds.SecretAccessKey, creds.Token, ...secrets]) {
      assert.ok(secret.length >= 16);
      assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 4)}…) is in the audit log`);
    }
  });

  it('a caller who may not start nodes gets the same refusal for a cluster that exists and one that does not, naming no role', async () => {
    // A cluster whose instance role does not exist: checked before the caller's right, its name and why reached bob.
    const hidden = join(home, 'secret-cluster.yaml');
    await writeFile(hidden, ['apiVersion: gatehouse.dev/v1', 'kind: Cluster', 'metadata: {name: secret-cluster}', 'spec: {instanceRole: hidden-ops-role}', ''].join('\n'));
    const applied = await ghInProcess(['apply', '-f', hidden], admin());
    assert.equal(applied.code, 0, `apply: ${applied.stdout}${applied.stderr}`);
    const answers: Record<string, { status: number; code: string; message: string }> = {};
    for (const cluster of ['secret-cluster', 'no-such-cluster', 'gpu-a']) {
      const r = await call(conn(users.bob), 'POST', ['clusters', cluster, 'nodes'], { body: {} });
      assert.ok(!r.ok, `bob started a node of ${cluster}`);
      answers[cluster] = { status: r.httpStatus, code: r.code, message: r.message.replaceAll(cluster, '<cluster>') };
    }
    const [secret, none, known] = [answers['secret-cluster'], answers['no-such-cluster'], answers['gpu-a']];
    assert.deepEqual(secret, none, 'an unknown cluster and an existing one are refused alike');
    assert.deepEqual(secret, known);
    assert.ok(secret?.message.includes(`${SUB_USER_CHECK_FAILED}: ${user('bob')} is not allowed to perform training:StartClusterNode on cluster <cluster>`), secret?.message);
    for (const text of ['hidden-ops-role', 'does not exist', 'instance role', 'NoSuchEntity']) assert.ok(!JSON.stringify(answers).includes(text), `${text} in ${JSON.stringify(answers)}`);
    // Each refusal is recorded, with no role.
    for (const cluster of ['secret-cluster', 'no-such-cluster']) {
      const rec = await refusal('bob', cluster);
      assert.equal(rec.role, undefined);
      assert.equal(rec.detail['why'], undefined);
    }
  });
});
