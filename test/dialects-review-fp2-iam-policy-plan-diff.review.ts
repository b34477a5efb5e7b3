/**
 * Review fp, 2: the GCP example (shared/examples/gcp, examples/gcp) redoes the Pulumi program's
 * `serviceaccount.IAMMember` — which adds one member and takes nothing away — as an `IamPolicy` document `iam-member`
 * on `account/<id>`. An account has one IAM policy, whatever document set it: applied to an account whose policy
 * another document (`team-viewers`, binding roles/ml.viewer to user:analyst) had set, it replaced that policy, and
 * `gatehouse plan` and `apply` said only `~ update IamPolicy/iam-member (bindings)`: neither that the policy was
 * `team-viewers`' nor that user:analyst lost a role. Now an IamPolicy update lists, under its line as for policy
 * documents (`kubectl diff`, `terraform plan`), the document name it replaces (`~ metadata.name`) and each member a
 * binding loses (`-`) or gains (`+`), in `--json` too; a write that changes nothing is still `unchanged`.
 * Real server, the real CLI in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const SA = 'serviceAccount:my-service-account@000000000000.iam.gatehouse.dev';
const ROLE = `apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: my-service-account}
spec:
  trustPolicy:
    Version: "2012-10-17"
    Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: sts:AssumeRole}]
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: analyst}
spec: {}
`;
const TEAM = `apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: team-viewers}
spec:
  resource: account/000000000000
  bindings:
    - role: roles/ml.viewer
      members: [user:analyst]
    - role: roles/container.clusterViewer
      members: [user:analyst]
`;
const MEMBER = `apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: iam-member}
spec:
  resource: account/000000000000
  bindings:
    - role: roles/container.clusterViewer
      members: [user:analyst, "${SA}"]
`;

let s: TestServer;
let dir: string;
const cli = (...args: string[]) => cliAgainst(s, args);

before(async () => {
  s = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-fp2-'));
  for (const [f, text] of [['base.yaml', ROLE], ['team.yaml', TEAM], ['member.yaml', MEMBER]] as const) await writeFile(join(dir, f), text);
  for (const f of ['base.yaml', 'team.yaml']) {
    const r = await cli('apply', '-f', join(dir, f));
    assert.equal(r.status, 0, r.err);
  }
});
after(async () => {
  await s?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('plan names the document whose policy is replaced and every member lost or gained', async () => {
  const r = await cli('plan', '-f', join(dir, 'member.yaml'));
  assert.equal(r.status, 0, r.err);
  assert.equal(
    r.out,
    [
      'account 000000000000',
      '  ~ update IamPolicy/iam-member (bindings, name)',
      '      ~ metadata.name: "team-viewers" → "iam-member"',
      '      - bindings[roles/ml.viewer]: "user:analyst"',
      `      + bindings[roles/container.clusterViewer]: "${SA}"`,
      'plan: 0 to create, 1 to update, 0 to delete, 0 unchanged (nothing changed; `gatehouse apply` applies it)',
      '',
    ].join('\n'),
  );
  const json = JSON.parse((await cli('plan', '-f', join(dir, 'member.yaml'), '--json')).out) as { changes: { kind: string; diff?: { op: string; path: string }[] }[] };
  assert.deepEqual(
    json.changes.find((c) => c.kind === 'IamPolicy')?.diff?.map((d) => `${d.op} ${d.path}`),
    ['~ metadata.name', '- bindings[roles/ml.viewer]', '+ bindings[roles/container.clusterViewer]'],
  );
});

test('apply says the same; the same document again is unchanged, and only its own changes are listed after', async () => {
  const applied = await cli('apply', '-f', join(dir, 'member.yaml'));
  assert.equal(applied.status, 0, applied.err);
  assert.match(applied.out, /- bindings\[roles\/ml\.viewer\]: "user:analyst"/);
  const again = await cli('plan', '-f', join(dir, 'member.yaml'));
  assert.match(again.out, /= unchanged IamPolicy\/iam-member/);
  await writeFile(join(dir, 'member.yaml'), MEMBER.replace(`[user:analyst, "${SA}"]`, `["${SA}"]`));
  const narrowed = await cli('plan', '-f', join(dir, 'member.yaml'));
  assert.deepEqual(narrowed.out.split('\n').slice(1, 3), ['  ~ update IamPolicy/iam-member (bindings)', '      - bindings[roles/container.clusterViewer]: "user:analyst"']);
});
