/**
 * Review cb, finding 6 (from review ca). The CLI behind a proxy that cannot be reached said "cannot reach the Gatehouse
 * server at http://127.0.0.1:…: connection refused; is `gatehouse server` running there?", blaming a server that was
 * running, and never named the proxy every request went to. Now it names the proxy and the variable that set it, and
 * says how to go around it (NO_PROXY). And the proxy is read from the command's environment, as its credentials and
 * endpoint are (it was read from the process's, so a command run in process with its own environment ignored a
 * proxy it was given). Real server; the CLI's program in this process with the environment given to it
 * (test/support/gatehouse-cli.ts), and runCli with nothing but its own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../src/adapters/cli/program.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { freePort } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('a proxy that cannot be reached is named, not the server', () => {
  let s: TestServer;
  let closed = '';
  before(async () => {
    s = await startTestServer();
    closed = `http://user:hunter2@127.0.0.1:${await freePort()}`;
  });
  after(() => s?.stop());

  it('the CLI names the proxy and HTTP_PROXY, hides its password, and suggests NO_PROXY', async () => {
    const r = await gatehouseCliInProcess(['iam', 'users', 'list'], s.admin, { endpoint: s.url, home: s.dataDir, extraEnv: { HTTP_PROXY: closed } });
    assert.equal(r.code, 10, r.stderr);
    // Before the fix: "cannot reach the Gatehouse server at …: connection refused; is `gatehouse server` running there?"
    assert.match(r.stderr, /cannot reach the proxy http:\/\/.*127\.0\.0\.1:\d+.* \(HTTP_PROXY\)/);
    assert.match(r.stderr, /NO_PROXY/);
    assert.doesNotMatch(r.stderr, /is `gatehouse server` running/);
    assert.doesNotMatch(r.stderr, /hunter2/);
  });

  it('NO_PROXY naming the host: straight to the server', async () => {
    for (const no of ['127.0.0.1', `127.0.0.1:${new URL(s.url).port}`, '*', 'localhost,127.0.0.1']) {
      const r = await gatehouseCliInProcess(['iam', 'users', 'list', '--json'], s.admin, { endpoint: s.url, home: s.dataDir, extraEnv: { HTTP_PROXY: closed, NO_PROXY: no } });
      assert.equal(r.code, 0, `${no}: ${r.stderr}`);
    }
  });

  it('in process, the proxy of the command\'s environment is the one used', async () => {
    let err = '';
    const status = await runCli(['iam', 'users', 'list'], {
      out: () => {},
      err: (t) => void (err += t),
      readFile: async () => {
        throw Object.assign(new Error('no file'), { code: 'ENOENT' });
      },
      now: () => Date.now(),
      version: 'test',
      env: { AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url, http_proxy: closed },
    });
    // Before the fix: 0 (the process's environment has no proxy, so the request went straight to the server).
    assert.equal(status, 10, err);
    assert.match(err, /\(http_proxy\)/);
  });
});
