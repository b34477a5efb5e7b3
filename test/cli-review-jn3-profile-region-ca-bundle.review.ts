/**
 * Review jn, 3. The CLI signed with a profile's credentials (`--profile`, AWS_PROFILE) but read nothing else of it:
 * a profile with `region = eu-west-1` signed for us-east-1 (so a policy conditioned on `aws:RequestedRegion` refused
 * what the aws CLI, with the same profile, was allowed), and one with `ca_bundle` (the aws CLI's way to trust a private
 * CA per profile) failed `UntrustedCertificate` against an https server the aws CLI reached. There was no `--ca-bundle`
 * either. Now the profile named (`--profile`, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else `default`) gives its
 * `region` and `ca_bundle` from the config file, below the option and the variables as the aws CLI ranks them:
 * `--region` > AWS_REGION > AWS_DEFAULT_REGION > the profile's region; `--ca-bundle` > AWS_CA_BUNDLE > the profile's
 * ca_bundle. A bad value from the profile is refused naming the profile and the file. A real https server on 127.0.0.1
 * (a self-signed certificate made with openssl), the CLI's program in this process (test/support/gatehouse-cli.ts).
 * Skips without openssl.
 * Before the fix 7 of 7 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));
/** Alice may read herself only in eu-west-1: the region signed for decides. */
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }] });

describe('review jn3: a profile\'s region and ca_bundle, as the aws CLI reads them', { skip: OPENSSL === undefined ? 'openssl is absent (apt-get install openssl)' : false }, () => {
  let dir: string;
  let server: RunningServer;
  let config: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-jn3-'));
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    const admin = JSON.parse(await readFile(join(dir, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey }, requestHandler: { httpsAgent: new Agent({ ca: await readFile(join(dir, 'cert.pem'), 'utf8'), keepAlive: false }) } });
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'eu-only', PolicyDocument: POLICY }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    iam.destroy();
    await mkdir(join(dir, '.aws'));
    const keys = `aws_access_key_id = ${key?.AccessKeyId}\naws_secret_access_key = ${key?.SecretAccessKey}\n`;
    await writeFile(join(dir, '.aws', 'credentials'), `[ci]\n${keys}[default]\n${keys}[bad]\n${keys}[lost]\n${keys}`);
    config = join(dir, '.aws', 'config');
    await writeFile(
      config,
      `[profile ci]\nregion = eu-west-1\nca_bundle = ${join(dir, 'cert.pem')}\n[default]\nregion = eu-west-1\nca_bundle = ~/cert.pem\n[profile bad]\nregion = eu west 1\n[profile lost]\nca_bundle = ${join(dir, 'nothing.pem')}\n`,
    );
    await writeFile(join(dir, 'not-pem.txt'), 'hello\n');
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Nothing inherited from this machine: HOME is the test's, with its ~/.aws.
  const cli = (args: readonly string[], extra: Record<string, string> = {}) => gatehouseInProcess(['iam', 'users', 'get', 'alice', ...args], { HOME: dir, GATEHOUSE_ENDPOINT: server.url, ...extra });

  it('--profile: signed for its region, its ca_bundle trusted', async () => {
    const r = await cli(['--profile', 'ci']);
    // Before: UntrustedCertificate (exit 10); with AWS_CA_BUNDLE alone, AccessDenied for us-east-1.
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /alice/);
  });

  it('AWS_PROFILE, and the default profile when none is named', async () => {
    assert.equal((await cli([], { AWS_PROFILE: 'ci' })).code, 0);
    const r = await cli([], { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00', AWS_SECRET_ACCESS_KEY: 'y' });
    // The environment's keys (not alice's) sign, so the server refuses them; the default profile's ca_bundle (~/cert.pem
    // is HOME's) made the connection: not UntrustedCertificate.
    assert.doesNotMatch(r.stderr, /UntrustedCertificate/, r.stderr);
    assert.match(r.stderr, /InvalidClientTokenId/);
  });

  it('the region: --region, then AWS_REGION, then AWS_DEFAULT_REGION win over the profile\'s', async () => {
    for (const [args, env] of [[['--region', 'us-west-2'], {}], [[], { AWS_REGION: 'us-west-2' }], [[], { AWS_DEFAULT_REGION: 'us-west-2' }]] as const) {
      const r = await cli(['--profile', 'ci', ...args], env);
      assert.equal(r.code, 9, `${JSON.stringify([args, env])}: ${r.stderr}`);
      assert.match(r.stderr, /AccessDenied/);
    }
  });

  it('the CA bundle: AWS_CA_BUNDLE wins over the profile\'s, --ca-bundle over both (before the command too)', async () => {
    const env = { AWS_CA_BUNDLE: join(dir, 'not-pem.txt') };
    const r = await cli(['--profile', 'ci'], env);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /InvalidCaBundle: AWS_CA_BUNDLE `.*not-pem\.txt` holds no PEM certificate/);
    assert.equal((await cli(['--profile', 'ci', '--ca-bundle', join(dir, 'cert.pem')], env)).code, 0);
    const first = await gatehouseInProcess(['--ca-bundle', join(dir, 'cert.pem'), 'iam', 'users', 'get', 'alice', '--profile', 'ci'], { HOME: dir, GATEHOUSE_ENDPOINT: server.url, ...env });
    assert.equal(first.code, 0, first.stderr);
  });

  it('a profile\'s ca_bundle that cannot be read is named with its profile and file', async () => {
    const r = await cli(['--profile', 'lost']);
    assert.equal(r.code, 5, r.stderr);
    assert.ok(r.stderr.includes(`InvalidCaBundle: cannot read ca_bundle of the profile \`lost\` in \`${config}\` \`${join(dir, 'nothing.pem')}\``), r.stderr);
  });

  it('a profile\'s region that is no region name is refused, naming the profile', async () => {
    const r = await cli(['--profile', 'bad', '--ca-bundle', join(dir, 'cert.pem')]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`InvalidRegion: region of the profile \`bad\` in \`${config}\` \`eu west 1\` is not a region name`), r.stderr);
    assert.match(r.stderr, /; correct it, or give --region/);
    assert.equal((await cli(['--profile', 'bad', '--ca-bundle', join(dir, 'cert.pem'), '--region', 'eu-west-1'])).code, 0, 'given --region, the profile\'s is not read');
  });

  it('gatehouse --help lists --ca-bundle among the global options', async () => {
    const r = await gatehouseInProcess(['--help'], { HOME: dir });
    assert.match(r.stdout, /--ca-bundle <file> +the CA certificates \(PEM\)/);
    assert.match(r.stdout, /else the\s+profile's region \(the profile named, else default, in ~\/\.aws\/config\)/);
  });
});
