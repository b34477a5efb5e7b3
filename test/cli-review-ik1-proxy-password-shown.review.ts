/**
 * Review ik, finding 1: a password written before an `@` was printed when the URL had no `scheme://`.
 *
 * What was wrong: URLs in errors and logs go through shownUrl (src/core/shown-url.ts), which writes a
 * password `…`. A proxy or address written without its scheme, as `HTTP_PROXY=user:password@proxy:3128` (which curl
 * and the aws CLI take as http://), parses as a URL of the scheme `user:` with the opaque path `password@proxy:3128`:
 * no password to hide, so it was shown whole. The CLI's "cannot reach the proxy user:password@proxy:3128 (HTTP_PROXY)"
 * printed the proxy's password to the terminal and whatever collects its stderr, and so did the server's refusal of
 * such an `--s3-address` or `--agent-address` and the agent's of such an `--upstream`.
 *
 * What is now so: a URL without an authority shows nothing of what precedes its last `@` (nor its query or fragment).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shownUrl } from '../src/core/shown-url.ts';
import { parseBaseUrl } from '../src/main/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { freePort } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('cli review ik1: a password before an `@` is not shown when the URL has no scheme://', () => {
  let s: TestServer;
  let port = 0;
  before(async () => {
    s = await startTestServer();
    port = await freePort();
  });
  after(() => s?.stop());

  it('the CLI names an unreachable proxy without its password', async () => {
    for (const proxy of [`bob:hunter2@127.0.0.1:${port}`, `bob:hunter2@127.0.0.1:${port}?x=hunter2`]) {
      const r = await gatehouseCliInProcess(['whoami'], s.admin, { endpoint: 'http://gatehouse.example:8470', home: s.dataDir, extraEnv: { HTTP_PROXY: proxy, AWS_MAX_ATTEMPTS: '1' } });
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /cannot reach the proxy .*127\.0\.0\.1:\d+ \(HTTP_PROXY\)/);
      assert.doesNotMatch(r.stderr, /hunter2|hun#/, proxy);
    }
  });

  it('the server and the agent refuse such an address without echoing its password', () => {
    assert.throws(() => parseBaseUrl('admin:S3cretPW@gw.internal:8472', '--s3-address'), (e: Error) => {
      assert.match(e.message, /--s3-address must be an http:\/\/ or https:\/\/ URL/);
      assert.match(e.message, /@gw\.internal:8472/);
      assert.doesNotMatch(e.message, /S3cretPW/);
      return true;
    });
    assert.equal(shownUrl('admin:S3cretPW@127.0.0.1:8471'), '…@127.0.0.1:8471');
    // What has nothing to hide is shown as given.
    assert.equal(shownUrl('http://127.0.0.1:8471'), 'http://127.0.0.1:8471');
    assert.equal(shownUrl('localhost:3128'), 'localhost:3128');
  });
});
