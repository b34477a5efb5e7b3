/**
 * Review im, 2. `GET /v1/audit?kind=Change` was refused (400, `kind must be one of change, session, decision, job, got
 * \`Change\``) and `gatehouse audit query --kind Change` was a usage error, while the same query's `decision` and `action`
 * are read in any case (`decision=allow`, `action=IAM:CreateRole`): a kind is one of four fixed words, and its case
 * was the one spelling the filter held against the caller.
 *
 * Now a kind is read in any case and answered by the records' own (lowercase) spelling; a word that is no kind is still
 * refused naming `kind`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });

describe('review im2: the audit kind filter is read in any case', { timeout: 120_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
    assert.ok(await s.running.app.audit.flush());
  });
  after(async () => s?.stop());

  it('GET /v1/audit?kind=Change and CHANGE answer the change records, as kind=change', async () => {
    const lower = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?kind=change&action=iam:CreateRole');
    assert.equal(lower.status, 200, JSON.stringify(lower.json));
    const expected = (lower.json as { records: { seq: number; kind: string }[] }).records;
    assert.ok(expected.length > 0);
    for (const k of ['Change', 'CHANGE']) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=${k}&action=iam:CreateRole`);
      assert.equal(r.status, 200, `${k}: ${JSON.stringify(r.json)}`);
      assert.deepEqual((r.json as { records: unknown[] }).records, expected, k);
    }
    const bad = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?kind=changes');
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
    assert.match(JSON.stringify(bad.json), /kind/);
  });

  it('gatehouse audit query --kind Change lists them; --kind changes is a usage error', async () => {
    const cli = await cliAgainst(s, ['audit', 'query', '--kind', 'Change', '--action', 'iam:CreateRole', '--json']);
    assert.equal(cli.status, 0, cli.err);
    const lines = cli.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; action: string });
    assert.deepEqual(lines.map((l) => [l.kind, l.action]), [['change', 'iam:CreateRole']], cli.out);
    const bad = await cliAgainst(s, ['audit', 'query', '--kind', 'changes']);
    assert.equal(bad.status, 2, bad.out + bad.err);
    assert.match(bad.err, /--kind/);
  });
});
