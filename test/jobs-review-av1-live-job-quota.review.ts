/**
 * Review av, 1: an account could keep any number of live jobs. Each one is read again by the job sweep every 5 s on
 * every instance, a member keeps as many alive as it likes through the job-status API (each job's capability), and pod
 * admission makes jobs too: 5 submissions against a server bounded to 3 were all accepted. Now an account keeps at most
 * `--max-live-jobs` live jobs (`GATEHOUSE_MAX_LIVE_JOBS`, default 1,000), counted from an index of its live jobs
 * (`jobliveacct/<account>/<id>`) in the transaction that stores the new one.
 *
 * Checked, with the quota set to 3: submissions up to it succeed, the next is refused with LimitExceeded (409) naming
 * the figure, recorded in the audit log, and `gatehouse jobs run` exits 7 (docs/errors.md); ending a job lets another
 * in; a pod over the quota is refused at admission, its job counts once the pod asks for credentials (review vw, 1),
 * and the deletion of a pod's job's pod frees its place; live jobs
 * stored before the index (an earlier version's) are counted once the sweep's full pass has indexed them, and entries of
 * jobs ended or gone are dropped. A malformed `--max-live-jobs` or `GATEHOUSE_MAX_LIVE_JOBS` is a usage error (exit 2)
 * before anything is made.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/adapters/cli/program.ts';
import { startServer, StartError } from '../src/main/server.ts';
import { reviewedAs, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, cliAgainst, startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;

let server: TestServer;
let acct = '';
let bearer = '';
/** The live jobs the tests made, oldest first. */
const live: string[] = [];

const submit = () => gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'vision', role: 'none', imds: false });
const stop = async (id: string): Promise<void> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {});
  assert.equal(r.status, 200, JSON.stringify(r.json));
  live.splice(live.indexOf(id), 1);
};
async function submitted(): Promise<string> {
  const r = await submit();
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const id = String((r.json['job'] as Json)['id']);
  live.push(id);
  return id;
}
function assertRefused(r: { status: number; json: Json }): void {
  assert.equal(r.status, 409, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /LimitExceeded/);
  assert.match(JSON.stringify(r.json), new RegExp(`account ${acct} has 3 live jobs, the most it may have`));
}

const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
/** scientist as kube-apiserver hands it to admission: the TokenReview of a token of its own (set in `before`). */
let scientist: UserInfo;
const pod = (name: string): Json => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', annotations: { 'gatehouse.dev/role': 'Trainer' } }, spec: { containers: [{ name: 'c', image: 'trainer:v1' }] } });
let uid = 0;
async function admit(operation: 'CREATE' | 'DELETE', object: Json): Promise<{ allowed: boolean; code: number | undefined; message: string; audit: Record<string, string>; env: Record<string, string> }> {
  const request = {
    uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    name: String((object['metadata'] as Json)['name']),
    namespace: 'ml',
    operation,
    userInfo: scientist,
    object: operation === 'CREATE' ? object : null,
    oldObject: operation === 'DELETE' ? object : null,
    dryRun: false,
  };
  const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
  const json = (await r.json()) as Json;
  assert.equal(r.status, 200, JSON.stringify(json));
  const response = json['response'] as Json;
  const status = response['status'] as { code?: number; message?: string } | undefined;
  // The credential environment the patch gives the pod's containers.
  const env: Record<string, string> = {};
  const patch = typeof response['patch'] === 'string' ? (JSON.parse(Buffer.from(response['patch'], 'base64').toString('utf8')) as { path: string; value: unknown }[]) : [];
  for (const op of patch) if (op.path === '/spec/containers/0/env') for (const e of op.value as { name: string; value: string }[]) env[e.name] = e.value;
  return { allowed: response['allowed'] === true, code: status?.code, message: String(status?.message ?? ''), audit: (response['auditAnnotations'] ?? {}) as Record<string, string>, env };
}

