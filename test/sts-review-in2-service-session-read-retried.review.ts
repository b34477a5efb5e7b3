/**
 * Review in, 2. A service's session (a job's, `assumeRoleAsService`) was issued inside the store read that decides it:
 * `issue` records the session (its audit record `Allow`, `gatehouse_sessions_issued_total`, the role's last use) as it
 * makes the credentials. But a read's `fn` may run more than once (PostgreSQL retries the transaction on 40001/40P01,
 * and a hot standby's recovery conflict is a 40001), and a read may fail after `fn` returned (its COMMIT answer lost):
 * one session handed out was recorded twice, and a session never handed out (answered 503) was recorded as issued.
 *
 * Now the read decides and the session is issued after it returns, as AssumeRole's is: one record per session handed
 * out, none for a refusal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/trainer`;

describe('review in2: a service session decided in a read that runs twice or fails late', { timeout: 120_000 }, () => {
  let s: TestServer;
  let store: Store;
  let real: Store['read'];
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
    store = s.running.app.deps.store;
    real = store.read.bind(store);
  });
  after(async () => {
    if (store !== undefined) (store as { read: Store['read'] }).read = real;
    await s?.stop();
  });

  /** The next read runs as `how` says; later ones as the store does. */
  const nextRead = (how: 'retried' | 'answer-lost'): void => {
    (store as { read: Store['read'] }).read = async (fn, options) => {
      (store as { read: Store['read'] }).read = real;
      const first = await real(fn, options);
      if (how === 'answer-lost') throw new StoreUnavailableError('PostgreSQL: the connection was lost');
      // As the PostgreSQL store's loop does after a serialization failure: `fn` again, in a new transaction.
      void first;
      return real(fn, options);
    };
  };
  const sessions = async (job: string) => (await auditRecords(s, { job, kind: 'session' })).filter((r) => r.decision === 'Allow');

  it('a read retried once: one session handed out, one recorded', async () => {
    nextRead('retried');
    const r = await s.running.app.sts.assumeRoleAsService({ service: 'training.gatehouse.dev', roleArn: ROLE, sessionName: 'job-hz2-a', job: 'job-hz2-a' });
    assert.ok(r.ok, JSON.stringify(r));
    const recorded = await sessions('job-hz2-a');
    assert.equal(recorded.length, 1, JSON.stringify(recorded));
    assert.equal((recorded[0]?.detail as { accessKeyId?: string }).accessKeyId, r.value.credentials.accessKeyId, 'the record is of the session handed out');
  });

  it('a read whose answer is lost after deciding: refused, and no session recorded as issued', async () => {
    nextRead('answer-lost');
    await assert.rejects(s.running.app.sts.assumeRoleAsService({ service: 'training.gatehouse.dev', roleArn: ROLE, sessionName: 'job-hz2-b', job: 'job-hz2-b' }), StoreUnavailableError);
    assert.deepEqual(await sessions('job-hz2-b'), []);
  });
});
