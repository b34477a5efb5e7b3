/**
 * Review vo, 2: `GET /v1/audit?action=` (and `audit query --action`, the console's Action filter) reads IAM's
 * wildcards, and the filter also lists records kept under an action's former name (`actionFilterNames`): each former
 * name was tested against the pattern turned into a regular expression, one `.*` per `*`. A pattern of many `*` and a
 * character no former name ends with (`**********a`, 11 characters) made V8 backtrack through every way of splitting a
 * former name (`ram:createopenidconnectprovider`…) among the `.*`s: 47 s of the server's one thread for nine `*`,
 * beyond any wait for twenty, while no decision, session or health probe was answered. A principal of any account
 * allowed to read its own account's records could send it. Now the pattern is matched by a loop that backtracks to the
 * last `*` only (linear in practice, at most pattern × name steps). A `gatehouse server` in its own process, so that a
 * frozen one fails the test instead of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverProcess, type ServerProcess } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';

let work: string;
let s: ServerProcess | undefined;
let admin: { accessKeyId: string; secretAccessKey: string };

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-vo2-'));
  s = await serverProcess(['--data-dir', join(work, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { HOME: work });
  const c = JSON.parse(await readFile(join(work, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  admin = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
});
after(async () => {
  if (s !== undefined && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

/** `p`, or `late` once `ms` have passed. */
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'late'> =>
  Promise.race([p, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref())]);

test('an action pattern of many wildcards is answered at once, and the server goes on answering', async () => {
  const url = (s as ServerProcess).url;
  for (const action of [`${'*'.repeat(12)}a`, `${'*'.repeat(40)}x`, `${'?*'.repeat(30)}z`, `iam:${'*'.repeat(30)}openidconnectproviderx`]) {
    const r = await within(gatehouseJson(url, admin, 'GET', `/v1/audit?action=${encodeURIComponent(action)}`), 10_000);
    assert.notEqual(r, 'late', `GET /v1/audit?action=${action} was not answered within 10 s`);
    if (r === 'late') return;
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  const health = await within(fetch(`${url}/healthz`), 5_000);
  assert.ok(health !== 'late' && health.status === 200, 'the server answers its health probe');
  // The wildcards still mean what they did: the root account's creation at first start is `iam:CreateAccount`.
  for (const [pattern, found] of [['IAM:*Account', true], ['*create?ccount', true], ['**c*r*e*a*t*e*a*c*c*o*u*n*t**', true], ['iam:*accounts', false]] as const) {
    const r = await gatehouseJson(url, admin, 'GET', `/v1/audit?action=${encodeURIComponent(pattern)}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((r.json['records'] as { action: string }[]).some((x) => x.action === 'iam:CreateAccount'), found, `${pattern}: ${JSON.stringify(r.json)}`);
  }
});