before(async () => {
  server = await startTestServer({ maxLiveJobs: 3 });
  acct = server.adminFile.AccountId;
  const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Workspace', 'vision', { members: [{ user: 'admin' }] }),
      doc('Cluster', 'k1', {}),
      doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
      doc('User', 'scientist', { inlinePolicies: { pass: passAll } }),
      doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/scientist`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
  scientist = await reviewedAs(server, 'k1', bearer, 'scientist');
});
after(() => server?.stop());

describe('review av1: an account keeps at most --max-live-jobs live jobs', () => {
  it('submissions up to the quota succeed; the next is LimitExceeded naming it, recorded, and jobs run exits 7', async () => {
    for (let i = 0; i < 3; i++) await submitted();
    const over = await submit();
    assertRefused(over);
    const records = await auditRecords(server, { action: 'training:CreateJob', decision: 'Deny' });
    assert.ok(records.some((r) => /has 3 live jobs, the most it may have/.test(JSON.stringify(r.detail))), JSON.stringify(records));
    const run = await cliAgainst(server, ['jobs', 'run', '--workspace', 'vision', '--role', 'none', '--no-imds', '--', process.execPath, '-e', 'process.exit(0)']);
    assert.equal(run.status, 7, run.err);
    assert.match(run.err, /has 3 live jobs, the most it may have/);
    // Nothing was stored for the refused ones.
    const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
    assert.deepEqual((listed.json['jobs'] as Json[]).map((j) => String(j['id'])).sort(), [...live].sort());
  });

  it('ending a job lets another in', async () => {
    await stop(live[0] as string);
    await submitted();
    assertRefused(await submit());
  });

  it('a pod over the quota is refused at admission; the deletion of a pod frees its place', async () => {
    const refused = await admit('CREATE', pod('p1'));
    assert.equal(refused.allowed, false);
    assert.equal(refused.code, 403);
    assert.match(refused.message, new RegExp(`account ${acct} has 3 live jobs, the most it may have`));
    const denied = await auditRecords(server, { action: 'training:AdmitPod', decision: 'Deny' });
    assert.ok(denied.some((r) => /has 3 live jobs/.test(JSON.stringify(r.detail))), JSON.stringify(denied));
    await stop(live[0] as string);
    const admitted = await admit('CREATE', pod('p1'));
    assert.equal(admitted.allowed, true, admitted.message);
    const podJob = admitted.audit['job'] as string;
    assert.match(podJob, /^[a-z0-9]+$/);
    // It counts once the pod asks for credentials (review vw, 1: till then kube-apiserver may still refuse the pod).
    const asked = await fetch(admitted.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: admitted.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
    assert.equal(asked.status, 200, await asked.text());
    assertRefused(await submit());
    assert.equal((await admit('CREATE', pod('p2'))).allowed, false);
    // The pod goes: its job ends, and its place is free.
    const gone = await admit('DELETE', { ...pod('p1'), metadata: { ...(pod('p1')['metadata'] as Json), annotations: { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/job': podJob } } });
    assert.equal(gone.allowed, true);
    await submitted();
  });

  it('live jobs stored before the index count once the sweep has indexed them; entries of ended or missing jobs do not', async () => {
    for (const id of [...live]) await stop(id);
    const job = (id: string, state: string) =>
      JSON.stringify({ id, account: acct, partition: 'aws', workspace: 'vision', name: `job-${id}`, submitter: { arn: `arn:aws:iam::${acct}:user/admin`, name: 'admin' }, role: { mode: 'none' }, replicas: 1, state, created: '2025-01-01T00:00:00Z', capabilityHash: id.padEnd(64, '0') });
    // As an earlier version stored them: two live jobs in the sweep's index only; and index entries left by jobs that
    // ended, or are gone, without it being told.
    await server.running.app.deps.store.write(async (tx) => {
      for (const id of ['old1', 'old2']) {
        await tx.kv.put(`job/${id}`, job(id, 'Running'));
        await tx.kv.put(`joblive/${id}`, id);
      }
      await tx.kv.put('job/old3', job('old3', 'Succeeded'));
      await tx.kv.put(`jobliveacct/${acct}/old3`, 'old3');
      await tx.kv.put(`jobliveacct/${acct}/gone4`, 'gone4');
    });
    // The sweep's first full pass of an instance (another App on the same store: its first sweep reads every job).
    const other = await server.openApp();
    await other.jobs.sweep();
    const indexed = await server.running.app.deps.store.read((tx) => tx.kv.list(`jobliveacct/${acct}/`));
    assert.deepEqual(indexed.map((e) => e.key), [`jobliveacct/${acct}/old1`, `jobliveacct/${acct}/old2`]);
    await submitted();
    assertRefused(await submit());
  });
});

describe('review av1: --max-live-jobs and GATEHOUSE_MAX_LIVE_JOBS', () => {
  it('a value that is not a whole number from 1 to 1000000 is a usage error, and nothing is made', async () => {
    const work = await mkdtemp(join(tmpdir(), 'gh-av1-settings-'));
    try {
      for (const value of ['0', 'abc', '1.5', '2000000']) {
        const dataDir = join(work, `d${value}`);
        await assert.rejects(
          startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MAX_LIVE_JOBS: value }, log: () => {} }),
          (e: unknown) => e instanceof StartError && e.failure === 'usage' && /^GATEHOUSE_MAX_LIVE_JOBS `[^`]*`: give a whole number from 1 to 1000000$/.test(e.message),
          value,
        );
        assert.equal(existsSync(dataDir), false, value);
        let err = '';
        const status = await runCli(['server', '--data-dir', dataDir, '--max-live-jobs', value], {
          out: () => {},
          err: (t) => void (err += t),
          readFile: async () => {
            throw Object.assign(new Error('no file'), { code: 'ENOENT' });
          },
          now: () => Date.now(),
          version: 'test',
          env: {},
          runServer: async () => assert.fail('the server was started'),
        });
        assert.equal(status, 2, err);
        assert.match(err, /--max-live-jobs `[^`]*`: give a whole number from 1 to 1000000/);
        assert.equal(existsSync(dataDir), false, value);
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
