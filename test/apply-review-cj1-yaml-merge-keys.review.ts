/**
 * Review cj, finding 1: YAML merge keys (`<<: *anchor`), which Kubernetes manifests, Helm values and GitOps repositories
 * use to share a block between documents' maps (kubectl's YAML reader honours them), were read as a literal key `<<`:
 * a statement written `- <<: *read` and `Action: s3:PutObject` was refused as `unknown statement element <<`, with no
 * `Effect` and no `Resource`, and tags merged from a shared block as a tag named `<<`. Now the CLI reads merge keys as
 * YAML 1.1 and kubectl do: the anchor's pairs are merged in, keys written beside `<<` win, `<<: [*a, *b]` merges
 * several. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const MERGED = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: shared}
spec:
  document:
    Version: "2012-10-17"
    Statement:
      - &read
        Effect: Allow
        Action: s3:GetObject
        Resource: "arn:aws:s3:::data/*"
      - <<: *read
        Action: s3:PutObject
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: merged}
spec:
  tags:
    <<: [{team: vision, cost: ml}, {owner: platform}]
    cost: research
`;

const PLAIN = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: shared}
spec:
  document:
    Version: "2012-10-17"
    Statement:
      - {Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::data/*"}
      - {Effect: Allow, Action: s3:PutObject, Resource: "arn:aws:s3:::data/*"}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: merged}
spec:
  tags: {team: vision, cost: research, owner: platform}
`;

describe('review cj1: YAML merge keys are merged, as kubectl reads them', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-cj1-'));
    await writeFile(join(dir, 'merged.yaml'), MERGED);
    await writeFile(join(dir, 'plain.yaml'), PLAIN);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies the merged documents; the same documents written out in full are then unchanged', async () => {
    const applied = await cli('apply', '-f', join(dir, 'merged.yaml'));
    assert.equal(applied.status, 0, applied.err);
    assert.match(applied.out, /\+ create Policy\/shared/);
    assert.match(applied.out, /\+ create User\/merged/);
    const again = await cli('plan', '--exit-code', '-f', join(dir, 'plain.yaml'));
    assert.equal(again.status, 0, again.out + again.err);
    assert.match(again.out, /= unchanged Policy\/shared/);
    assert.match(again.out, /= unchanged User\/merged/);
  });

  it('a merge key of something else than maps is refused at its line; in a JSON file `<<` stays a key', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata:\n  <<: 5\n  name: g\n');
    const bad = await cli('plan', '-f', join(dir, 'bad.yaml'));
    assert.equal(bad.status, 8);
    assert.match(bad.err, /bad\.yaml:4:7: document 1: yaml: merge sources must be maps or map aliases \[VALIDATION_ERROR\]\n/);
    await writeFile(join(dir, 'doc.json'), '{"apiVersion": "gatehouse.dev/v1", "kind": "Group", "metadata": {"name": "g", "<<": {"account": "000000000000"}}}');
    const json = await cli('plan', '-f', join(dir, 'doc.json'));
    assert.equal(json.status, 8);
    assert.match(json.err, /metadata\.<<: unknown field `<<`/);
  });
});
