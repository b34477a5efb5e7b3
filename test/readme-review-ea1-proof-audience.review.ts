/**
 * Review `ea` (a demanding new user follows the README), 1: §8's binding of a `principalProof` to its resource server.
 *
 * - The README said "A question with `audience` refuses an unbound proof, and a bound proof needs its `audience` (400
 *   on `audience`)": read as written, both refusals are 400s on `audience`. The first is a 400 on `principalProof`
 *   (the proof is what is wrong: it does not sign `x-gatehouse-audience`), the second on `audience`, as
 *   test/authorize-review-dt2-proof-audience.review.ts has them; a resource server mapping the field of a 400 to whom to
 *   blame (its caller's proof, or its own question) was told the wrong one. Now the README gives each its field.
 * - The README's SDK v3 snippet (the caller's side) was run by no test. Here it is taken from the README as written,
 *   pointed at a real server with alice's key, run by Node.js 24 in its own process, and its proof asked about with the
 *   audience the snippet's comment names: decided for alice.
 *
 * Against a real server (startTestServer, SQLite in a temporary dir); the resource server's side signed with
 * `@smithy/signature-v4` (test/support/resource-server.ts `gatehouseJson`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { run } from './support/processes.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice';
const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::data/x.txt' };
const V = '2012-10-17';

let s: TestServer;
let readme: string;
let alice: Credentials;
let gate: Credentials;
let work: string;

before(async () => {
  readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  work = await mkdtemp(join(tmpdir(), 'gh-ea1-'));
  s = await startTestServer();
  const doc = (name: string, Action: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name }, spec: { inlinePolicies: { p: { Version: V, Statement: [{ Effect: 'Allow', Action, Resource: '*' }] } } } });
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('alice', 's3:GetObject'), doc('gate', 'gatehouse:Authorize')] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  alice = await key('alice');
  gate = await key('gate');
  await s.running.app.refresh();
});
after(async () => {
  await s?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function key(user: string): Promise<Credentials> {
  const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: user });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

/** A presigned GetCallerIdentity of alice's, bound to `audience` when given. */
async function proof(audience?: string): Promise<string> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: alice, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, ...(audience !== undefined ? { 'x-gatehouse-audience': audience } : {}) } },
    { expiresIn: 60 },
  );
  return `${s.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
}

/** The field a refused question's 400 names. */
async function refusedOn(body: Record<string, unknown>): Promise<string> {
  const r = await gatehouseJson(s.url, gate, 'POST', '/v1/authorize', body);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const path = (r.json as { error?: { details?: { path?: string }[] } }).error?.details?.[0]?.path;
  assert.ok(path !== undefined && path !== '', JSON.stringify(r.json));
  return path;
}

/** The README's text with its line breaks as spaces, as a reader reads it. */
const prose = (): string => readme.replace(/\s+/g, ' ');

test('ea1: §8 gives each refusal of a question with `audience` or a bound proof the field the server answers it on', async () => {
  const unboundWithAudience = await refusedOn({ principalProof: await proof(), audience: 'https://objects.example', ...Q });
  const boundWithout = await refusedOn({ principalProof: await proof('https://objects.example'), ...Q });
  assert.equal(unboundWithAudience, 'principalProof');
  assert.equal(boundWithout, 'audience');
  const text = prose();
  assert.ok(text.includes(`A question with \`audience\` refuses an unbound proof (400 on \`${unboundWithAudience}\`)`), 'the README says on which field an unbound proof is refused');
  assert.ok(text.includes(`a bound proof needs its \`audience\` (400 on \`${boundWithout}\`)`), 'the README says on which field a bound proof without audience is refused');
});

test('ea1: §8, the README\'s SDK v3 snippet as written makes a proof decided for its caller with the audience it names', async () => {
  const block = /\n```ts\n(import \{ SignatureV4 \}[\s\S]*?)\n```\n/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'the README shows the caller\'s side with SDK v3');
  const origin = "new URL('https://gatehouse.example:8470')";
  assert.ok(block.includes(origin), 'the snippet names the Gatehouse it signs for');
  const audience = /x-gatehouse-audience': '([^']+)'/.exec(block)?.[1];
  assert.ok(audience !== undefined, 'the snippet binds the proof to an audience');
  assert.match(block, new RegExp(`"audience": "${audience.replace(/[.]/g, '\\.')}"`), 'the comment asks with the audience the proof is bound to');
  // The snippet as written, its imports resolved from this repository (it runs outside it), the server and key given.
  const script = block
    .replace("from '@smithy/signature-v4'", `from '${import.meta.resolve('@smithy/signature-v4')}'`)
    .replace("from '@aws-crypto/sha256-js'", `from '${import.meta.resolve('@aws-crypto/sha256-js')}'`)
    .replace(origin, 'new URL(process.env.GATEHOUSE_URL!)');
  const file = join(work, 'caller.ts');
  await writeFile(file, `const credentials = JSON.parse(process.env.CALLER_KEY!);\n${script}\nprocess.stdout.write(principalProof);\n`);
  const r = await run(process.execPath, [file], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GATEHOUSE_URL: s.url, CALLER_KEY: JSON.stringify(alice) }, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const principalProof = r.stdout;
  assert.equal(new URL(principalProof).searchParams.get('X-Amz-SignedHeaders'), 'host;x-gatehouse-audience');
  const answer = await gatehouseJson(s.url, gate, 'POST', '/v1/authorize', { principalProof, audience, ...Q });
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  assert.equal(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
  assert.equal(answer.json['principal'], ALICE);
  // Bound: the same proof asked about without its audience, or with another, decides nothing.
  assert.equal(await refusedOn({ principalProof, ...Q }), 'audience');
  const other = await gatehouseJson(s.url, gate, 'POST', '/v1/authorize', { principalProof, audience: 'https://models.example', ...Q });
  assert.equal(other.status, 403, JSON.stringify(other.json));
});
