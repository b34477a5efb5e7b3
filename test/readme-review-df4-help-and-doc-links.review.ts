/**
 * Review `df` (the documentation a new user reads, checked against the product), 4: what a reader is pointed at must
 * be there.
 *
 * - `policy evaluate --help` said `--principal` is "a user, root, assumed-role session or role ARN, or a service
 *   principal"; it also takes a federated-user ARN (GetFederationToken's sessions, decided with their session-policy
 *   rule) and `anonymous` (only a resource policy naming everyone grants), as docs/errors.md
 *   (`REQUEST_INVALID_PRINCIPAL`) and docs/semantics.md say. Both are decided here, and the help names them.
 * - docs/semantics.md named `shared/reference/policy-semantics.md` as its source of truth and DESIGN.md, and
 *   docs/dependencies.md named STYLE.md: files a reader of the repository does not have. The documents a user reads
 *   now name only files the repository holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/adapters/cli/program.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';

const root = new URL('../', import.meta.url);

async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runCli(args, { out: (t) => void (out += t), err: (t) => void (err += t), readFile: (p) => readFile(p, 'utf8'), now: () => Date.now(), version: 'test', env: {} });
  return { status, out, err };
}

test('df4: policy evaluate takes the federated-user and anonymous principals its --help names', async () => {
  const help = await cli(['policy', 'evaluate', '--help']);
  assert.match(help.out.replace(/\s+/g, ' '), /--principal <arn> .*federated-user ARN.*anonymous/);
  const work = await mkdtemp(join(tmpdir(), 'gatehouse-df4-'));
  try {
    const identity = join(work, 'identity.json');
    const bucket = join(work, 'bucket.json');
    await writeFile(identity, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }));
    await writeFile(bucket, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::public/*' }] }));
    const federated = await cli(['policy', 'evaluate', '--policy', identity, '--principal', 'arn:aws:sts::111122223333:federated-user/bob', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k']);
    assert.equal(federated.status, EXIT.denied, federated.err);
    assert.match(federated.out, /^ImplicitDeny: this federated user’s session was given no session policy/);
    const anonymous = await cli(['policy', 'evaluate', '--resource-policy', bucket, '--principal', 'anonymous', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::public/k', '--resource-account', '111122223333']);
    assert.equal(anonymous.status, EXIT.ok, anonymous.err);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('df4: README and the docs a user reads name only .md files the repository holds', async () => {
  for (const file of ['README.md', 'docs/errors.md', 'docs/documents.md', 'docs/semantics.md', 'docs/dependencies.md', 'docs/engine-api.md']) {
    const text = await readFile(new URL(file, root), 'utf8');
    const dir = new URL(file.includes('/') ? 'docs/' : './', root);
    for (const [name] of text.matchAll(/[\w./-]+\.md\b/g)) {
      const found = await Promise.any([access(new URL(name, root)), access(new URL(name, dir))]).then(
        () => true,
        () => false,
      );
      assert.ok(found, `${file} names ${name}, which is not in the repository`);
    }
  }
});
