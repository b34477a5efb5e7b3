/**
 * Why a job or node did not start (review cli, H12): `jobs run` and `clusters run-node` print the server's refusal in
 * the platform's own words (`check permission for … failed: …`), and printed the CLI's own failures the same way,
 * bare: `cannot reach the Gatehouse server …` among a job's output did not say who said it nor its code, unlike every
 * other command (`gatehouse: ConnectionFailed: …`). Now a failure of this side is reported as elsewhere, and the
 * server's refusal is still printed as it is. The CLI (in this process, test/support/gatehouse-cli.ts) against a real
 * server on 127.0.0.1 and a closed port.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('jobs run / clusters run-node: who says why it did not start', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('the server not reached: gatehouse: ConnectionFailed: …, exit 10', async () => {
    for (const args of [
      ['jobs', 'run', '--workspace', 'w', '--', 'true'],
      ['clusters', 'run-node', '--cluster', 'c', '--', 'true'],
    ]) {
      // In this process (test/support/gatehouse-cli.ts): no rank starts, what is said and the status are the point.
      const r = await gatehouseCliInProcess(args, s.admin, { endpoint: 'http://127.0.0.1:9', home: s.dataDir });
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /^gatehouse: ConnectionFailed: cannot reach the Gatehouse server at http:\/\/127\.0\.0\.1:9/, args.join(' '));
    }
  });

  it("the server's refusal: its own words, as before", async () => {
    const r = await gatehouseCliInProcess(['jobs', 'run', '--workspace', 'nowhere', '--', 'true'], s.admin, { endpoint: s.url, home: s.dataDir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^check permission for sub user failed: workspace nowhere does not exist/);
  });
});
