/**
 * Temporary key ids carrying their account (key-id.ts): the layout AWS's decoders read, both prefixes, the accounts at
 * the ends of the range, ids that carry none, and GetAccessKeyInfo's constraints on the parameter.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessKeyIdProblem, accountOfTemporaryKeyId, temporaryKeyId } from './key-id.ts';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('temporary key ids', () => {
  it('carry their account where AWS’s do, and read it back', () => {
    // An id AWS issued, decoded by the published decoders (base32, first 48 bits masked with 0x7fffffffff80, >> 7).
    assert.equal(accountOfTemporaryKeyId('ASIAY34FZKBOKMUTVV7A'), '609629065308');
    for (const account of ['000000000000', '000000000001', '123456789012', '999999999999']) {
      for (const random of [bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), bytes(255, 255, 255, 255, 255, 255, 255, 255, 255, 255), bytes(7, 1, 2, 3, 4, 5, 6, 7, 8, 9)]) {
        const aws = temporaryKeyId('aws', account, random);
        assert.match(aws, /^ASIA[A-Z2-7]{16}$/);
        assert.equal(accountOfTemporaryKeyId(aws), account, aws);
        const acs = temporaryKeyId('acs', account, random);
        assert.match(acs, /^STS\.[A-Z2-7]{24}$/);
        assert.equal(accountOfTemporaryKeyId(acs), account, acs);
      }
    }
  });

  it('differ by their random bits', () => {
    assert.notEqual(temporaryKeyId('aws', '123456789012', bytes(1, 0, 0, 0, 0)), temporaryKeyId('aws', '123456789012', bytes(2, 0, 0, 0, 0)));
    assert.notEqual(temporaryKeyId('aws', '123456789012', bytes(0, 0, 0, 0, 1)), temporaryKeyId('aws', '123456789012', bytes(0, 0, 0, 0, 2)));
    assert.notEqual(temporaryKeyId('acs', '123456789012', bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 1)), temporaryKeyId('acs', '123456789012', bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 2)));
  });

  it('an id carrying no 12-digit account, or not a temporary one, has none', () => {
    assert.equal(accountOfTemporaryKeyId('AKIAY34FZKBOKMUTVV7A'), undefined, 'a long-term key id: looked up, not read');
    assert.equal(accountOfTemporaryKeyId('ASIAY34FZKBO'), undefined, 'too short');
    assert.equal(accountOfTemporaryKeyId('ASIAY34FZKB0KMUTVV7A'), undefined, '0 is no base32 character');
    // 40 bits of ones: 1,099,511,627,775, past 12 digits.
    assert.equal(accountOfTemporaryKeyId('ASIA7777777777777777'), undefined);
  });
});

describe('GetAccessKeyInfo’s AccessKeyId', () => {
  it('is 16 to 128 word characters (a dot after STS), said in STS’s words without the value', () => {
    assert.equal(accessKeyIdProblem('AKIAIOSFODNN7EXAMPLE'), undefined);
    assert.equal(accessKeyIdProblem('STS.NUgYrLnoC37mZZCNnAbez2Ewq'), undefined);
    assert.match(accessKeyIdProblem('AKIA') ?? '', /Value at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16$/);
    assert.match(accessKeyIdProblem('A'.repeat(129)) ?? '', /length less than or equal to 128$/);
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    assert.match(accessKeyIdProblem(secret) ?? '', /regular expression pattern: \[\\w\]\*$/);
    assert.doesNotMatch(accessKeyIdProblem(secret) ?? '', /wJalr/);
    assert.match(accessKeyIdProblem('AKIA.IOSFODNN7EXAMPLE') ?? '', /pattern/, 'a dot only after STS');
  });
});
