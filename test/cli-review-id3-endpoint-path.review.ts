/**
 * Review id, 3 (CLI): an endpoint with a path was refused in words that named the right server as the wrong one.
 *
 * What was wrong: the CLI sends every request under the endpoint's path (a proxy may serve the API under one), so
 * `--endpoint http://HOST:8470/ui/` (the console's address, which `gatehouse server` prints as `console at …`) asked
 * `GET /ui/v1/whoami`, and the answer read `the server at http://HOST:8470 answered 404 with a body that is not JSON:
 * is it the Gatehouse API … and not its agent or S3 gateway port?`: the address shown was the server's own, right as
 * it was, and the path, the one thing wrong, was said nowhere. `--endpoint http://HOST:8470/v1` got `NotFound: no
 * route for GET /v1/v1/whoami`, with nothing to say the CLI adds `/v1/` itself.
 *
 * What is now so: such answers name the endpoint with its path and the request sent, and say what to give instead:
 * the server's root for the console's address or an endpoint ending in `/v1`. Exit statuses are as before (10, and
 * 6 for the API's NotFound, docs/errors.md).
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('cli review id3: an endpoint with a path', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, { cwd: s.dataDir });

  it("the console's address", async () => {
    const r = await cli(['whoami', '--endpoint', `${s.url}/ui/`]);
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, new RegExp(`the server at ${s.url}/ui/ answered 404 to GET /ui/v1/whoami`));
    assert.match(r.stderr, new RegExp(`the endpoint's path \`/ui\` is the web console's, not the API's: give --endpoint ${s.url}\\b`));
  });

  it('a user name and password in the endpoint are never printed', async () => {
    const r = await cli(['whoami', '--endpoint', `${s.url.replace('http://', 'http://u:pw-id3@')}/ui/`]);
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, new RegExp(`the server at ${s.url}/ui/ answered 404`));
    assert.doesNotMatch(r.stderr, /pw-id3/);
  });

  it('an endpoint ending in /v1', async () => {
    const r = await cli(['whoami', '--endpoint', `${s.url}/v1`]);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /no route for GET \/v1\/v1\/whoami/);
    assert.match(r.stderr, new RegExp(`the CLI adds /v1/ to the endpoint itself: give --endpoint ${s.url}\\b`));
  });

  it('the root works as ever, with or without its slash', async () => {
    for (const endpoint of [s.url, `${s.url}/`]) {
      const r = await cli(['whoami', '--endpoint', endpoint]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
});
