/**
 * `--tag` given twice with one key (review cli, G10): `gatehouse iam users create u --tag team=a --tag team=b` kept
 * `team=b` and exited 0, where IAM refuses duplicate tag keys (`Duplicate tag keys found`). Now it is a usage error
 * (exit 2) naming the key, and nothing is created. The CLI's program in this process
 * (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { errorName, startTestServer, type TestServer } from './support/server.ts';

describe('--tag with a key given twice', () => {
  let s: TestServer;
  const gatehouse = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('is a usage error naming the key; nothing is created; distinct keys still work', async () => {
    const r = await gatehouse(['iam', 'users', 'create', 'tagged', '--tag', 'team=a', '--tag', 'team=b']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /the tag key `team` is given twice \(`team=a` before\); give each key once/);
    assert.equal(await errorName(s.iam().send(new GetUserCommand({ UserName: 'tagged' }))), 'NoSuchEntityException');
    const ok = await gatehouse(['iam', 'users', 'create', 'tagged', '--tag', 'team=a', '--tag', 'cost=ml']);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
