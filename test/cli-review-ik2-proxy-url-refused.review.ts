/**
 * Review ik, finding 2: a proxy URL Node.js refuses was an internal error that printed its password.
 *
 * What was wrong: `HTTP_PROXY=http://bob:pa#ss@proxy:3128` (a password with `#`, `/`, `?` or `@` not percent-encoded,
 * as people write them) is no URL Node.js can use: building the proxy agent threw ERR_PROXY_INVALID_CONFIG, and every
 * command that talks to the server ended "gatehouse: internal error: … Invalid proxy URL: http://bob:pa#ss@proxy:3128",
 * a stack and "please report this" (exit 70): the password on the terminal, and a bug reported for a setting.
 *
 * What is now so: such a setting is a usage error (exit 2, InvalidProxy) that names the variable and says how to write
 * it, showing nothing of the value before its last `@`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('cli review ik2: a proxy URL that Node.js refuses is a usage error, its password not shown', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  for (const [variable, endpoint] of [['HTTP_PROXY', 'http://gatehouse.example:8470'], ['https_proxy', 'https://gatehouse.example:8470']] as const) {
    it(variable, async () => {
      const r = await gatehouseCliInProcess(['whoami'], s.admin, { endpoint, home: s.dataDir, extraEnv: { [variable]: 'http://bob:hun#ter2@127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`InvalidProxy: ${variable} \`…@127\\.0\\.0\\.1:9\``));
      assert.match(r.stderr, /percent-encode/);
      assert.doesNotMatch(r.stderr, /hunter2|hun#|ter2|internal error/);
    });
  }
});
