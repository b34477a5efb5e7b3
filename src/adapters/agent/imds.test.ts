/**
 * The IMDSv2 token PUT with raw HTTP (node:net, so the header values are exactly what is sent): the TTL is taken
 * only as EC2 takes it, decimal digits from 1 to 21600, and a request carrying `X-Forwarded-For` gets no token.
 * Then the peer check (peer-uid.ts) an endpoint is opened with: a peer of another uid gets neither a token nor the
 * credentials (403), this process's uid gets both.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { listenMetadata, type MetadataCredentials } from './imds.ts';
import { createPeerUids, onlyUid } from './peer-uid.ts';

let server: Server;
let port: number;
const source = async (): Promise<MetadataCredentials> => ({ ok: true, roleName: 'trainer', document: () => Buffer.from('{"Code":"Success"}') });

before(async () => {
  ({ server, port } = await listenMetadata(source, '127.0.0.1', 0));
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** Sends `head` (request line and headers, CRLF-separated, without the blank line) and returns status and body. */
function raw(head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(`${head}\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [headPart = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headPart)?.[1] ?? 0), body });
    });
  });
}

const put = (...headers: string[]) => raw(['PUT /latest/api/token HTTP/1.1', ...headers].join('\r\n'));

test('token TTL: decimal digits from 1 to 21600, in either cloud’s header; anything else is 400', async () => {
  const cases: [string, number][] = [
    ['1', 200],
    ['21600', 200],
    ['00060', 200],
    ['0', 400],
    ['21601', 400],
    ['100000', 400],
    ['0x10', 400],
    ['1e3', 400],
    ['5.0', 400],
    ['+5', 400],
    ['-1', 400],
    ['abc', 400],
    ['1 5', 400],
    ['', 400],
  ];
  for (const header of ['x-aws-ec2-metadata-token-ttl-seconds', 'x-aliyun-ecs-metadata-token-ttl-seconds']) {
    for (const [value, status] of cases) {
      const r = await put(`${header}: ${value}`);
      assert.equal(r.status, status, `${header}: \`${value}\` answered ${r.status} ${r.body}`);
      if (status === 200) assert.match(r.body, /^[\w-]{32}$/, 'a token');
      else assert.match(r.body, /^invalid token TTL/);
    }
  }
  assert.equal((await put()).status, 400, 'no TTL header');
  // Repeated: joined with `, ` by the parser, so not a number.
  assert.equal((await put('x-aws-ec2-metadata-token-ttl-seconds: 60', 'x-aws-ec2-metadata-token-ttl-seconds: 60')).status, 400);
});

test('a token PUT carrying X-Forwarded-For is refused (403) and gets no token, as EC2 refuses it', async () => {
  for (const xff of ['1.2.3.4', '127.0.0.1', '']) {
    const r = await put('x-aws-ec2-metadata-token-ttl-seconds: 60', `X-Forwarded-For: ${xff}`);
    assert.deepEqual(r, { status: 403, body: 'forbidden: a token request must not carry X-Forwarded-For' }, `X-Forwarded-For: \`${xff}\``);
  }
  // The same request without it gets a token, which then reads the role.
  const ok = await put('x-aws-ec2-metadata-token-ttl-seconds: 60');
  assert.equal(ok.status, 200);
  const list = await raw(`GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\nx-aws-ec2-metadata-token: ${ok.body}`);
  assert.deepEqual(list, { status: 200, body: 'trainer' });
});

test('an endpoint that serves one uid: another uid is refused the token and the credential paths (403), this one is served', { skip: !existsSync('/proc/net/tcp') && 'needs /proc/net/tcp' }, async () => {
  const me = process.getuid?.() ?? 0;
  const peers = createPeerUids();
  const refused: (number | undefined)[] = [];
  const open = (uid: number) => listenMetadata(source, '127.0.0.1', 0, onlyUid(uid, peers, (u) => refused.push(u)));
  const theirs = await open(me + 1);
  const mine = await open(me);
  try {
    const base = (p: number) => `http://127.0.0.1:${p}`;
    const token = async (p: number) => fetch(`${base(p)}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
    const t = await token(theirs.port);
    assert.deepEqual([t.status, await t.text()], [403, `forbidden: this metadata endpoint serves only the processes of the user who runs the job, not uid ${me}`]);
    // A token from elsewhere (or none) does not get past the check either.
    const good = await (await token(mine.port)).text();
    for (const [path, header] of [['/latest/meta-data/iam/security-credentials/', 'x-aws-ec2-metadata-token'], ['/latest/meta-data/ram/security-credentials/trainer', 'x-aliyun-ecs-metadata-token']] as const) {
      const r = await fetch(`${base(theirs.port)}${path}`, { headers: { [header]: good } });
      assert.equal(r.status, 403, path);
      const served = await fetch(`${base(mine.port)}${path}`, { headers: { [header]: good } });
      assert.equal(served.status, 200, path);
    }
    // Other paths are not credentials: answered as before.
    assert.equal((await fetch(`${base(theirs.port)}/latest/meta-data/`)).status, 404);
    assert.deepEqual(refused, [me], 'told once per uid');
  } finally {
    for (const s of [theirs.server, mine.server]) {
      s.closeAllConnections();
      s.close();
    }
  }
});

test('a credentials source that throws is answered 500 and said in the log (it was said nowhere)', async () => {
  const lines: string[] = [];
  const failing = await listenMetadata(async () => {
    throw new Error('the store cannot be read');
  }, '127.0.0.1', 0, undefined, (line) => void lines.push(line));
  try {
    const base = `http://127.0.0.1:${failing.port}`;
    const token = await (await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
    const r = await fetch(`${base}/latest/meta-data/iam/security-credentials/`, { headers: { 'x-aws-ec2-metadata-token': token } });
    assert.equal(r.status, 500);
    // With the request id it answers, and the stack (review je, 9).
    const id = /request ([0-9a-f-]{36})/.exec(await r.text())?.[1] ?? 'none';
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0]?.startsWith(`agent: internal error on a metadata endpoint (request ${id}): Error: the store cannot be read\n`), lines[0]);
  } finally {
    failing.server.closeAllConnections();
    failing.server.close();
  }
});
