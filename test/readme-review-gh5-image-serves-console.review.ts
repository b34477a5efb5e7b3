/**
 * Review `gh` (a new user follows the README to "Deploy on Kubernetes"), 5: the image's web console.
 *
 * deploy/kubernetes/Dockerfile copied `package.json`, `bin/` and `src/` into the image, not `web/`, whose four files
 * the server reads when the console is first asked for (src/adapters/http/console.ts). So in the deployment the README
 * sends the reader to, `https://gatehouse…/ui/` (README §7, "The same, in a browser") answered 500 InternalFailure,
 * an IAM XML error in the browser, and the server logged ENOENT for web/index.html. Now the image holds `web/`.
 * Here the files are laid out as the Dockerfile's COPY lines lay them out (node_modules linked in for its `npm ci`),
 * the server started from that tree as its ENTRYPOINT starts it, and the console's files asked for over HTTP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { serverProcess, type ServerProcess } from './support/processes.ts';

const ROOT = join(import.meta.dirname, '..');
let dir: string;
let server: ServerProcess | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh5-image-'));
});

after(async () => {
  server?.child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The tree the Dockerfile's `COPY SRC… DEST` lines make under its WORKDIR (here `app`), from the repository's root. */
async function layOut(app: string): Promise<string> {
  const dockerfile = await readFile(join(ROOT, 'deploy/kubernetes/Dockerfile'), 'utf8');
  const entry = /^ENTRYPOINT \["node", "([^"]+)"\]/m.exec(dockerfile);
  assert.ok(entry?.[1], 'the Dockerfile runs node with a script');
  for (const line of dockerfile.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'COPY' || words.some((w) => w.startsWith('--'))) continue;
    const dest = words.at(-1) as string;
    const sources = words.slice(1, -1);
    for (const source of sources) {
      const to = sources.length > 1 || dest.endsWith('/') ? join(app, dest, basename(source)) : join(app, dest);
      await mkdir(join(to, '..'), { recursive: true });
      await cp(join(ROOT, source), to, { recursive: true });
    }
  }
  // `npm ci --omit=dev`: the repository's node_modules stands in for it.
  await symlink(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  return join(app, entry[1]);
}

test('gh5: a server started from the image\'s files serves the web console', async () => {
  const app = join(dir, 'app');
  await mkdir(app);
  const bin = await layOut(app);
  server = await serverProcess(['--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', '--data-dir', join(dir, 'data')], { HOME: dir }, 'the image\'s server', { bin });
  for (const [path, type] of [['/ui/', 'text/html'], ['/ui/console.js', 'text/javascript'], ['/ui/console.css', 'text/css'], ['/ui/favicon.svg', 'image/svg+xml']] as const) {
    const res = await fetch(`${server.url}${path}`);
    const body = await res.text();
    assert.equal(res.status, 200, `${path}: ${body}\n${server.output.join('')}`);
    assert.ok(res.headers.get('content-type')?.startsWith(type), `${path}: ${res.headers.get('content-type')}`);
    assert.equal(body, await readFile(join(ROOT, 'web', basename(path === '/ui/' ? 'index.html' : path)), 'utf8'));
  }
});
