/**
 * Review ho, 7. `PUT /v1/workspaces/{name}` and `PUT /v1/clusters/{name}` take the fields at the top of the body
 * (`{members, defaultBucket}`, `{instanceRole, computeConfigs, mappings}`), but their refusals named paths of an apply
 * document the client never sent: `spec.members[0]`, `spec.defaultBucket`, `spec.computeConfigs.a.instanceRole`, a bad
 * name `metadata.name` (the name is in the URL), while the same route named a member that does not exist
 * `members[0].user` and a list too long `members`. A client placing errors by `details[].path` found nothing there.
 *
 * Now every refusal of these routes names the path in the body sent (the name, in the URL, has path ''); apply's
 * documents keep `spec.…`. Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

const paths = async (method: string, path: string, body: unknown): Promise<{ status: number; paths: (string | undefined)[] }> => {
  const r = await gatehouseJson(s.url, s.admin, method, path, body);
  const e = r.json['error'] as { details?: { path?: string }[] } | undefined;
  return { status: r.status, paths: (e?.details ?? []).map((d) => d.path) };
};

test('a workspace\'s and a cluster\'s refusals name the paths of the body sent', async () => {
  const cases: [string, unknown, (string | undefined)[]][] = [
    ['/v1/workspaces/ho7', { members: [{ usr: 'u' }], defaultBucket: 'arn:aws:s3:::b/*' }, ['members[0]', 'defaultBucket']],
    ['/v1/workspaces/ho7', { members: 'alice' }, ['members']],
    ['/v1/workspaces/ho7', { members: [], defaultTableProject: 'a b', owner: 'x' }, ['owner', 'defaultTableProject']],
    ['/v1/workspaces/ho7', { members: [{ user: 'nobody' }] }, ['members[0].user']],
    ['/v1/workspaces/bad%20name', { members: [] }, ['']],
    ['/v1/clusters/ho7', { instanceRole: 'bad role!', computeConfigs: { a: { instanceRole: 'also bad!' } }, mappings: [{ user: 'u' }] }, ['instanceRole', 'computeConfigs.a.instanceRole', 'mappings[0]']],
  ];
  for (const [path, body, want] of cases) {
    const r = await paths('PUT', path, body);
    assert.ok(r.status === 400 || r.status === 404, `${path} ${JSON.stringify(body)}: ${r.status}`);
    assert.deepEqual(r.paths, want, `${path} ${JSON.stringify(body)}`);
    for (const p of r.paths) assert.doesNotMatch(p ?? '', /^(spec|metadata)\b/);
  }
  assert.equal((await gatehouseJson(s.url, s.admin, 'GET', '/v1/workspaces/ho7')).status, 404);
  assert.equal((await gatehouseJson(s.url, s.admin, 'GET', '/v1/clusters/ho7')).status, 404);
});

test('the same document in an apply keeps its document paths', async () => {
  const r = await paths('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name: 'ho7' }, spec: { members: [{ usr: 'u' }] } }] });
  assert.equal(r.status, 400);
  assert.deepEqual(r.paths, ['spec.members[0]']);
});
