/**
 * Review `ea` (a demanding new user follows the README), 3: §6 said the kubectl exec plugin signs with "`AWS_PROFILE`
 * or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` in kubectl's environment". §3 has the reader write the profile
 * `scientist` (a `credential_process` for ScientistUserRole), and §6 maps that very role to Kubernetes groups: the
 * natural next step, `AWS_PROFILE=scientist` for kubectl, signed the token with the data dir's admin key instead (the
 * CLI reads a profile's static keys only, and says so on stderr), so kubectl authenticated as the admin, who has no
 * access entry. The README then said which profiles count, that §3's is not followed, and that a role's session
 * goes in `AWS_SESSION_TOKEN` beside its keys. Since review ec the CLI runs a profile's credential_process, as the
 * AWS tools do (test/cli-review-h9-ec1-credential-process-profile.review.ts), and §6 says §3's profile signs as its
 * role: the first test now expects the role's token where it expected the admin's with the CLI's warning.
 *
 * Both ways are run as kubectl runs the README's exec plugin (bn5): §3's profile from the README as written, and the
 * role's session in the environment; each gives the role's token.
 * A real server in this process (`startServer`, what `gatehouse server` runs: the processes tested are the client's),
 * the plugin run with `run` (execFile).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { run } from './support/processes.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const work = await mkdtemp(join(tmpdir(), 'gatehouse-ea3-'));
const dataDir = join(work, 'data');
const ROLE = 'arn:aws:iam::000000000000:role/ScientistUserRole';
let server: RunningServer | undefined;
let readme = '';
let admin: { accessKeyId: string; secretAccessKey: string };

before(async () => {
  readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { HOME: work }, log: () => {} });
  const file = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
  const iam = new I.IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: admin });
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ScientistUserRole', AssumeRolePolicyDocument: JSON.stringify(trust) }));
});

after(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

/** The README's §6 kubeconfig exec plugin, run as kubectl runs it with `env` added; the ARN its token proves. */
async function plugin(env: Record<string, string>): Promise<{ arn: string; stderr: string }> {
  const block = /```yaml\n(users:\n- name: gatehouse\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'README §6 shows the kubeconfig user of the exec plugin');
  const kubeconfig = parse(block.replaceAll('/path/to/gatehouse/.gatehouse', dataDir).replaceAll('/path/to/gatehouse', REPO)) as { users: { user: { exec: { command: string; args: string[] } } }[] };
  const exec = kubeconfig.users[0]?.user.exec;
  assert.ok(exec !== undefined);
  const info = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
  const r = await run(exec.command, exec.args, { PATH: '/usr/bin:/bin', HOME: work, KUBERNETES_EXEC_INFO: info, ...env }, { cwd: work, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const token = (JSON.parse(r.stdout) as { status: { token: string } }).status.token;
  const url = Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString();
  const answer = await fetch(url, { headers: { 'x-k8s-aws-id': 'gpu-a' } });
  const body = await answer.text();
  assert.equal(answer.status, 200, body);
  return { arn: /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1] ?? '', stderr: r.stderr };
}

test('ea3, ec1: §3\'s credential_process profile in kubectl\'s AWS_PROFILE is followed, as §6 now says: the role\'s token', async () => {
  const ini = /```ini\n(# ~\/\.aws\/config[^\n]*\n\[profile scientist\]\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(ini !== undefined, 'README §3 shows the ~/.aws/config profile of ScientistUserRole');
  const config = join(work, 'config');
  await writeFile(config, ini.replaceAll('/path/to/gatehouse/.gatehouse', dataDir).replaceAll('/path/to/gatehouse', REPO));
  // The server's address as in the second test: the data dir's file's is not read when a profile signs.
  const r = await plugin({ AWS_PROFILE: 'scientist', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'), GATEHOUSE_ENDPOINT: server?.url ?? '' });
  assert.match(r.arn, /^arn:aws:sts::000000000000:assumed-role\/ScientistUserRole\/gatehouse-\d+$/, 'signed with the session the profile\'s credential_process printed');
  assert.equal(r.stderr, '');
  const prose = readme.replace(/\s+/g, ' ');
  assert.ok(prose.includes('so `AWS_PROFILE=scientist`, §3\'s profile, signs as ScientistUserRole, and a profile gatehouse cannot follow is an error, never `--data-dir`\'s key'), 'README §6 says that §3\'s profile is followed, and that no profile becomes the admin');
  assert.ok(!prose.includes('is not followed: the plugin says so and signs with `--data-dir`\'s key'), 'README §6 no longer says §3\'s profile gives the admin\'s key');
});

test('ea3: the role\'s session in kubectl\'s environment (AWS_SESSION_TOKEN beside its keys), as §6 says, gives the role\'s token', async () => {
  const sts = new STSClient({ endpoint: server?.url ?? '', region: 'us-east-1', credentials: admin });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'kubectl' }))).Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  // The server's address too: it is the data dir's file's only when its key signs (here on a port the system picked;
  // the README's is the default, 8470).
  const r = await plugin({ AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey, AWS_SESSION_TOKEN: c.SessionToken, GATEHOUSE_ENDPOINT: server?.url ?? '' });
  assert.equal(r.arn, 'arn:aws:sts::000000000000:assumed-role/ScientistUserRole/kubectl');
  assert.equal(r.stderr, '');
  assert.ok(readme.replace(/\s+/g, ' ').includes('(`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, with `AWS_SESSION_TOKEN` for a role\'s session, or an `AWS_PROFILE` (its keys, what its `credential_process` prints, or a session of its `role_arn`), in kubectl\'s environment, else `--data-dir`'));
});

test("eg1: a role_arn profile in kubectl's AWS_PROFILE, as §6 now says, gives the role's session token", async () => {
  // The admin's keys as the source profile, the role assumed by the plugin as the CLI assumes it (review eg1).
  const credentials = join(work, 'credentials-eg1');
  const config = join(work, 'config-eg1');
  await writeFile(credentials, `[admin]\naws_access_key_id = ${admin.accessKeyId}\naws_secret_access_key = ${admin.secretAccessKey}\n`);
  await writeFile(config, `[profile kube-role]\nrole_arn = ${ROLE}\nsource_profile = admin\nrole_session_name = kubectl-eg1\n`);
  const r = await plugin({ AWS_PROFILE: 'kube-role', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, GATEHOUSE_ENDPOINT: server?.url ?? '' });
  assert.equal(r.arn, 'arn:aws:sts::000000000000:assumed-role/ScientistUserRole/kubectl-eg1');
  assert.equal(r.stderr, '');
  assert.ok(readme.replace(/\s+/g, ' ').includes('or a session of its `role_arn`), in kubectl\'s environment'));
});
