/**
 * Review cq, finding 1: an unknown field in the spec of a Workspace or a Cluster was reported twice by `gatehouse apply`,
 * once by apply's own allow-list (`unknown field `extra`; the spec of a Workspace has …`) and once more, in other words,
 * by the parser PUT /v1/workspaces and /v1/clusters share (`unknown field `extra` in a workspace (allowed: …)`), and the
 * summary counted both. Now apply reports it once, as it does for every other kind; the REST API still refuses it. The
 * real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const FILE = `apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: vision}
spec:
  members: []
  extra: 1
---
apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: train}
spec:
  wat: 1
`;

describe('review cq1: an unknown field of a Workspace or Cluster spec is reported once', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-cq1-'));
    await writeFile(join(dir, 'bad.yaml'), FILE);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('one error a field, at its line, and a summary that counts two', async () => {
    const r = await cli('plan', '-f', join(dir, 'bad.yaml'));
    assert.equal(r.status, 8, r.err);
    const lines = r.err.trimEnd().split('\n');
    assert.deepEqual(lines, [
      `${join(dir, 'bad.yaml')}:6:3: document 1 (Workspace vision): spec.extra: unknown field \`extra\`; the spec of a Workspace has \`members\`, \`defaultBucket\`, \`defaultTableProject\` [VALIDATION_ERROR]`,
      `${join(dir, 'bad.yaml')}:12:3: document 2 (Cluster train): spec.wat: unknown field \`wat\`; the spec of a Cluster has \`instanceRole\`, \`computeConfigs\`, \`mappings\`, \`trustedControllers\` [VALIDATION_ERROR]`,
      'gatehouse plan: 2 errors; nothing was changed',
    ]);
  });

  it('PUT /v1/workspaces and /v1/clusters still refuse the field', async () => {
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/vision', { members: [], extra: 1 });
    assert.equal(ws.status, 400);
    assert.match(JSON.stringify(ws.json), /unknown field `extra` in a workspace/);
    const cluster = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/clusters/train', { wat: 1 });
    assert.equal(cluster.status, 400);
    assert.match(JSON.stringify(cluster.json), /unknown field `wat` in a cluster/);
  });
});
