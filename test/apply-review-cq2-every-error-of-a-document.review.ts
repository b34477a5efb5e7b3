/**
 * Review cq, finding 2: `gatehouse apply` reports every error of a document at once, each at its file:line:col with its
 * JSON path, for Users, Groups, Policies… but a Workspace or a Cluster spec stopped at its first error (the parser
 * PUT /v1/workspaces and /v1/clusters share returned at the first field it refused), an IamPolicy stopped at its first
 * kind of error when planned (roles before members before what it attaches to: a file with an unknown role and an unknown
 * member needed two runs), and so did a Role (a missing managed policy hid an unknown principal of its trust policy). Now
 * each reports the whole list, as a user fixing a file wants it. The real CLI in process against a real server on
 * 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const SPECS = `apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: vision}
spec:
  members: [{user: admin}, {bogus: x}]
  defaultBucket: "arn:aws:s3:::data/*"
  defaultTableProject: "a b"
---
apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: train}
spec:
  instanceRole: "bad role!"
  computeConfigs:
    big: {instanceRole: "also bad!", size: 8}
  mappings: [{user: admin}]
  trustedControllers: [{username: "system:anonymous"}, {serviceAccount: "no-colon"}]
`;

const PLANNED = `apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: root}
spec:
  resource: account/000000000000
  bindings:
    - role: roles/nonexistent
      members: ["user:ghost"]
    - role: roles/viewer
      members: ["group:ghosts"]
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: trainer}
spec:
  policies: [NoSuchPolicy]
  trustPolicy:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow
        Principal: {AWS: "arn:aws:iam::000000000000:user/ghost"}
        Action: sts:AssumeRole
`;

describe('review cq2: every error of a Workspace, Cluster, IamPolicy or Role document at once', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  /** `file:line:col path` of each error line. */
  const places = (err: string): string[] => [...err.matchAll(/^\S+?:(\d+:\d+): document \d+ \([^)]*\): (\S+):/gm)].map((m) => `${m[1]} ${m[2]}`);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-cq2-'));
    await writeFile(join(dir, 'specs.yaml'), SPECS);
    await writeFile(join(dir, 'planned.yaml'), PLANNED);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a Workspace and a Cluster: each field in error, at its place', async () => {
    const r = await cli('plan', '-f', join(dir, 'specs.yaml'));
    assert.equal(r.status, 8, r.err);
    assert.deepEqual(places(r.err), [
      '5:28 spec.members[1]',
      '6:3 spec.defaultBucket',
      '7:3 spec.defaultTableProject',
      '13:3 spec.instanceRole',
      // In the file's order (review ty, 1): `instanceRole` is written before `size`.
      '15:11 spec.computeConfigs.big.instanceRole',
      '15:38 spec.computeConfigs.big.size',
      '16:14 spec.mappings[0]',
      '17:25 spec.trustedControllers[0].username',
      '17:57 spec.trustedControllers[1].serviceAccount',
    ]);
    assert.match(r.err, /gatehouse plan: 9 errors; nothing was changed\n$/);
  });

  it('an IamPolicy and a Role: every error found while planning them', async () => {
    const r = await cli('plan', '-f', join(dir, 'planned.yaml'));
    assert.notEqual(r.status, 0, r.err);
    assert.deepEqual(places(r.err), ['7:7 spec.bindings[0].role', '8:17 spec.bindings[0].members[0]', '10:17 spec.bindings[1].members[0]', '16:14 spec.policies[0]', '21:21 spec.trustPolicy.Statement[0].Principal.AWS']);
  });

  it('PUT /v1/workspaces answers every error too', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/vision', { members: [{ bogus: 1 }], defaultTableProject: 'a b' });
    assert.equal(r.status, 400);
    const details = (r.json['error'] as { details?: { path: string }[] } | undefined)?.details;
    // At their paths in the body sent (review ho 7: the body has no `spec`).
    assert.deepEqual(details?.map((d) => d.path), ['members[0]', 'defaultTableProject'], JSON.stringify(r.json));
  });
});
