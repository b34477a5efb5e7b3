/**
 * Review `readme`, bn5: §6 says kubectl authenticates with the exec plugin `gatehouse kube token --cluster gpu-a`,
 * and `kube token --help` shows a kubeconfig whose `command:` is `gatehouse`. kubectl runs the plugin as written, in
 * its own working directory and outside `npx`: from a clone no `gatehouse` is on the PATH, and `./.gatehouse` is not
 * where kubectl runs, so the plugin failed to start (as §3's `credential_process`, bn4). Now §6 shows the kubeconfig
 * for a clone; this test takes it from the README as written, runs its command as kubectl does (another working
 * directory, a PATH without npx's, KUBERNETES_EXEC_INFO), and sends the token's presigned GetCallerIdentity to the
 * real server, as Gatehouse's TokenReview does, which answers the admin.
 * A real server in this process (`startServer`, what `gatehouse server` runs: the processes tested are the client's),
 * the plugin run with `run` (execFile).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runCli } from '../src/adapters/cli/program.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { run } from './support/processes.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const work = await mkdtemp(join(tmpdir(), 'gatehouse-bn5-'));
const dataDir = join(work, 'data');
let server: RunningServer | undefined;

before(async () => {
  server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { HOME: work }, log: () => {} });
});

after(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

test('bn5: the README\'s kubeconfig exec plugin, from a clone, runs as kubectl runs it and gives a token the server honours', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```yaml\n(users:\n- name: gatehouse\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'README §6 shows the kubeconfig user of the exec plugin');
  const kubeconfig = parse(block.replaceAll('/path/to/gatehouse/.gatehouse', dataDir).replaceAll('/path/to/gatehouse', REPO)) as { users: { user: { exec: { command: string; args: string[] } } }[] };
  const exec = kubeconfig.users[0]?.user.exec;
  assert.ok(exec !== undefined);
  // As kubectl runs it: its own working directory and PATH, the exec info it sends.
  const r = await run(exec.command, exec.args, { PATH: '/usr/bin:/bin', HOME: work, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } }) }, { cwd: work, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const credential = JSON.parse(r.stdout) as { apiVersion: string; status: { token: string } };
  assert.equal(credential.apiVersion, 'client.authentication.k8s.io/v1');
  assert.match(credential.status.token, /^k8s-aws-v1\./);
  const url = Buffer.from(credential.status.token.slice('k8s-aws-v1.'.length), 'base64url').toString();
  assert.ok(url.startsWith(`${server?.url ?? ''}/?`), url);
  const answer = await fetch(url, { headers: { 'x-k8s-aws-id': 'gpu-a' } });
  assert.equal(answer.status, 200, await answer.clone().text());
  assert.match(await answer.text(), /<Arn>arn:aws:iam::000000000000:user\/admin<\/Arn>/);
});

test('bn5: kube token --help says what to write where gatehouse is on no PATH', async () => {
  let out = '';
  const status = await runCli(['kube', 'token', '--help'], { out: (t) => void (out += t), err: () => {}, readFile: (p) => readFile(p, 'utf8'), now: () => Date.now(), version: 'test', env: {} });
  assert.equal(status, 0);
  assert.match(out.replace(/\s+/g, ' '), /kubectl runs the command as written, in its own working directory and outside npx: with `gatehouse` on no PATH \(a clone\), command: CLONE\/node_modules\/\.bin\/node and args: \[CLONE\/bin\/gatehouse\.js, kube, token, --cluster, hyperpod, --data-dir, CLONE\/\.gatehouse\]/);
});
