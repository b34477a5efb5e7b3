/**
 * Review je, 4. docs/errors.md is the error contract, but only its CLI exit column was checked against the code
 * (test/cli-policy.test.ts), and the page had drifted elsewhere:
 * - the S3 gateway's table lacked two codes the gateway answers, `InvalidPartNumber` (416, a GetObject `partNumber`
 *   past a single-part object) and `StorageFull` (507, a full data volume), while `S3ErrorCode` held a code nothing
 *   raises (`MissingSecurityHeader`);
 * - the Kubernetes webhooks were said to answer 400, 405 and 413, but they also answer 401 `Unauthorized` (a missing or
 *   wrong webhook token, what an operator meets first), 404 `NotFound`, 500 and 503.
 *
 * These tests read the page mechanically: every `ErrorCode` row's HTTP status and AWS code are `HTTP_ERRORS`' (and
 * its exit status `EXIT_CODES`'), every code of `S3_STATUS` has a row with its status and every row a code, and every
 * status a webhook answers has its entry. A webhook answered without its token shows the 401 is real.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ERROR_CODES } from '../src/core/errors.ts';
import { HTTP_ERRORS } from '../src/adapters/http/errors.ts';
import { EXIT_CODES } from '../src/adapters/cli/exit-codes.ts';
import { S3_STATUS } from '../src/adapters/s3/errors.ts';
import { STATUS_REASONS } from '../src/adapters/http/k8s-api.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let doc = '';
before(async () => {
  doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  s = await startTestServer();
});
after(() => s?.stop());

const cellsOf = (row: string): string[] => row.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, '').trim());

test('each error code row gives the HTTP status, AWS code and exit status the edges use', () => {
  const wrong: string[] = [];
  for (const code of ERROR_CODES) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    if (row === undefined) {
      wrong.push(`${code}: no row`);
      continue;
    }
    const cells = cellsOf(row);
    const [http, aws, exit] = cells.slice(-3);
    if (http !== String(HTTP_ERRORS[code].status)) wrong.push(`${code}: HTTP ${http}, the edge answers ${HTTP_ERRORS[code].status}`);
    if (!aws?.includes(`\`${HTTP_ERRORS[code].aws}\``)) wrong.push(`${code}: AWS code ${aws}, the edge answers ${HTTP_ERRORS[code].aws}`);
    if (exit !== String(EXIT_CODES[code])) wrong.push(`${code}: exit ${exit}, the CLI exits ${EXIT_CODES[code]}`);
  }
  assert.deepEqual(wrong, []);
});

test("the S3 gateway's table has a row for every code it answers, with its status, and none other", () => {
  const start = doc.indexOf('## S3 gateway');
  assert.ok(start > 0);
  const rows = doc
    .slice(start)
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  const documented = new Map<string, string>();
  for (const row of rows) {
    const cells = cellsOf(row);
    for (const m of (cells[0] ?? '').matchAll(/`([A-Za-z0-9]+)`/g)) documented.set(m[1] as string, cells.at(-1) as string);
  }
  const wrong: string[] = [];
  for (const [code, status] of Object.entries(S3_STATUS)) {
    const d = documented.get(code);
    if (d === undefined) wrong.push(`${code} (${status}): no row`);
    else if (d !== String(status)) wrong.push(`${code}: documented ${d}, answered ${status}`);
  }
  for (const code of documented.keys()) if (!(code in S3_STATUS)) wrong.push(`${code}: a row, but no such code`);
  assert.deepEqual(wrong, []);
});

test('every status a Kubernetes webhook answers is documented, 401 among them', async () => {
  const r = await fetch(new URL('/k8s/c1/authorize', s.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const status = (await r.json()) as { code: number; reason: string };
  assert.equal(r.status, 401);
  assert.equal(status.reason, 'Unauthorized');
  const start = doc.indexOf('The Kubernetes webhooks (`/k8s/');
  const section = doc.slice(start, doc.indexOf('\n### ', start));
  const missing = Object.entries(STATUS_REASONS).filter(([code, reason]) => !section.includes(`**${code} \`${reason}\`**`) && !(code === '400' && section.includes('**400**')));
  assert.deepEqual(missing, []);
});
