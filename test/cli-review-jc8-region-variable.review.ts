/**
 * Review jc, 8 (cli): the region the CLI signs for comes from AWS_REGION (else AWS_DEFAULT_REGION) and goes into the
 * SigV4 credential scope and the Authorization header, but it was never checked. `AWS_REGION` with a trailing carriage
 * return (a `.env` file with Windows line endings, the very case review fd, 8 fixed for keys) made Node refuse the
 * header, reported as `ConnectionFailed: cannot reach the Gatehouse server at http://…: Invalid character in header
 * content ["authorization"] (set GATEHOUSE_ENDPOINT or --endpoint)`, exit 10, though the server was up; one with a `/`
 * or a space came back as the server's `IncompleteSignature … (credentials from …)`, exit 9, blaming the credentials.
 * The aws CLI refuses such a region itself (botocore's `validate_region_name`: "Provided region_name … doesn't match a
 * supported format"). Now a region variable that is not a region name is a usage error (`InvalidRegion`, exit 2)
 * naming the variable, as `--region` is since review jc, 2; nothing is sent, and the value is shown escaped.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('jc8: AWS_REGION that is not a region name is a usage error naming it', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[], env: Record<string, string>) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir, extraEnv: env });

  it('a carriage return, a slash or a space in AWS_REGION: InvalidRegion, exit 2, not a connection failure', async () => {
    const ok = await cli(['whoami'], { AWS_REGION: 'eu-west-1' });
    assert.equal(ok.code, 0, ok.stderr);
    for (const region of ['eu-west-1\r', 'eu-west-1/x', 'eu west']) {
      const r = await cli(['whoami'], { AWS_REGION: region });
      assert.equal(r.code, 2, `${JSON.stringify(region)}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^gatehouse: InvalidRegion: AWS_REGION `[^`]*` is not a region name/, JSON.stringify(region));
      assert.doesNotMatch(r.stderr, /\r/, 'the value is shown escaped');
    }
  });

  it('AWS_DEFAULT_REGION is named when it is the one used; --region still wins over both', async () => {
    const r = await cli(['whoami'], { AWS_DEFAULT_REGION: 'us-east-1\r' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /InvalidRegion: AWS_DEFAULT_REGION `us-east-1\\r`/);
    const over = await cli(['whoami', '--region', 'us-east-1'], { AWS_REGION: 'bad/region' });
    assert.equal(over.code, 0, over.stderr);
  });
});
