/**
 * Review `readme`, gy4: README §4 says the two refused submissions "exit 9" and a submission past the live-job quota
 * "exits 7", and docs/errors.md that a status "never changes meaning"; but `gatehouse jobs run --help` (and
 * `clusters run-node --help`) said nothing of their exit status, which once the job has started is its command's —
 * any number, 9 and 7 included. A script wrapping `jobs run` could not learn from the help what its status meant.
 * Now both helps say it (the command's status once started, 128+N for a signal, 127 a command that cannot run;
 * Gatehouse's own before anything runs, and that the stderr lines tell them apart), and docs/errors.md names the
 * exception. A real server on 127.0.0.1 and the CLI in this process: a started job's status is its command's, a
 * refused one's is 9 with nothing started, as the help says.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.stop();
});

const env = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: server.dataDir, TMPDIR: server.dataDir, GATEHOUSE_ENDPOINT: server.url, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey });

test('gy4: `jobs run --help` and `clusters run-node --help` say what their exit status is', async () => {
  for (const [args, what] of [[['jobs', 'run', '--help'], 'job'], [['clusters', 'run-node', '--help'], 'node']] as const) {
    const r = await gatehouseInProcess(args, env());
    assert.equal(r.code, 0);
    const text = r.stdout.replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`Exit status: once the ${what} has started \\(\`gatehouse: ${what} ID …\` on stderr\\), its command's: that of the first rank to fail, else 0; 128\\+N for a rank killed by signal N`));
    assert.match(text, /Before anything runs, Gatehouse's own \(docs\/errors\.md\): 9 the submission refused/);
    assert.match(text, /the lines on stderr tell them apart/);
  }
  const errors = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  assert.match(errors.replace(/\s+/g, ' '), /The exception is `jobs run` and `clusters run-node` once the job or node has started/);
});

test('gy4: as the help says, a started job exits with its command\'s status, a refused one with 9 and nothing started', async () => {
  const mk = await gatehouseInProcess(['apply', '-f', '-'], env(), { stdin: 'apiVersion: gatehouse.dev/v1\nkind: Workspace\nmetadata: {name: gy4}\nspec: {members: [{user: admin}]}\n' });
  assert.equal(mk.code, 0, mk.stdout + mk.stderr);
  const ran = await gatehouseInProcess(['jobs', 'run', '--workspace', 'gy4', '--role', 'none', '--no-imds', '--', 'sh', '-c', 'exit 9'], env());
  assert.equal(ran.code, 9, ran.stderr);
  assert.match(ran.stderr, /^gatehouse: job \w+ \(job-\w+\) in workspace gy4/m);
  assert.match(ran.stderr, /^gatehouse: job \w+ ended with status 9$/m);
  const refused = await gatehouseInProcess(['jobs', 'run', '--workspace', 'gy4', '--role', 'arn:aws:iam::000000000000:role/gy4-missing', '--', 'true'], env());
  assert.equal(refused.code, 9, refused.stderr);
  assert.doesNotMatch(refused.stderr, /^gatehouse: job \w+/m);
});
