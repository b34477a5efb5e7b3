/**
 * Review np, 4 (cli): which proxy variable wins when both cases are set. README and `gatehouse --help` say requests go
 * through `HTTP_PROXY`/`HTTPS_PROXY` "as for the aws CLI", except to the hosts `NO_PROXY` names. The aws CLI (botocore
 * `get_environ_proxies`, Python's `urllib.request.getproxies_environment`) prefers the lower-case variable when both are
 * set ("in order to prefer lowercase variables, process environment in two passes"), and so does the Node.js agent the
 * CLI sends through (`proxyEnv`: `env.http_proxy || env.HTTP_PROXY`, `env.no_proxy || env.NO_PROXY`). But the CLI
 * chose the variable to name, and whether `NO_PROXY` applies, upper case first: with `HTTP_PROXY` and `http_proxy`
 * both set, the request went to `http_proxy`'s proxy, and a failure to reach it was said as `cannot reach the proxy
 * <HTTP_PROXY's URL> (HTTP_PROXY)`, sending the user to check a proxy never tried; and a host `NO_PROXY` named but
 * `no_proxy` did not went straight to the server, where the aws CLI (and the agent, had it been asked) used the proxy.
 * Now the CLI reads them as the agent and the aws CLI do, lower case first.
 *
 * A real server on 127.0.0.1; the CLI's program in this process with the environment given to it.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { freePort } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('np4: http_proxy and HTTP_PROXY both set', () => {
  let s: TestServer;
  let upper = '';
  let lower = '';
  before(async () => {
    s = await startTestServer();
    upper = `http://127.0.0.1:${await freePort()}`;
    lower = `http://127.0.0.1:${await freePort()}`;
  });
  after(() => s?.stop());

  const cli = (extraEnv: Record<string, string>) => gatehouseCliInProcess(['iam', 'users', 'list'], s.admin, { endpoint: s.url, home: s.dataDir, extraEnv });

  it('the proxy named is the one tried: http_proxy, as the agent and the aws CLI take it', async () => {
    const r = await cli({ HTTP_PROXY: upper, http_proxy: lower });
    assert.equal(r.code, 10, r.stderr);
    assert.ok(r.stderr.includes(`cannot reach the proxy ${lower} (http_proxy)`), r.stderr);
    assert.ok(!r.stderr.includes(upper), r.stderr);
  });

  it('no_proxy over NO_PROXY: a host only NO_PROXY names goes through the proxy', async () => {
    const r = await cli({ http_proxy: lower, NO_PROXY: '127.0.0.1', no_proxy: 'example.com' });
    assert.equal(r.code, 10, r.stderr);
    assert.ok(r.stderr.includes(`cannot reach the proxy ${lower} (http_proxy)`), r.stderr);
    // And one that no_proxy names goes straight to the server, whatever NO_PROXY says.
    const direct = await cli({ http_proxy: lower, NO_PROXY: 'example.com', no_proxy: '127.0.0.1' });
    assert.equal(direct.code, 0, direct.stderr);
  });
});
