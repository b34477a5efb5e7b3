/**
 * Review ik, finding 5: a refused endpoint was echoed with its password.
 *
 * What was wrong: `--endpoint` (or GATEHOUSE_ENDPOINT) that is not an http(s) URL is refused (InvalidEndpoint, exit 2),
 * and the refusal quoted it whole: `--endpoint user:PASSWORD@gatehouse:8470` (no scheme, which the CLI takes for
 * the scheme `user:`), `ftp://user:PASSWORD@…`, or one that does not parse (`http://user:pass word@host`) printed
 * "the endpoint `user:PASSWORD@gatehouse:8470` must be http:// or https://", where every other refused URL is echoed
 * without its user and password (review agent, U5; src/core/shown-url.ts).
 *
 * What is now so: the refusal shows the endpoint as the others do (the password `…`, or nothing before the last `@`
 * of what does not parse or has no `scheme://`); the code and exit status are unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess, gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('cli review ik5: a refused endpoint is echoed without its password', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  const cases = [
    ['u:EndpointPW@127.0.0.1:8470', /the endpoint `…@127\.0\.0\.1:8470` must be http:\/\/ or https:\/\//],
    ['ftp://u:EndpointPW@127.0.0.1:8470', /the endpoint `ftp:\/\/u:…@127\.0\.0\.1:8470` must be http:\/\/ or https:\/\//],
    ['http://u:Endpoint PW@127.0.0.1:x', /the endpoint `…@127\.0\.0\.1:x` is not a URL/],
  ] as const;
  for (const [endpoint, expected] of cases) {
    it(endpoint, async () => {
      const flag = await gatehouseCliInProcess(['--endpoint', endpoint, 'whoami'], s.admin, { endpoint: s.url, home: s.dataDir });
      const variable = await gatehouseInProcess(['whoami'], { AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: endpoint, HOME: s.dataDir });
      for (const r of [flag, variable]) {
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /InvalidEndpoint/);
        assert.match(r.stderr, expected);
        assert.doesNotMatch(r.stderr, /EndpointPW|Endpoint PW/);
      }
    });
  }
});
