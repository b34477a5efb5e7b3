/**
 * The socket-table reading of peer-uid.ts: rows of `/proc/net/tcp` and `/proc/net/tcp6` as the kernel prints them
 * (little- and big-endian hosts), Node's address spellings, the peer's row found among ours and TIME_WAIT ones; then
 * the lookup on this host's own table for a real loopback connection, and a host without the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { canonicalIp, createPeerUids, onlyUid, parseProcNetTcp, peerUidIn } from './peer-uid.ts';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 4559 1 00000000d0f64ea2 100 0 0 10 0
   1: 0100007F:A1B2 0100007F:1538 01 00000000:00000000 00:00000000 00000000  1000        0 7001 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1538 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000   101        0 7002 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:C000 0100007F:1538 06 00000000:00000000 03:00000F9E 00000000     0        0 0 3 0000000000000000
   4: 0A00020F:0016 0100A8C0:D431 01 00000000:00000000 02:000A7214 00000000     0        0 8123 2 0000000000000000 20 4 1 10 -1
garbage line
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5404 1 00000000ca46cdd6 100 0 0 10 0
   1: 00000000000000000000000001000000:9C40 00000000000000000000000001000000:18EB 01 00000000:00000000 00:00000000 00000000  1001        0 9001 1 0000000000000000 20 4 30 10 -1
   2: 0000000000000000FFFF00000100007F:B0B0 0000000000000000FFFF00000100007F:1538 01 00000000:00000000 00:00000000 00000000  1002        0 9002 1 0000000000000000 20 4 30 10 -1
   3: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9003 1 0000000000000000 100 0 0 10 0
`;

test('parseProcNetTcp: addresses, ports, state and uid of each row; the header and bad lines skipped', () => {
  const rows = parseProcNetTcp(TCP, true);
  assert.equal(rows.length, 5);
  assert.deepEqual(rows[0], { local: { address: '127.0.0.1', port: 0x1538 }, remote: { address: '0.0.0.0', port: 0 }, state: 0x0a, uid: 101 });
  assert.deepEqual(rows[1], { local: { address: '127.0.0.1', port: 0xa1b2 }, remote: { address: '127.0.0.1', port: 0x1538 }, state: 1, uid: 1000 });
  assert.deepEqual(rows[4]?.local, { address: '15.2.0.10', port: 22 });
  assert.deepEqual(rows[4]?.remote, { address: '192.168.0.1', port: 0xd431 });

  const six = parseProcNetTcp(TCP6, true);
  assert.deepEqual(six.map((r) => [r.local.address, r.local.port, r.uid]), [
    ['0000:0000:0000:0000:0000:0000:0000:0001', 0x18eb, 0],
    ['0000:0000:0000:0000:0000:0000:0000:0001', 0x9c40, 1001],
    // IPv4-mapped, as an AF_INET6 socket connected to an IPv4 address shows it.
    ['127.0.0.1', 0xb0b0, 1002],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 80, 0],
  ]);
});

test('parseProcNetTcp on a big-endian host: the words are read as printed', () => {
  const rows = parseProcNetTcp(
    [
      '   0: 7F000001:1538 7F000001:A1B2 01 00000000:00000000 00:00000000 00000000  1000 0 1',
      '   1: 00000000000000000000000000000001:0050 00000000000000000000FFFF7F000001:D431 01 00000000:00000000 00:00000000 00000000 7 0 2',
      // 33 hex digits: not an address.
      '   2: 000000000000000000000000000000001:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 3',
    ].join('\n'),
    false,
  );
  assert.deepEqual(rows, [
    { local: { address: '127.0.0.1', port: 0x1538 }, remote: { address: '127.0.0.1', port: 0xa1b2 }, state: 1, uid: 1000 },
    { local: { address: '0000:0000:0000:0000:0000:0000:0000:0001', port: 80 }, remote: { address: '127.0.0.1', port: 0xd431 }, state: 1, uid: 7 },
  ]);
});

test('canonicalIp: Node’s spellings to the table’s', () => {
  const cases: [string, string | undefined][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::1', '0000:0000:0000:0000:0000:0000:0000:0001'],
    ['::', '0000:0000:0000:0000:0000:0000:0000:0000'],
    ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001'],
    ['fe80::1%eth0', 'fe80:0000:0000:0000:0000:0000:0000:0001'],
    ['1:2:3:4:5:6:7:8', '0001:0002:0003:0004:0005:0006:0007:0008'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['localhost', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
});

test('peerUidIn: the peer’s own row, not ours, not a TIME_WAIT one; none or a disagreement is undefined', () => {
  const rows = [...parseProcNetTcp(TCP, true), ...parseProcNetTcp(TCP6, true)];
  const ours = { address: '127.0.0.1', port: 0x1538 };
  assert.equal(peerUidIn(rows, { address: '127.0.0.1', port: 0xa1b2 }, ours), 1000);
  assert.equal(peerUidIn(rows, { address: '127.0.0.1', port: 0xb0b0 }, ours), 1002, 'an IPv4-mapped row of tcp6');
  assert.equal(peerUidIn(rows, { address: '127.0.0.1', port: 0xc000 }, ours), undefined, 'TIME_WAIT names uid 0 whoever it was');
  assert.equal(peerUidIn(rows, { address: '127.0.0.1', port: 0x1234 }, ours), undefined, 'not in the table');
  assert.equal(peerUidIn(rows, { address: '0000:0000:0000:0000:0000:0000:0000:0001', port: 0x9c40 }, { address: '0000:0000:0000:0000:0000:0000:0000:0001', port: 0x18eb }), 1001);
  const twice = [...rows, { local: { address: '127.0.0.1', port: 0xa1b2 }, remote: ours, state: 1, uid: 0 }];
  assert.equal(peerUidIn(twice, { address: '127.0.0.1', port: 0xa1b2 }, ours), undefined);
});

/** A loopback connection to a server of this process: the server's end of it, and a closer. */
async function loopback(host: string): Promise<{ accepted: Socket; close: () => void }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect(port, host);
  const a = await accepted;
  return {
    accepted: a,
    close: () => {
      client.destroy();
      a.destroy();
      server.close();
    },
  };
}

