/**
 * Review O, finding 4: AssumeRole checks session tag keys (1–128 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, not
 * beginning with `aws:` in any case) and values (0–256 of `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`), and refuses a bad one with
 * 400 ValidationError in AWS's message shape, naming the tag (`tags.N.member.key`). Real SDK v3 clients.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let roleArn: string;

before(async () => {
  server = await startTestServer();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] });
  roleArn = (await server.iam().send(new I.CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
});

after(async () => {
  await server.stop();
});

async function assume(tags: { Key: string; Value: string }[]): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await server.sts().send(new S.AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'tagged', Tags: tags }));
    return { name: 'no error', status: 200, message: '' };
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
}

const KEY_PATTERN = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+';
const VALUE_PATTERN = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*';

describe('AssumeRole session tags', () => {
  test('a key outside the pattern: 400 ValidationError naming tags.1.member.key', async () => {
    const r = await assume([{ Key: 'a#b', Value: 'v' }]);
    assert.deepEqual([r.name, r.status], ['ValidationError', 400], r.message);
    assert.equal(r.message, `1 validation error detected: Value 'a#b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ${KEY_PATTERN}`);
  });

  test('a value outside the pattern: names tags.2.member.value', async () => {
    const r = await assume([{ Key: 'team', Value: 'ok' }, { Key: 'project', Value: 'v<>' }]);
    assert.deepEqual([r.name, r.status], ['ValidationError', 400], r.message);
    assert.equal(r.message, `1 validation error detected: Value 'v<>' at 'tags.2.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ${VALUE_PATTERN}`);
  });

  test('a key beginning with aws: (any case) is reserved', async () => {
    for (const key of ['aws:foo', 'AWS:PrincipalTag', 'Aws:x']) {
      const r = await assume([{ Key: key, Value: 'v' }]);
      assert.deepEqual([r.name, r.status], ['ValidationError', 400], `${key}: ${r.message}`);
      assert.match(r.message, new RegExp(`^1 validation error detected: Value '${key}' at 'tags\\.1\\.member\\.key'`));
      assert.match(r.message, /aws:/);
    }
  });

  test('lengths: a key of 129 characters and a value of 257 are refused', async () => {
    const long = await assume([{ Key: 'k'.repeat(129), Value: '' }]);
    assert.deepEqual([long.name, long.status], ['ValidationError', 400], long.message);
    assert.match(long.message, /at 'tags\.1\.member\.key' failed to satisfy constraint: Member must have length less than or equal to 128/);
    const value = await assume([{ Key: 'k', Value: 'v'.repeat(257) }]);
    assert.match(value.message, /at 'tags\.1\.member\.value' failed to satisfy constraint: Member must have length less than or equal to 256/);
  });

  test('Unicode letters, numbers, spaces and _.:/=+-@ are accepted, and an empty value', async () => {
    const r = await server.sts().send(
      new S.AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'tagged',
        Tags: [
          { Key: 'équipe données', Value: 'vision_2 a.b:c/d=e+f-g@h' },
          { Key: 'k'.repeat(128), Value: '' },
          { Key: 'awsome', Value: 'v'.repeat(256) },
        ],
      }),
    );
    assert.match(r.AssumedRoleUser?.Arn ?? '', /assumed-role\/r1\/tagged$/);
  });
});
