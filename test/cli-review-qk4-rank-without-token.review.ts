/**
 * Review qk, 4 (cli): in a job's rank (GATEHOUSE_JOB_ID set) whose AWS_CONTAINER_AUTHORIZATION_TOKEN (or container URI)
 * was unset or blanked (a script keeping the token from its children, a pod spec that sets it empty, which the
 * admission webhook keeps), the `gatehouse` CLI passed the job over and signed with
 * `--data-dir`'s admin-credentials.json: `gatehouse whoami` in a rank of a `--role none` job, run where the server keeps
 * its data (README §4's tour: `./.gatehouse`), answered `user/admin`, where README §4 says a rank's CLI signs as the
 * job's session and never with a data dir's admin key (review fm, 2). And a container URI that names the job's
 * capability (`?capability=…`, a node agent's, which `credentials --job` and the SDKs read without the token: review
 * kv, 2) was passed over the same way. Now such a URI is read without the token, as `credentials --job` reads it, and
 * without either the CLI refuses (`NoCredentials`, exit 9, naming the variable), nothing sent.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) with a real job's environment, against a real server on
 * 127.0.0.1.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { submitJob, type SubmittedJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('qk4: the CLI in a rank without its container token', () => {
  let s: TestServer;
  let job: SubmittedJob;
  before(async () => {
    s = await startTestServer();
    job = await submitJob(s.url, s.admin);
  });
  after(async () => s?.stop());

  // The rank's environment, as the launcher gives it, less the token; the data dir is the server's own (the tour's).
  const rank = (extra: Record<string, string> = {}) => {
    const { AWS_CONTAINER_AUTHORIZATION_TOKEN: _token, ...env } = job.environment;
    return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, ...env, ...extra };
  };
  const whoami = (env: Record<string, string>) => gatehouseInProcess(['whoami', '--data-dir', s.dataDir], env);
  const session = () => new RegExp(`:assumed-role/[^/]+/job-${job.id}\\n`);

  it('with the token, the job\'s session signs (as before)', async () => {
    const r = await whoami(rank({ AWS_CONTAINER_AUTHORIZATION_TOKEN: job.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' }));
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, session());
  });

  it('the token (or the URI) unset or blank: refused, naming it; never the admin file', async () => {
    const { AWS_CONTAINER_CREDENTIALS_FULL_URI: _uri, ...noUri } = job.environment;
    for (const [env, named] of [
      [rank(), /AWS_CONTAINER_AUTHORIZATION_TOKEN, which is not set/],
      [rank({ AWS_CONTAINER_AUTHORIZATION_TOKEN: '' }), /AWS_CONTAINER_AUTHORIZATION_TOKEN, which is empty/],
      [{ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, ...noUri }, /AWS_CONTAINER_CREDENTIALS_FULL_URI/],
    ] as const) {
      const r = await whoami(env);
      assert.equal(r.code, EXIT.accessDenied, `${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '', 'nothing answered as the admin');
      assert.match(r.stderr, /^gatehouse: NoCredentials: /);
      assert.match(r.stderr, new RegExp(`job ${job.id}`));
      assert.match(r.stderr, named);
    }
  });

  it('a container URI naming the capability is read without the token', async () => {
    const uri = `${job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? ''}?capability=${encodeURIComponent(job.capability)}`;
    const r = await whoami(rank({ AWS_CONTAINER_CREDENTIALS_FULL_URI: uri }));
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, session());
  });
});
