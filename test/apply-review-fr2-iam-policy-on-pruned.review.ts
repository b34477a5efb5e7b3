/**
 * Review fr, finding 2: `gatehouse apply --prune` deleting a Workspace, user, group or role took away the IAM policy on
 * it (a workspace's with it, review B6; a principal's on its own ARN, forgetPrincipal), even when an IamPolicy document
 * of the same files sets that policy. The plan said `~ update IamPolicy/ws-devs (bindings)` (or `= unchanged`) and
 * `- delete Workspace/vision`; the apply then deleted the IamPolicy too, which no line had said, and the next `plan` of
 * the same files refused them (`workspace \`vision\` … does not exist`). Now such a document is refused by the plan, at
 * its `spec.resource`, as a document applying to a cluster the same prune deletes is (review ak, 2), and nothing
 * changes. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const doc = (kind: string, name: string, spec = '{}'): string => `apiVersion: gatehouse.dev/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
// No role binds on a user's ARN (reviews qi, 2 and rj, 1): the document there has no bindings.
const policy = (name: string, resource: string): string => doc('IamPolicy', name, `{resource: "${resource}", bindings: [${resource.includes(':user/') ? '' : '{role: roles/ml.developer, members: ["user:erin"]}'}]}`);

describe('review fr2: an IamPolicy on what the same prune deletes is refused', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  const file = async (name: string, text: string): Promise<string> => {
    const f = join(dir, name);
    await writeFile(f, text);
    return f;
  };
  const all = [doc('User', 'erin'), doc('User', 'sam'), doc('Workspace', 'vision'), doc('Workspace', 'nlp'), policy('ws-devs', 'workspace/vision'), policy('sam-devs', 'arn:aws:iam::000000000000:user/sam')];
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-fr2-'));
    const applied = await cli('apply', '-f', await file('all.yaml', all.join('---\n')));
    assert.equal(applied.status, 0, applied.err);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a workspace the prune deletes: its IamPolicy document is refused, and nothing changes', async () => {
    const f = await file('no-vision.yaml', all.filter((d) => !d.includes('name: vision}')).join('---\n'));
    const plan = await cli('plan', '--prune', '-f', f);
    assert.equal(plan.status, 8, plan.out + plan.err);
    assert.match(plan.err, /document \d \(IamPolicy ws-devs\): spec\.resource: workspace `vision` of account 000000000000 is deleted by --prune \(no Workspace document names it\), with the IAM policy on it/);
    const apply = await cli('apply', '--prune', '-f', f);
    assert.equal(apply.status, 8, apply.out + apply.err);
    // Nothing changed: the full set is still what is stored.
    const again = await cli('plan', '--exit-code', '-f', await file('all-again.yaml', all.join('---\n')));
    assert.equal(again.status, 0, again.out + again.err);
  });

  it('a user the prune deletes: the IamPolicy on its ARN is refused', async () => {
    const f = await file('no-sam.yaml', all.filter((d) => !d.includes('name: sam}')).join('---\n'));
    const plan = await cli('plan', '--prune', '-f', f);
    assert.equal(plan.status, 8, plan.out + plan.err);
    assert.match(plan.err, /\(IamPolicy sam-devs\): spec\.resource: user `sam` of account 000000000000 is deleted by --prune \(no User document names it\)/);
  });

  it('without --prune, or with the workspace kept, the same files apply', async () => {
    const kept = await cli('plan', '--prune', '--exit-code', '-f', await file('kept.yaml', all.join('---\n')));
    assert.equal(kept.status, 0, kept.out + kept.err);
  });
});
