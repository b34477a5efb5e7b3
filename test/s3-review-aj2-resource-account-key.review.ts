/**
 * Review aj, 5, against a real server with the real `@aws-sdk/client-s3`: `s3:ResourceAccount` (the account owning
 * the bucket, which S3 supplies on every request) reaches the decisions, so the data-perimeter guard of identity
 * policies — Deny `s3:*` when `StringNotEquals` `s3:ResourceAccount` [our accounts] — lets a principal use its own
 * account's buckets and still refuses another account's bucket that the other account's policy opens to it. The key
 * was absent, StringNotEquals true, and the guard refused everything, to the principal's own buckets too.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import type { App } from '../src/app/index.ts';
import { createdAccountThrough, userWithPolicy, type TestServer, sdkFailure as failure } from './support/server.ts';
import { serverAppAndS3 } from './support/s3.ts';

const ACCT = '000000000000';
const OTHER = '111111111111';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let app: App;
const s3 = serverAppAndS3((s, a) => ((server = s), (app = a)));
const body = async (r: Promise<S3.GetObjectCommandOutput>): Promise<string> => (await (await r).Body?.transformToString()) ?? '';

describe('5: s3:ResourceAccount is the bucket owner\'s account', () => {
  it('the data-perimeter Deny on s3:ResourceAccount passes the own account\'s bucket and refuses the partner\'s, which its policy opens', async () => {
    const partnerAdmin = s3(await createdAccountThrough(app, server.admin, OTHER, 'partner'));

    await s3().send(new S3.CreateBucketCommand({ Bucket: 'aj2-own' }));
    await s3().send(new S3.PutObjectCommand({ Bucket: 'aj2-own', Key: 'k', Body: 'own' }));
    await partnerAdmin.send(new S3.CreateBucketCommand({ Bucket: 'aj2-partner' }));
    await partnerAdmin.send(new S3.PutObjectCommand({ Bucket: 'aj2-partner', Key: 'k', Body: 'partner' }));
    await partnerAdmin.send(new S3.PutBucketPolicyCommand({ Bucket: 'aj2-partner', Policy: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::aj2-partner/*' }) }));

    const iam = server.iam();
    const reads = { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'], Resource: '*' };
    const user = s3(await userWithPolicy(server, 'perimeter', doc(reads), 'reads'));
    // Without the guard, both read (the partner's policy names this account, the identity policy allows).
    assert.equal(await body(user.send(new S3.GetObjectCommand({ Bucket: 'aj2-partner', Key: 'k' }))), 'partner');

    const perimeter = { Sid: 'OnlyOurBuckets', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 's3:ResourceAccount': [ACCT] } } };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'perimeter', PolicyName: 'reads', PolicyDocument: doc(reads, perimeter) }));
    await app.refresh();
    assert.equal(await body(user.send(new S3.GetObjectCommand({ Bucket: 'aj2-own', Key: 'k' }))), 'own');
    await user.send(new S3.PutObjectCommand({ Bucket: 'aj2-own', Key: 'written', Body: 'w' }));
    assert.equal((await user.send(new S3.ListObjectsV2Command({ Bucket: 'aj2-own' }))).KeyCount, 2);
    // A missing key: NoSuchKey (the ListBucket question that shapes the answer carries the key as well).
    assert.equal((await failure(user.send(new S3.GetObjectCommand({ Bucket: 'aj2-own', Key: 'absent' })))).code, 'NoSuchKey');
    const refused = await failure(user.send(new S3.GetObjectCommand({ Bucket: 'aj2-partner', Key: 'k' })));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /explicit deny in an identity-based policy/);

    // The same guard in a bucket policy, with IfExists: the owner's own principals pass.
    await s3().send(new S3.PutBucketPolicyCommand({ Bucket: 'aj2-own', Policy: doc({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::aj2-own/*', Condition: { StringNotEqualsIfExists: { 's3:ResourceAccount': ACCT } } }) }));
    assert.equal(await body(s3().send(new S3.GetObjectCommand({ Bucket: 'aj2-own', Key: 'k' }))), 'own');
  });
});
