/**
 * Review vo's lead (vr, 1): an access entry's username template was matched against the username of a
 * SubjectAccessReview for an impersonated user as a regular expression, one `[A-Za-z0-9.]{1,128}` a
 * `{{AccessKeyID}}`: a template of four or five of them against a 400-character username that almost matches
 * backtracked for seconds to minutes on the server's only thread, nothing else answered meanwhile (`usernameMatch`,
 * src/core/kube/access-entry.ts, for every review of an impersonated user). It is now a search that remembers the
 * states that failed, within a bound of steps.
 *
 * The timing runs in a child process, killed after 10 s (before the fix it ran for minutes); the matcher's answers are
 * compared with the regular expression's on 20,000 generated templates and usernames, session name and account
 * included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { usernameMatch } from '../src/core/kube/access-entry.ts';

const MODULE = fileURLToPath(new URL('../src/core/kube/access-entry.ts', import.meta.url));
const A = '111122223333';

test('five {{AccessKeyID}} against a long username that almost matches: answered at once, not matched', async () => {
  const template = '{{AccessKeyID}}{{AccessKeyID}}{{AccessKeyID}}{{AccessKeyID}}{{AccessKeyID}}:end';
  const username = `${'a'.repeat(400)}!`;
  const code = `const { usernameMatch } = await import(${JSON.stringify(MODULE)}); const t = performance.now(); const r = usernameMatch(${JSON.stringify(template)}, ${JSON.stringify(username)}, '${A}'); console.log(JSON.stringify({ r: r ?? null, ms: performance.now() - t }));`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--no-warnings', '--input-type=module', '-e', code], { timeout: 10_000 }, (e, stdout) => (e ? reject(new Error(`the match did not end within 10 s: ${e.message}`)) : resolve(stdout))),
  );
  const { r, ms } = JSON.parse(out) as { r: unknown; ms: number };
  assert.equal(r, null);
  assert.ok(ms < 5000, `${ms} ms`);
  // The same template still matches what it renders.
  assert.deepEqual(usernameMatch(template, 'AKIA1k.2xyz:end', A), {});
});

/** The regular expression the matcher replaced, as a reference for what it must answer. */
function byRegExp(template: string, username: string, accountId: string): { readonly sessionName?: string } | undefined {
  const escape = (x: string): string => x.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  let source = '^';
  let last = 0;
  let session = false;
  let account = false;
  for (const m of template.matchAll(/\{\{([A-Za-z]+)\}\}/g)) {
    source += escape(template.slice(last, m.index));
    last = m.index + m[0].length;
    const name = m[1] as string;
    if (name === 'AccountID') {
      source += account ? '\\k<a>' : '(?<a>\\d{12})';
      account = true;
    } else if (name === 'SessionName' || name === 'SessionNameRaw') {
      source += session ? '\\k<s>' : '(?<s>[\\w+=,.@-]{2,64})';
      session = true;
    } else if (name === 'AccessKeyID') source += '[A-Za-z0-9.]{1,128}';
    else source += escape(m[0]);
  }
  source += `${escape(template.slice(last))}$`;
  const m = new RegExp(source).exec(username);
  if (m === null || (m.groups?.['a'] !== undefined && m.groups['a'] !== accountId)) return undefined;
  const sessionName = m.groups?.['s'];
  return sessionName !== undefined ? { sessionName } : {};
}

test('the same answers as the regular expression on 20,000 generated cases', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
  const pieces = ['{{AccountID}}', '{{SessionName}}', '{{SessionNameRaw}}', '{{AccessKeyID}}', '{{Other}}', '-', '.', '/', 'a', 'ab', '1', '_', '{', '@'];
  const values: Record<string, readonly string[]> = {
    '{{AccountID}}': [A, '999988887777', '12345678901'],
    '{{SessionName}}': ['bob', 'b', 'a-b.c@d', 'x_y', 'ab1'],
    '{{SessionNameRaw}}': ['bob', 'ci-7', 'a.b'],
    '{{AccessKeyID}}': ['AKIA1', 'k', 'a.b', 'ab-1'],
  };
  let matched = 0;
  for (let i = 0; i < 20_000; i++) {
    const parts = Array.from({ length: 1 + rnd(5) }, () => pick(pieces));
    const template = parts.join('');
    let username = parts.map((p) => (values[p] !== undefined ? pick(values[p] as readonly string[]) : p)).join('');
    if (rnd(4) === 0) username = username.slice(0, rnd(username.length + 1)) + pick(['', 'a', '-', '1']) + username.slice(rnd(username.length + 1));
    const want = byRegExp(template, username, A);
    assert.deepEqual(usernameMatch(template, username, A), want, `${template} / ${username}`);
    if (want !== undefined) matched++;
  }
  assert.ok(matched > 2000, `only ${matched} cases matched: the comparison would say little`);
});