test('createPeerUids on this host: a connection of this process is found, as this process’s uid', { skip: !existsSync('/proc/net/tcp') && 'needs /proc/net/tcp' }, async () => {
  const peers = createPeerUids();
  for (const host of ['127.0.0.1', '::1']) {
    let c: { accepted: Socket; close: () => void };
    try {
      c = await loopback(host);
    } catch {
      continue; // no IPv6 loopback here
    }
    try {
      assert.equal(await peers.uidOf(c.accepted), process.getuid?.(), host);
      // The check of a job's endpoint: this uid is served, another refused with a message naming the uid found.
      const refusedUids: (number | undefined)[] = [];
      assert.deepEqual(await onlyUid(process.getuid?.() ?? 0, peers, (u) => refusedUids.push(u))(c.accepted), { ok: true });
      const other = (process.getuid?.() ?? 0) + 1;
      const v = await onlyUid(other, peers, (u) => refusedUids.push(u))(c.accepted);
      assert.equal(v.ok, false);
      assert.match(v.ok ? '' : v.message, new RegExp(`^forbidden: .* not uid ${process.getuid?.()}$`));
      assert.deepEqual(refusedUids, [process.getuid?.()]);
    } finally {
      c.close();
    }
  }
});

test('createPeerUids without the table (not Linux): unavailable, said once, and the check refuses (review agent, A4)', async () => {
  const lines: string[] = [];
  const peers = createPeerUids({ dir: '/nonexistent/proc/net', log: (l) => lines.push(l) });
  const c = await loopback('127.0.0.1');
  try {
    assert.equal(await peers.uidOf(c.accepted), 'unavailable');
    assert.equal(await peers.uidOf(c.accepted), 'unavailable');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] ?? '', /refuses every process/);
    const v = await onlyUid(12345, peers, () => {})(c.accepted);
    assert.equal(v.ok, false);
    assert.match(v.ok ? '' : v.message, /^forbidden: this host has no socket table to check which user/);
  } finally {
    c.close();
  }
});
