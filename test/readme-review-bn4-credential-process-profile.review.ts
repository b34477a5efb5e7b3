/**
 * Review `readme`, bn4: §3 calls `gatehouse credentials --role-arn ARN` "a `credential_process` for `~/.aws/config`",
 * and its `--help` shows `credential_process = gatehouse credentials …`. From a clone, the README's way to run
 * Gatehouse, that line fails: `credential_process` runs outside `npx`, where no `gatehouse` is on the PATH (a
 * package's own bin is not linked into its node_modules/.bin), and `npx --prefix CLONE gatehouse` runs the machine's
 * `node`, which may be older than 24 (this machine's is 20). Now §3 shows the profile to write from a clone, Node.js
 * 24 and the script by their paths; this test takes that profile from the README as written, puts the repository's
 * path and a real server's data dir in it, and has the AWS SDK's process provider run it and call STS with what it
 * printed. `credentials --help`, whose example is for a `gatehouse` on the PATH, says so and points at it.
 * A real server in this process (`startServer`, what `gatehouse server` runs: the processes tested are the client's),
 * the AWS SDK for JavaScript v3 as the client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromProcess } from '@aws-sdk/credential-providers';
import { runCli } from '../src/adapters/cli/program.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const work = await mkdtemp(join(tmpdir(), 'gatehouse-bn4-'));
const dataDir = join(work, 'data');
let server: RunningServer | undefined;

before(async () => {
  server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { HOME: work }, log: () => {} });
  const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  const iam = new I.IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey } });
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ScientistUserRole', AssumeRolePolicyDocument: JSON.stringify(trust) }));
});

after(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

test('bn4: the README\'s credential_process profile, from a clone, gives the AWS SDK the role\'s credentials', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```ini\n(# ~\/\.aws\/config[^\n]*\n\[profile scientist\]\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'README §3 shows the ~/.aws/config profile of ScientistUserRole');
  assert.match(block, /^credential_process = \/path\/to\/gatehouse\/node_modules\/\.bin\/node \/path\/to\/gatehouse\/bin\/gatehouse\.js credentials /m);
  const config = block.replaceAll('/path/to/gatehouse/.gatehouse', dataDir).replaceAll('/path/to/gatehouse', REPO);
  const configFile = join(work, 'config');
  const credentialsFile = join(work, 'credentials');
  await writeFile(configFile, config);
  await writeFile(credentialsFile, '');
  const sts = new STSClient({ endpoint: server?.url ?? '', region: 'us-east-1', credentials: fromProcess({ profile: 'scientist', configFilepath: configFile, filepath: credentialsFile }) });
  const me = await sts.send(new GetCallerIdentityCommand({}));
  assert.match(me.Arn ?? '', /^arn:aws:sts::000000000000:assumed-role\/ScientistUserRole\/gatehouse-\d+$/);
});

test('bn4: credentials --help says what to write where gatehouse is on no PATH', async () => {
  let out = '';
  const status = await runCli(['credentials', '--help'], { out: (t) => void (out += t), err: () => {}, readFile: (p) => readFile(p, 'utf8'), now: () => Date.now(), version: 'test', env: {} });
  assert.equal(status, 0);
  assert.match(out.replace(/\s+/g, ' '), /credential_process runs the command as written, outside npx: with `gatehouse` on no PATH \(a clone\), give Node\.js 24 and the script by their paths, CLONE\/node_modules\/\.bin\/node CLONE\/bin\/gatehouse\.js credentials … \(README, §3\)/);
});
