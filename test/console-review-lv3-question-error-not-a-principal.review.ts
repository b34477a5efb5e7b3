/**
 * Review lv, 3: the console's Who can and Escalation paths views (POST /v1/who-can, POST /v1/escalation-paths, as
 * `gatehouse who-can` and `escalation-paths`) answered a context the operator typed wrong with an error about a
 * principal: `InvalidInput: user admin: context key \`aws:SourceIp\` must be one IPv4 or IPv6 address…`. The context is
 * the question's, the same for every principal asked; "user admin:" (whichever principal happened to be asked first)
 * read as a fault of that user, to look for in its policies. Escalation paths also lost where the fault was
 * (`details[].path` empty, where the same context sent to /v1/simulate says `context.aws:SourceIp`). The error of the
 * question itself (its context or its action) is now answered as /v1/simulate answers it, with its path; an error
 * about a principal (the caller may not ask about it) still names it. IAM's SimulatePrincipalPolicy answers a bad
 * ContextEntries value as InvalidInput, "an invalid or out-of-range value was supplied for an input parameter" (IAM
 * API Reference, SimulatePrincipalPolicy, Errors): a fault of the request's parameter, not of the principal simulated.
 * Real server on 127.0.0.1, the admin API through the CLI's client (the console reads the same body).
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

describe('review lv3: a question\'s own error names no principal', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  const ask = (route: string, body: Record<string, unknown>) => call({ endpoint: new URL(s.url), credentials: s.admin, region: REGION, credentialsSource: 'test' }, 'POST', [route], { body });
  const context = { 'aws:SourceIp': '10.0.0.300' };

  it('who-can: the context\'s error as /v1/simulate gives it, with its path', async () => {
    const simulated = await ask('simulate', { action: 's3:GetObject', resource: 'arn:aws:s3:::lv3/k', context });
    assert.ok(!simulated.ok);
    const r = await ask('who-can', { action: 's3:GetObject', resource: 'arn:aws:s3:::lv3/k', context });
    assert.ok(!r.ok, JSON.stringify(r));
    assert.equal(r.code, 'InvalidInput');
    assert.doesNotMatch(r.message, /^(user|role) /, r.message);
    assert.equal(r.message, simulated.message);
    assert.deepEqual(r.errors.map((e) => e.path), ['context.aws:SourceIp']);
  });

  it('escalation-paths: the context\'s error with its path, naming no principal', async () => {
    const r = await ask('escalation-paths', { context });
    assert.ok(!r.ok, JSON.stringify(r));
    assert.equal(r.code, 'InvalidInput');
    assert.doesNotMatch(r.message, /^(user|role) /, r.message);
    assert.match(r.message, /context key `aws:SourceIp`/);
    assert.deepEqual(r.errors.map((e) => e.path), ['context.aws:SourceIp']);
  });
});
