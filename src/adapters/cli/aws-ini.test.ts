import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configProfiles, iniSections, shellSplit } from './aws-ini.ts';

describe('aws-ini: configparser as botocore uses it', () => {
  it('reads sections, keys and values', () => {
    const s = iniSections('# top\n[a]\n  Key_One = 1\nkey2: two = 2\n; c\n[b] # note\nx=\n  nested = 1\ny = a\n  b\n\n  # c\n  c\n\n[DEFAULT]\nd = 4\n');
    assert.deepEqual(Object.fromEntries(s.get('a') ?? []), { key_one: '1', key2: 'two = 2', d: '4' });
    assert.deepEqual(Object.fromEntries(s.get('b') ?? []), { y: 'a\nb\n\nc', d: '4' });
    assert.equal(s.has('DEFAULT'), false);
  });

  it('names config-file profiles as build_profile_map does', () => {
    const p = configProfiles(iniSections('[default]\na = 1\n[profile   x]\na = 2\n[profile "y z"]\na = 3\n[profilew]\na = 4\n[profile default]\na = 5\n[other]\na = 6\n'));
    assert.deepEqual([...p.keys()], ['default', 'x', 'y z']);
    assert.equal(p.get('default')?.get('a'), '5');
  });

  it('splits as shlex.split', () => {
    const table: [string, string[] | undefined][] = [
      ['profile a', ['profile', 'a']],
      [`profile 'a b'`, ['profile', 'a b']],
      ['profile "a\\"b"', ['profile', 'a"b']],
      ['profile a\\ b', ['profile', 'a b']],
      ['profile "a', undefined],
      ['profile a\\', undefined],
    ];
    for (const [s, want] of table) assert.deepEqual(shellSplit(s), want, s);
  });
});
