/**
 * `--upstream` / `--s3-address` refused: the message names the option and what is wrong, and never echoes what
 * precedes an `@` (a user name and password given in the URL; review agent, U5), whether or not the URL parses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBaseUrl } from '../src/main/server.ts';

test('a refused base URL is named without its credentials', () => {
  assert.throws(() => parseBaseUrl('http://agent:s3cr3t-pw@10.0.0.5:8471', '--upstream'), (e: Error) => {
    assert.match(e.message, /--upstream must be an http:\/\/ or https:\/\/ URL without credentials/);
    assert.match(e.message, /agent:…@10\.0\.0\.5:8471/);
    assert.doesNotMatch(e.message, /s3cr3t-pw/);
    return true;
  });
  // One that does not parse at all (a port out of range) is not echoed with its password either.
  assert.throws(() => parseBaseUrl('http://u:hunter22@host:99999', '--upstream'), (e: Error) => {
    assert.match(e.message, /--upstream must be an http:\/\/ or https:\/\/ URL, got/);
    assert.doesNotMatch(e.message, /hunter22/);
    return true;
  });
  assert.throws(() => parseBaseUrl('ftp://host/x', '--s3-address'), /--s3-address must be .* got `ftp:\/\/host\/x`/);
  assert.equal(parseBaseUrl('http://127.0.0.1:8471/', '--upstream'), 'http://127.0.0.1:8471');
});
