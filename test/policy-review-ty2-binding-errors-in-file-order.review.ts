/**
 * Review ty, 2: an IAM policy of role bindings (GCP's shape: `iam-policy set --file`, PUT /v1/iam-policies, apply's
 * kind IamPolicy) is a document given as a value, and its errors came in the order the parser checks a binding's fields
 * (`role`, then `members`, then `condition`), whatever the file's: a binding written `members` first was refused at its
 * later line first, in `iam-policy set`'s lines and in the answer's `details` (whose first the message names). Contract:
 * docs/errors.md and docs/decisions.md (a file's errors in the order of their places in it: reviews tm, 3; ts, 2; ty, 1).
 * Now the bindings parser orders its errors by the value's elements (src/core/iam/json.ts `inValueOrder`). The real CLI
 * in process and SigV4-signed /v1/ calls against a real server on 127.0.0.1 (SQLite).
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/ty2';
// `members` (line 2) before `role` (line 3), both refused.
const FILE = `bindings:
  - members: ["user:ann", "nobody:x"]
    role: viewer
`;

describe('a binding\'s errors in file order (review ty, 2)', () => {
  const w = applyWorkspace('ty2');

  it('PUT /v1/iam-policies lists them in the order the body writes them, and its message names the first', async () => {
    const r = await gatehouseJson(w.server.url, w.server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings: [{ members: ['user:ann', 'nobody:x'], role: 'viewer' }] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const error = r.json['error'] as { message: string; details: { path: string }[] };
    assert.deepEqual(error.details.map((d) => d.path), ['bindings[0].members[1]', 'bindings[0].role'], JSON.stringify(r.json));
    assert.match(error.message, /^member `nobody:x`/, JSON.stringify(r.json));
  });

  it('iam-policy set --file prints them by line', async () => {
    const c = await w.cli('iam-policy', 'set', MODEL, '--file', await w.file('p.yaml', FILE));
    assert.equal(c.status, 3, c.err);
    assert.deepEqual([...c.err.matchAll(/p\.yaml:(\d+):\d+: /g)].map((m) => Number(m[1])), [2, 3], c.err);
  });
});
