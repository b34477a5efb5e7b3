/**
 * Review pf, finding 3: when the answer to an apply is lost once it was sent (exit 11: the store lost its connection at
 * COMMIT, or the connection to the server broke), the CLI says the apply may or may not have been made as a whole and
 * names the `gatehouse plan` that "shows what is still to do, and applying again is safe" (review ak, 3; docs/errors.md,
 * exit 11; docs/documents.md, "Exit statuses": "`plan` shows what is left"). That command was `gatehouse plan -f FILE…`
 * only, whatever else the apply was given:
 * - without `--prune`, so after `apply --prune` whose change was a deletion (a user the files no longer name), the plan
 *   named showed nothing to do whether or not the deletion was made: an operator removing a user's access was told, in
 *   effect, that it was done;
 * - without `--cluster`/`--namespace`, so for Kubernetes RBAC documents the plan named was refused (exit 8);
 * - without `--endpoint` (and `--profile`, `--region`, `--ca-bundle`, `--data-dir`), so it asked another server;
 * - with each file written raw, so `-f 'my config.yaml'` became two words.
 * Now it is the same command as `plan`: every option of the apply that says what to compare and where, each word quoted
 * for a shell where it needs it. An HTTP edge over a real SQLite store whose write fails as a COMMIT of unknown outcome
 * (test/support/failing-edge.ts), the real CLI program in this process; the command the note names is then run as said.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFailingEdge, type FailingEdge } from './support/failing-edge.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

/** The words of a command as a POSIX shell reads them: bare words, and single-quoted ones (`'\''` a quote inside). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  for (const m of command.matchAll(/(?:'[^']*'|\\'|[^\s'\\]+)+/g)) words.push(m[0].replace(/'([^']*)'|\\(')/g, (_, q: string | undefined, e: string | undefined) => q ?? e ?? ''));
  return words;
}

const ROLE = `apiVersion: gatehouse.dev/v1\nkind: Role\nmetadata: {name: nodes}\nspec:\n  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: compute.gatehouse.dev}, Action: "sts:AssumeRole"}]}\n`;
const user = (name: string): string => `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: ${name}}\n`;

describe('review pf3: the plan an apply of unknown outcome names is the plan of that apply', { timeout: 60_000 }, () => {
  let edge: FailingEdge;
  let dir: string;
  const NOWHERE = 'http://127.0.0.1:9';
  const run = (args: string[], endpoint = edge.url) => gatehouseInProcess(args, { AWS_ACCESS_KEY_ID: edge.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: edge.admin.secretAccessKey, GATEHOUSE_ENDPOINT: endpoint });
  const file = async (name: string, text: string): Promise<string> => {
    const f = join(dir, name);
    await writeFile(f, text);
    return f;
  };
  /** Runs `apply` while the store's commits fail of unknown outcome; the command the note names, as words after `gatehouse`. */
  const lostApply = async (args: string[], endpoint?: string): Promise<string[]> => {
    edge.fail('unknown');
    try {
      const r = await run(args, endpoint);
      assert.equal(r.code, 11, r.stdout + r.stderr);
      const named = /`gatehouse (plan [^`]*)` shows what is still to do/.exec(r.stderr);
      assert.ok(named?.[1] !== undefined, r.stderr);
      return shellWords(named[1]);
    } finally {
      edge.fail(undefined);
    }
  };

  before(async () => {
    edge = await startFailingEdge('pf3');
    dir = await mkdtemp(join(tmpdir(), 'gh-pf3-'));
  });
  after(async () => {
    await edge?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('after `apply --prune`, the plan named is a pruning one: it still lists the deletion that was not made', async () => {
    const setup = await run(['apply', '-f', await file('both.yaml', `${user('keep')}---\n${user('leaver')}`)]);
    assert.equal(setup.code, 0, setup.stdout + setup.stderr);
    const one = await file('one.yaml', user('keep'));
    const words = await lostApply(['apply', '--prune', '-f', one]);
    assert.ok(words.includes('--prune'), words.join(' '));
    const plan = await run(words);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /- delete User\/leaver\n/, 'the plan named shows the user still to delete');
  });

  it('Kubernetes RBAC documents: the plan named carries --cluster and --namespace', async () => {
    const setup = await run(['apply', '-f', await file('cluster.yaml', `${ROLE}---\napiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata: {name: gpu}\nspec: {instanceRole: nodes}\n`)]);
    assert.equal(setup.code, 0, setup.stdout + setup.stderr);
    const rbac = await file('rbac.yaml', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader}\nrules: [{apiGroups: [""], resources: [pods], verbs: [get]}]\n');
    const words = await lostApply(['apply', '--cluster', 'gpu', '-n', 'team', '-f', rbac]);
    const plan = await run(words);
    assert.equal(plan.code, 0, `${words.join(' ')}\n${plan.stdout}${plan.stderr}`);
    assert.match(plan.stdout, /\+ create Role\.rbac\.authorization\.k8s\.io\/team\/reader\n/);
  });

  it('the server given by --endpoint, and a file name with a space: the plan named asks that server about that file', async () => {
    const spaced = await file('my config.yaml', user('spaced'));
    // GATEHOUSE_ENDPOINT names no server: only the --endpoint given reaches this one.
    const words = await lostApply(['apply', '--endpoint', edge.url, '-f', spaced], NOWHERE);
    assert.ok(words.includes(spaced), words.join(' | '));
    const plan = await run(words, NOWHERE);
    assert.equal(plan.code, 0, `${words.join(' ')}\n${plan.stdout}${plan.stderr}`);
    assert.match(plan.stdout, /\+ create User\/spaced\n/);
  });
});
