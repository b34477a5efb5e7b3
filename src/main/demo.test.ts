import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditTable, refusalOf, type AuditRow } from './demo.ts';

test('a refusal is a server’s 4xx answer; an error on the client’s side is not one', () => {
  const answered = (name: string, status: number) => Object.assign(new Error('m'), { name, $metadata: { httpStatusCode: status } });
  assert.equal(refusalOf(answered('AccessDenied', 403)).refused, true);
  assert.equal(refusalOf(answered('ExpiredToken', 400)).refused, true);
  assert.deepEqual(refusalOf(answered('InternalError', 500)), { refused: false, name: 'InternalError', message: 'm', status: 500 });
  // What the demo once mistook for a refusal: the SDK throwing before any request was sent.
  assert.equal(refusalOf(new TypeError('identity.expiration.getTime is not a function')).refused, false);
  assert.equal(refusalOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).refused, false);
});

test('the audit table: runs of one principal’s changes or decisions are one row; a denial stands alone', () => {
  let seq = 0;
  const r = (kind: string, principal: string, action: string, resource: string, decision: string): AuditRow => ({ seq: ++seq, at: '', kind, principal, action, resource, decision, detail: {} });
  const admin = 'arn:aws:iam::000000000000:user/admin';
  const job = 'arn:aws:sts::000000000000:assumed-role/R/job-x';
  const rows = auditTable([
    r('change', admin, 'iam:CreateRole', 'arn:aws:iam::000000000000:role/a', 'ok'),
    r('change', admin, 'iam:CreateRole', 'arn:aws:iam::000000000000:role/b', 'ok'),
    r('change', admin, 'training:CreateWorkspace', 'arn:aws:training::000000000000:workspace/w', 'ok'),
    r('decision', job, 's3:GetObject', 'arn:aws:s3:::b/datasets/1', 'Allow'),
    r('decision', job, 's3:GetObject', 'arn:aws:s3:::b/datasets/2', 'Allow'),
    r('decision', job, 's3:PutObject', 'arn:aws:s3:::b/checkpoints/0', 'Allow'),
    r('decision', job, 's3:GetObject', 'arn:aws:s3:::other/x', 'ImplicitDeny'),
    r('job', 'arn:aws:iam::000000000000:user/bob', 'training:CreateJob', 'arn:aws:training::000000000000:workspace/s', 'Deny'),
  ]);
  assert.equal(rows.length, 5, rows.join('\n'));
  assert.match(rows[0] ?? '', /^SEQ\s+PRINCIPAL\s+ACTION\s+RESOURCE\s+DECISION$/);
  assert.match(rows[1] ?? '', /^1–3\s+user\/admin\s+3 changes: CreateRole ×2, CreateWorkspace\s+3 resources\s+ok$/);
  assert.match(rows[2] ?? '', /^4–6\s+assumed-role\/R\/job-x\s+s3: GetObject ×2, PutObject\s+s3:::b\/…\s+Allow$/);
  assert.match(rows[3] ?? '', /^7\s+assumed-role\/R\/job-x\s+s3:GetObject\s+s3:::other\/x\s+ImplicitDeny$/);
  assert.match(rows[4] ?? '', /^8\s+user\/bob\s+training:CreateJob\s+workspace\/s\s+Deny$/);
});
