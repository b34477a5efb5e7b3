/**
 * Review `ea` (a demanding new user follows the README), 4: §7 gives `npx gatehouse who-can --action s3:GetObject
 * --resource arn:aws:s3:::ml-datasets/train/x` and says what its `through` part needs
 * (`iam:GetAccountAuthorizationDetails`), and what escalation-paths' caller needs, but not what who-can's own caller
 * needs: an auditor given `gatehouse:Authorize` (the permission of every other question) was refused `iam:ListUsers`,
 * then `iam:ListRoles`, one at a time. The README now names the three; each is checked here by taking it away.
 *
 * The README's command is taken from its text and run as written (in process, `cliAgainst`) against a real server
 * (startTestServer, SQLite in a temporary dir) with the tour's organisation applied from examples/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let s: TestServer;
let readme = '';
/** The README's who-can command, its words after `npx gatehouse`. */
let command: string[] = [];

before(async () => {
  readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const shown = /`npx gatehouse (who-can --action [^`]+)`/.exec(readme)?.[1];
  assert.ok(shown !== undefined, 'the README shows a who-can command');
  command = shown.split(/\s+/);
  s = await startTestServer();
  const applied = await cliAgainst(s, ['apply', '-f', 'examples/config', 'examples/demo']);
  assert.equal(applied.status, 0, applied.err);
});
after(() => s?.stop());

/** A user allowed `actions` on everything, and its key. */
async function userAllowed(name: string, actions: readonly string[]): Promise<Credentials> {
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] };
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name }, spec: { inlinePolicies: { ask: policy } } }] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: name });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  await s.running.app.refresh();
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

test('ea4: the README\'s who-can command, as written, lists the tour\'s readers', async () => {
  const r = await cliAgainst(s, command);
  assert.equal(r.status, 0, r.err);
  for (const who of ['alice', 'bob', 'training-default']) assert.match(r.out, new RegExp(`^(user|role)\\s+${who}\\s`, 'm'), r.out);
});

test('ea4: who-can\'s caller needs what the README says, each refused by name without it, and nothing more', async () => {
  const NEEDS = ['iam:ListUsers', 'iam:ListRoles', 'gatehouse:Authorize'] as const;
  const sentence = readme.replace(/\s+/g, ' ');
  assert.ok(sentence.includes(`The caller needs \`${NEEDS[0]}\`, \`${NEEDS[1]}\` and \`${NEEDS[2]}\`.`), 'the README names who-can\'s caller\'s permissions');
  const enough = await cliAgainst(s, command, await userAllowed('auditor', NEEDS));
  assert.equal(enough.status, 0, enough.err);
  assert.match(enough.out, /^user\s+alice\s/m);
  // Without iam:GetAccountAuthorizationDetails, `through` is left out, saying so, as the README says.
  assert.match(enough.out, /who can come to act as the roles allowed is not listed \(through\): .*iam:GetAccountAuthorizationDetails/);
  for (const missing of NEEDS) {
    const r = await cliAgainst(s, command, await userAllowed(`without-${missing.replace(':', '-').toLowerCase()}`, NEEDS.filter((a) => a !== missing)));
    assert.equal(r.status, 9, `${missing}: ${r.out}${r.err}`);
    assert.match(r.err, new RegExp(`AccessDenied: .*${missing}`), missing);
  }
});
