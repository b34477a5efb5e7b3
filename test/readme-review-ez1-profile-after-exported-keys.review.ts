/**
 * Review `readme`, ez1: §3's `AWS_PROFILE=scientist npx gatehouse whoami   # the same` answered `user/admin` to a
 * reader following the tour in order. §2 has them `export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…` (the admin's
 * key), and nothing unsets them before §3; gatehouse, as the aws CLI and the SDKs do, signs with the environment's
 * keys before a profile's (only the aws CLI's `--profile` option beats them, which §3's `aws` line uses, so the two
 * lines the README calls "the same" named two identities). Now the line runs under `env -u AWS_ACCESS_KEY_ID -u
 * AWS_SECRET_ACCESS_KEY`, and the README says why.
 *
 * A real server (startTestServer) with §3's role; the README's profile as written (its credential_process runs the
 * real binary of this repository with the server's data dir), in a config file of the test's own; §2's exports as
 * the environment; then §3's whoami line as the README shows it (its `env -u` and assignments applied), the CLI run in
 * this process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
let s: TestServer;
let work: string;
let readme: string;

before(async () => {
  readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  work = await mkdtemp(join(tmpdir(), 'gatehouse-ez1-'));
  s = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
  await s.iam().send(new CreateRoleCommand({ RoleName: 'ScientistUserRole', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const block = /```ini\n(# ~\/\.aws\/config[^\n]*\n\[profile scientist\]\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'README §3 shows the ~/.aws/config profile of ScientistUserRole');
  await writeFile(join(work, 'config'), block.replaceAll('/path/to/gatehouse/.gatehouse', s.dataDir).replaceAll('/path/to/gatehouse', REPO));
  await writeFile(join(work, 'credentials'), '');
});

after(async () => {
  await s?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** `env -u A -u B K=V … npx gatehouse ARGS` (or `K=V npx gatehouse ARGS`): the environment it leaves, and ARGS. */
function shellLine(line: string, env: Record<string, string | undefined>): { env: Record<string, string | undefined>; args: string[] } {
  const words = line.replace(/\s+#.*$/, '').trim().split(/\s+/);
  const out = { ...env };
  let i = 0;
  if (words[i] === 'env') {
    i++;
    while (words[i] === '-u') {
      delete out[words[i + 1] as string];
      i += 2;
    }
  }
  for (; /^[A-Z_]+=/.test(words[i] ?? ''); i++) {
    const [name, ...value] = (words[i] as string).split('=');
    out[name as string] = value.join('=');
  }
  assert.deepEqual(words.slice(i, i + 2), ['npx', 'gatehouse'], `\`${line}\` runs npx gatehouse`);
  return { env: out, args: words.slice(i + 2) };
}

test('ez1: §3\'s `AWS_PROFILE=scientist … gatehouse whoami`, run after §2\'s exports as the tour has it, is the role', async () => {
  // §2: the admin's key, exported, and never unset before §3.
  const section2 = readme.slice(readme.indexOf('### 2. '), readme.indexOf('### 3. '));
  const section3 = readme.slice(readme.indexOf('### 3. '), readme.indexOf('### 4. '));
  assert.match(section2, /^\$ export AWS_ACCESS_KEY_ID=\$\(jq -r \.AccessKeyId \.gatehouse\/admin-credentials\.json\) \\\n\s+AWS_SECRET_ACCESS_KEY=\$\(jq -r \.SecretAccessKey \.gatehouse\/admin-credentials\.json\)/m);
  assert.doesNotMatch(section3.slice(0, section3.indexOf('AWS_PROFILE=scientist')), /unset AWS_ACCESS_KEY_ID/);
  const line = section3.split('\n').find((l) => l.startsWith('$ ') && l.includes('AWS_PROFILE=scientist') && l.includes('gatehouse whoami'));
  assert.ok(line !== undefined, 'README §3 runs gatehouse whoami with AWS_PROFILE=scientist');
  assert.match(line, /# the same/);
  const exported = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: work,
    AWS_CONFIG_FILE: join(work, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'credentials'),
    GATEHOUSE_ENDPOINT: s.url,
    AWS_ACCESS_KEY_ID: s.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey,
  };
  const { env, args } = shellLine(line.slice(2), exported);
  assert.deepEqual(args, ['whoami']);
  const r = await gatehouseInProcess(args, env, { cwd: REPO });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^arn:aws:sts::000000000000:assumed-role\/ScientistUserRole\/gatehouse-\d+\n/, 'the same identity as the aws line above it, not the admin');
});

test('ez1: with the keys exported, AWS_PROFILE alone does not change who signs (as for the aws CLI), which the README says', async () => {
  const r = await gatehouseInProcess(['whoami'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, AWS_CONFIG_FILE: join(work, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'credentials'), GATEHOUSE_ENDPOINT: s.url, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, AWS_PROFILE: 'scientist' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/admin\n/);
  assert.ok(readme.replace(/\s+/g, ' ').includes("(`env -u`: the admin's keys §2 exported would win over `AWS_PROFILE`, as they do for the aws CLI and the SDKs"), 'README §3 says why the line unsets the keys');
});
