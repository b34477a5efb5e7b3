/**
 * Review `hy` (a new user walks the README's tour), 2: the tour's commands need tools `npm install` does not install.
 *
 * "Two commands" promises `npm install` then `npx gatehouse demo` with nothing to set up, and the tour follows with
 * the admin's key read by `jq -r .AccessKeyId .gatehouse/admin-credentials.json` (§2, §5), alice's and bob's keys by
 * `echo "$K" | jq …` (§4, §5), and the directory, STS and the S3 gateway driven with the AWS CLI (`aws iam …`, `aws sts
 * …`, `aws s3 …`). Nothing said that `jq` and the AWS CLI must be installed first: on a machine without `jq`, §4's
 * `export AWS_ACCESS_KEY_ID=$(echo "$K" | jq …)` said `jq: command not found` and exported two empty variables, which
 * gatehouse (as the AWS SDKs) takes for unset, so the next `jobs run` signed as the data dir's admin, not alice, and
 * was refused as `user/admin is not a member of workspace vision`. Now the tour's introduction names the tools its
 * commands run besides gatehouse and the shell's own, and how to get them; `gatehouse demo` needs neither.
 *
 * The tools are read off the tour's shell commands (a `$ ` line and its continuations, `$(…)` and pipes included),
 * so a tool a later section starts using is held to the same rule. The empty-keys consequence is shown with the CLI
 * in this process against a real server (startTestServer) whose admin file sits in the working directory's
 * `.gatehouse`, as the tour runs it.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const TOUR = README.slice(README.indexOf('\n## A tour\n'), README.indexOf('\n## Deploy on Kubernetes\n'));

/** What any POSIX shell and coreutils give, and what `npm install` gives (npx, the pinned node, gatehouse itself). */
const GIVEN = new Set(['npx', 'node', 'gatehouse', 'export', 'unset', 'for', 'do', 'done', 'echo', 'cd', 'env', 'sh', 'true', 'head', 'cut', 'cp', 'cat', 'sha256sum', 'ls', 'mkdir', 'rm', 'base64']);

/** The programs the tour's shell commands run: the first word of each simple command. */
function toolsOfTour(): Set<string> {
  const commands: string[] = [];
  let current: string | undefined;
  let openFor = false;
  let joiner = '\n';
  for (const line of TOUR.split('\n')) {
    if (current === undefined && !line.startsWith('$ ')) continue;
    // A backslash continues the same command; a line inside an open `for … do` is a command of its own.
    current = (current === undefined ? line.slice(2) : `${current}${joiner}${line}`).replace(/\\$/, '');
    joiner = line.endsWith('\\') ? ' ' : '\n';
    if (/\bfor\b.*;\s*do\b/.test(line)) openFor = true;
    if (/\bdone\b/.test(line)) openFor = false;
    if (line.endsWith('\\') || openFor) continue;
    commands.push(current);
    current = undefined;
  }
  const tools = new Set<string>();
  for (let text of commands) {
    text = text.replace(/\s#\s.*$/gm, '').replace(/'[^']*'/g, 'Q');
    const inner: string[] = [];
    let before: string;
    do {
      before = text;
      text = text.replace(/\$\(([^()]*)\)/g, (_m, body: string) => {
        inner.push(body);
        return 'X';
      });
    } while (text !== before);
    for (const part of [text, ...inner]) {
      for (let segment of part.split(/;|\|\||&&|\||\n/)) {
        segment = segment.trim().replace(/^(do|then)\s+/, '');
        for (;;) {
          const stripped = segment.replace(/^[A-Z_][A-Z0-9_]*=\S*\s*/, '').replace(/^env(\s+-u\s+\S+)+\s*/, '');
          if (stripped === segment) break;
          segment = stripped;
        }
        const word = /^([a-z][\w.-]*)/.exec(segment)?.[1];
        if (word !== undefined) tools.add(word);
      }
    }
  }
  return tools;
}

test('hy2: every tool the tour runs besides the shell, coreutils and gatehouse is named, with how to get it, before it starts', () => {
  const tools = toolsOfTour();
  assert.ok(tools.has('npx') && tools.has('jq') && tools.has('aws'), `read off the tour: ${[...tools].join(', ')}`);
  const intro = TOUR.slice(0, TOUR.indexOf('\n### 1.'));
  const needed = [...tools].filter((t) => !GIVEN.has(t));
  for (const tool of needed) {
    assert.ok(!existsSync(join(ROOT, 'node_modules', '.bin', tool)), `${tool} is installed by npm install: add it to GIVEN`);
    assert.ok(intro.includes(`\`${tool}\``), `the tour runs \`${tool}\`, which npm install does not install, and its introduction does not name it:\n${intro}`);
  }
  assert.match(intro, /apt-get install[^.]*\bjq\b/);
  assert.match(intro, /apt-get install[^.]*\bawscli\b/);
});

let s: TestServer;
let dir: string;

before(async () => {
  s = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-hy2-'));
  mkdirSync(join(dir, '.gatehouse'));
  writeFileSync(join(dir, '.gatehouse', 'admin-credentials.json'), JSON.stringify({ AccessKeyId: s.admin.accessKeyId, SecretAccessKey: s.admin.secretAccessKey, AccountId: '000000000000', Endpoint: s.url }));
});

after(async () => {
  await s?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('hy2: what a missing jq leaves (two empty key variables) signs as the data dir admin, as the README now warns', async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const r = await gatehouseInProcess(['whoami'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /user\/admin/);
  } finally {
    process.chdir(cwd);
  }
  assert.match(TOUR.slice(0, TOUR.indexOf('\n### 1.')), /empty/);
});
