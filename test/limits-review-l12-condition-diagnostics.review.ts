/**
 * A decision names at most 10 statements whose condition did not hold, and counts the rest in one line (review
 * limits, L12). Before, each missed statement was its own diagnostic, so a batch multiplied them by its questions: a
 * user with one policy of 50 conditioned statements asking about itself 1,000 times (153 KB) was answered 7.8 MB, and
 * with 11 values of 100 characters a question (1.3 MB) 60 MB after 11 s.
 *
 * Against a real server through `/v1/authorize` and `/v1/authorize:batch` (SigV4, the user's own key):
 * - one question missing 50 statements lists 10 of them and `the conditions of 40 more statements did not hold`;
 * - a question missing 10 or fewer lists every one, with no count line;
 * - a batch of 1,000 such questions is answered in well under 3 MB.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let dave: Credentials;
const DAVE = 'arn:aws:iam::000000000000:user/dave';

async function post(path: string, body: unknown): Promise<{ status: number; bytes: number; json: unknown }> {
  const u = new URL(server.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: dave, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body: text });
  const r = await fetch(new URL(path, u), { method: 'POST', headers: signed.headers, body: text });
  const answer = await r.text();
  return { status: r.status, bytes: answer.length, json: JSON.parse(answer) as unknown };
}

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  // One policy of 50 statements allowing s3:ListBucket on one prefix each, one of 5 allowing s3:GetObject on one tag value each.
  const prefixes = Array.from({ length: 50 }, (_, i) => ({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b', Condition: { StringEquals: { 's3:prefix': `p${i}` } } }));
  const tags = Array.from({ length: 5 }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Condition: { StringEquals: { 's3:ExistingObjectTag/team': `t${i}` } } }));
  await iam.send(new CreateUserCommand({ UserName: 'dave' }));
  for (const [name, Statement] of [['prefixes', prefixes], ['tags', tags]] as const) {
    await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'dave', PolicyArn: `arn:aws:iam::000000000000:policy/${name}` }));
  }
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'dave' }));
  dave = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
});
after(async () => {
  await server?.stop();
});

const question = { principal: DAVE, action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'x' } };

describe('condition misses per decision (review limits, L12)', () => {
  it('names 10 missed statements and counts the other 40', async () => {
    const r = await post('/v1/authorize', question);
    assert.equal(r.status, 200);
    const json = r.json as { decision: string; diagnostics: string[] };
    assert.equal(json.decision, 'ImplicitDeny');
    const iam = json.diagnostics.filter((d) => d.startsWith('iam: '));
    assert.equal(iam.length, 11, iam.join('\n'));
    for (let i = 0; i < 10; i++) assert.match(iam[i] ?? '', new RegExp(`^iam: identity policy \`arn:aws:iam::000000000000:policy/prefixes\` statement ${i}: \`s3:prefix\` = \`x\` does not satisfy StringEquals \\["p${i}"\\]`));
    assert.equal(iam[10], "iam: the conditions of 40 more statements did not hold (IAM's SimulatePrincipalPolicy lists every statement)");
  });

  it('names every missed statement when there are 10 or fewer', async () => {
    const r = await post('/v1/authorize', { principal: DAVE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 's3:ExistingObjectTag/team': 'x' } });
    const json = r.json as { decision: string; diagnostics: string[] };
    assert.equal(json.decision, 'ImplicitDeny');
    const iam = json.diagnostics.filter((d) => d.startsWith('iam: '));
    assert.equal(iam.length, 5, iam.join('\n'));
    assert.ok(iam.every((d) => d.includes('does not satisfy StringEquals')), iam.join('\n'));
  });

  it('a batch of 1,000 such questions is answered in under 3 MB', async () => {
    const r = await post('/v1/authorize:batch', { requests: Array.from({ length: 1000 }, () => question) });
    assert.equal(r.status, 200);
    const json = r.json as { results: { decision: string; diagnostics: string[] }[] };
    assert.equal(json.results.length, 1000);
    assert.ok(json.results.every((x) => x.decision === 'ImplicitDeny' && x.diagnostics.filter((d) => d.startsWith('iam: ')).length === 11));
    assert.ok(r.bytes < 3_000_000, `the answer is ${r.bytes} bytes`);
  });
});
