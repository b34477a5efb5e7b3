/**
 * Review id, 4 (CLI): `iam users delete --help` and `iam roles delete --help` left out inline policies.
 *
 * What was wrong: the help said to `detach its policies first` (and, for a user, remove its keys and group
 * memberships), but a user or role with an inline policy is refused too (`DeleteConflict: role \`r\` still has inline
 * policies`, exit 7), as IAM refuses it: someone who did what the help says met a refusal it never mentioned, and
 * `detach` is not how an inline policy goes (`iam delete-inline`).
 *
 * What is now so: both say to detach managed policies and delete inline ones (`iam delete-inline`), which is what the
 * server asks before it deletes.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('cli review id4: delete help names what must go first', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await writeFile(join(s.dataDir, 'trust.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"training.gatehouse.dev"},"Action":"sts:AssumeRole"}]}');
    await writeFile(join(s.dataDir, 'doc.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}');
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, { cwd: s.dataDir });

  for (const [kind, create] of [['roles', ['iam', 'roles', 'create', 'id4', '--trust-policy', 'trust.json']], ['users', ['iam', 'users', 'create', 'id4']]] as const) {
    it(`iam ${kind} delete: an inline policy must go first, and the help says so`, async () => {
      assert.equal((await cli(create)).code, 0);
      const target = kind === 'roles' ? '--role' : '--user';
      assert.equal((await cli(['iam', 'put-inline', 'p', target, 'id4', '--document', 'doc.json'])).code, 0);
      const refused = await cli(['iam', kind, 'delete', 'id4']);
      assert.equal(refused.code, 7, refused.stderr);
      assert.match(refused.stderr, /still has inline policies/);
      const help = await cli(['iam', kind, 'delete', '--help']);
      assert.match(help.stdout.replace(/\s+/g, ' '), /delete its inline policies \(iam delete-inline\)/);
      assert.equal((await cli(['iam', 'delete-inline', 'p', target, 'id4'])).code, 0);
      assert.equal((await cli(['iam', kind, 'delete', 'id4'])).code, 0);
    });
  }
});
