/**
 * Review qk, 2 (cli): with a RAM user's key in ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (the
 * first source of every Alibaba credentials SDK, credential-protocols §4.3, and how an Alibaba user hands a key to a
 * tool) and no AWS keys or profile, the CLI passed them over for `--data-dir`'s admin-credentials.json: `gatehouse
 * whoami` answered `user/admin` of the root account, and every command acted with the admin's rights for someone who
 * meant to be that RAM user. A half-given pair (the id without its secret) did the same. The AWS tools' web identity
 * variables were refused for that reason (review mr, 2); these are followed, as the Alibaba SDKs follow them: the pair
 * (with ALIBABA_CLOUD_SECURITY_TOKEN for a session) signs, after AWS's keys and a profile, and half a pair is
 * `PartialCredentials` (exit 2), nothing sent.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { readerWorld } from './support/alibaba-world.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000118';

describe('qk2: ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET sign, never the admin file instead', () => {
  let s: TestServer;
  let bob: Credentials;
  before(async () => {
    s = await startTestServer();
    bob = await readerWorld(s, ACS);
  });
  after(async () => s?.stop());

  const base = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, GATEHOUSE_ENDPOINT: s.url });
  const alibaba = (k: Credentials) => ({ ALIBABA_CLOUD_ACCESS_KEY_ID: k.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: k.secretAccessKey });
  const whoami = (env: Record<string, string>) => gatehouseInProcess(['whoami', '--data-dir', s.dataDir], env);

  it('a RAM user\'s key in the Alibaba variables is who signs', async () => {
    const r = await whoami({ ...base(), ...alibaba(bob) });
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, new RegExp(`^acs:ram::${ACS}:user/bob\\n`));
  });

  it('a session in them (ALIBABA_CLOUD_SECURITY_TOKEN) is who signs', async () => {
    const assumed = await gatehouseInProcess(['sts', 'assume-role', '--role-arn', `acs:ram::${ACS}:role/reader`, '--role-session-name', 'qk2', '--json'], { ...base(), AWS_ACCESS_KEY_ID: bob.accessKeyId, AWS_SECRET_ACCESS_KEY: bob.secretAccessKey });
    assert.equal(assumed.code, EXIT.ok, assumed.stderr);
    const c = (JSON.parse(assumed.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }).Credentials;
    const r = await whoami({ ...base(), ALIBABA_CLOUD_ACCESS_KEY_ID: c.AccessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: c.SecretAccessKey, ALIBABA_CLOUD_SECURITY_TOKEN: c.SessionToken });
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, new RegExp(`^acs:ram::${ACS}:role/reader/qk2\\n`));
  });

  it('half a pair is refused, naming the variables; nothing answered as the admin', async () => {
    for (const env of [{ ALIBABA_CLOUD_ACCESS_KEY_ID: bob.accessKeyId }, { ALIBABA_CLOUD_ACCESS_KEY_ID: bob.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: '' }]) {
      const r = await whoami({ ...base(), ...env });
      assert.equal(r.code, EXIT.usage, `${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^gatehouse: PartialCredentials: /);
      assert.match(r.stderr, /ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    }
  });

  it('AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY still come first', async () => {
    const r = await whoami({ ...base(), ...alibaba(bob), AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey });
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, /^arn:aws:iam::\d{12}:user\/admin\n/);
  });
});
