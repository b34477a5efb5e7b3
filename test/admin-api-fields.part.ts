/**
 * The admin REST API refuses a body field it does not know, or one of the wrong type, with 400 VALIDATION_ERROR
 * naming the field (its JSON path), instead of dropping it (review-g C1): `"dryrun": true` or `"dryRun": "true"` on
 * `POST /v1/apply` applied for real, `permissionBoundary` on `POST /v1/users` created an unbounded user. Through
 * signed requests (the CLI's `call`) to a real server; nothing is created by a refused request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, type ClientResult } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const group = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Group', metadata: { name }, spec: {} });
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const BOUNDARY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

function refused(r: ClientResult<unknown>, path: string, message: RegExp): void {
  assert.equal(r.ok, false, `expected a refusal naming \`${path}\`, got ${JSON.stringify(r)}`);
  if (r.ok) return;
  assert.equal(r.httpStatus, 400, r.message);
  assert.equal(r.code, 'ValidationError', r.message);
  assert.equal(r.errors[0]?.code, 'VALIDATION_ERROR');
  assert.equal(r.errors[0]?.path, path);
  assert.match(r.message, message);
}

describe('admin API: unknown and mistyped body fields are refused, naming the field', () => {
  let server: TestServer;
  const req = <T = Record<string, unknown>>(method: string, path: string[], body?: unknown) => call<T>(connectionTo(server.url, server.admin), method, path, body === undefined ? {} : { body });

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('POST /v1/apply: a misspelt or string dryRun, a string prune, an unknown field: 400, nothing applied', async () => {
    refused(await req('POST', ['apply'], { documents: [group('dry-typo')], dryrun: true }), 'dryrun', /unknown field `dryrun` \(allowed: documents, sources, prune, dryRun, cluster, namespace\)/);
    refused(await req('POST', ['apply'], { documents: [group('dry-string')], dryRun: 'true' }), 'dryRun', /`dryRun` must be true or false, got "true"/);
    refused(await req('POST', ['apply'], { documents: [group('prune-string')], prune: 'true' }), 'prune', /`prune` must be true or false/);
    refused(await req('POST', ['apply'], { documents: [group('cluster-num')], cluster: 5 }), 'cluster', /`cluster` must be a string/);
    refused(await req('POST', ['apply'], { documents: [group('namespace-num')], namespace: 5 }), 'namespace', /`namespace` must be a string/);
    refused(await req('POST', ['apply'], { documents: group('not-a-list') }), 'documents', /`documents` must be a list/);
    for (const name of ['dry-typo', 'dry-string', 'prune-string', 'cluster-num', 'not-a-list']) {
      const g = await req('GET', ['groups', name]);
      assert.equal(g.ok ? 'exists' : g.code, 'NoSuchEntity', name);
    }
    // The well-formed requests still work: a dry run changes nothing, a real one applies.
    const dry = await req<{ dryRun: boolean; applied: boolean }>('POST', ['apply'], { documents: [group('dry-ok')], dryRun: true, prune: false });
    assert.deepEqual(dry.ok && [dry.value.dryRun, dry.value.applied], [true, false]);
    assert.equal((await req('GET', ['groups', 'dry-ok'])).ok, false);
    const real = await req<{ applied: boolean }>('POST', ['apply'], { documents: [group('real')] });
    assert.equal(real.ok && real.value.applied, true);
    assert.equal((await req('GET', ['groups', 'real'])).ok, true);
  });

  it('POST /v1/users and /v1/roles: a misspelt permissionsBoundary (or path, tags) is refused; the right one is set', async () => {
    refused(await req('POST', ['users'], { name: 'u-extra2', permissionBoundary: BOUNDARY }), 'permissionBoundary', /unknown field `permissionBoundary` \(allowed: name, path, tags, permissionsBoundary\)/);
    refused(await req('POST', ['users'], { name: 'u-extra', pth: '/x/', tgs: [1] }), 'pth', /unknown field `pth`/);
    refused(await req('POST', ['roles'], { name: 'r-extra', trustPolicy: TRUST, permisionsBoundary: BOUNDARY }), 'permisionsBoundary', /unknown field `permisionsBoundary`/);
    refused(await req('POST', ['roles'], { name: 'r-extra', trustPolicy: TRUST, maxSessionDuration: '7200' }), 'maxSessionDuration', /must be a number/);
    for (const [kind, name] of [['users', 'u-extra2'], ['users', 'u-extra'], ['roles', 'r-extra']] as const) {
      const r = await req('GET', [kind, name]);
      assert.equal(r.ok ? 'exists' : r.code, 'NoSuchEntity', `${kind}/${name}`);
    }
    const u = await req<{ permissionsBoundary: string | null }>('POST', ['users'], { name: 'u-bounded', permissionsBoundary: BOUNDARY });
    assert.equal(u.ok && u.value.permissionsBoundary, BOUNDARY);
    const r = await req<{ permissionsBoundary: string | null }>('POST', ['roles'], { name: 'r-bounded', trustPolicy: TRUST, permissionsBoundary: BOUNDARY, maxSessionDuration: 7200 });
    assert.equal(r.ok && r.value.permissionsBoundary, BOUNDARY);
  });

  it('every other POST/PUT body of the admin and jobs API refuses an unknown field', async () => {
    await req('POST', ['groups'], { name: 'g1' });
    const cases: [string, string[], Record<string, unknown>][] = [
      ['POST', ['accounts'], { id: '123456789012', partition: 'aws', nmae: 'x' }],
      ['POST', ['groups'], { name: 'g2', pth: '/x/' }],
      ['PUT', ['groups', 'g1', 'users', 'u-bounded'], { extra: 1 }],
      ['POST', ['policies'], { name: 'p1', document: { Version: '2012-10-17', Statement: [] }, descripton: 'x' }],
      ['POST', ['users', 'u-bounded', 'policies'], { policy: BOUNDARY, polcy: 'x' }],
      ['PUT', ['users', 'u-bounded', 'inline-policies', 'p'], { document: { Version: '2012-10-17', Statement: [] }, extra: true }],
      ['POST', ['access-keys'], { user: 'u-bounded' }],
      ['POST', ['credential-report'], { format: 'csv' }],
      ['POST', ['jobs'], { workspace: 'w', replica: 8 }],
      ['POST', ['jobs', 'nosuchjob', 'stop'], { force: true }],
      ['POST', ['clusters', 'c', 'nodes'], { computeConfig: 'a', imd: true }],
    ];
    for (const [method, path, body] of cases) {
      const field = Object.keys(body).at(-1) ?? '';
      refused(await req(method, path, body), field, new RegExp(`unknown field \`${field}\``));
    }
    // Nothing happened: no account, group, membership, policy, attachment, inline policy or key.
    assert.equal((await req('GET', ['groups', 'g2'])).ok, false);
    const members = await req<{ users: string[] }>('GET', ['groups', 'g1']);
    assert.deepEqual(members.ok && members.value.users, []);
    assert.equal((await req('GET', ['policies', 'p1'])).ok, false);
    const attached = await req<{ attached: unknown[]; inline: unknown[] }>('GET', ['users', 'u-bounded', 'policies']);
    assert.deepEqual(attached.ok && [attached.value.attached, attached.value.inline], [[], []]);
    const keys = await req<{ accessKeys: unknown[] }>('GET', ['access-keys'], undefined);
    assert.equal(keys.ok && keys.value.accessKeys.length, 1, 'only the admin\'s own key');
    const accounts = await req<{ accounts: { id: string }[] }>('GET', ['accounts']);
    assert.ok(accounts.ok && !accounts.value.accounts.some((a) => a.id === '123456789012'));
  });

  it('POST /v1/jobs: a mistyped replicas or name is refused, not dropped', async () => {
    refused(await req('POST', ['jobs'], { workspace: 'w', replicas: '8' }), 'replicas', /`replicas` must be an integer from 1 to 1024, got "8"/);
    refused(await req('POST', ['jobs'], { workspace: 'w', name: 7 }), 'name', /`name` must be a string/);
    refused(await req('POST', ['jobs'], { workspace: 'w', imds: 'true' }), 'imds', /`imds` must be true or false/);
  });
});
