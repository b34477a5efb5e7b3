/**
 * Which uid owns the other end of a TCP connection made from this host, read from the kernel's socket tables
 * `/proc/net/tcp` and `/proc/net/tcp6` (Linux; readable without privilege). Each row is one socket of this network
 * namespace: its local and remote address and port, its state and the uid that created it. A connection from a
 * process of this host to one of our ports has two rows: ours (local = our port) and the peer's (local = the peer's
 * address and port, remote = our port); the peer's row names its uid.
 *
 * What it protects: a job's metadata endpoint (imds.ts). IMDSv2 has no way to carry the job's capability, so the
 * endpoint serves only the uid the job's launcher runs as (reported at submit, or to the node agent when it opens
 * the port), and the jobs of different users on one node cannot read each other's credentials from their ports
 * (review H, finding 1; credential-protocols §9.1 "plus source-IP checks").
 *
 * What it does not protect: processes of the same uid (another job of the same user, anything else that user
 * runs) are served; they could read the job's capability from `/proc/<pid>/environ` anyway. Nor root: refused here
 * unless the launcher is root, but root reads any process's environment. A job's process that changes uid (sudo, a
 * setuid program) is refused. A peer in another network namespace (a container with a network of its own, another
 * host reaching a non-loopback `--metadata-host`) has no row here and is refused, not served. Off Linux (or with
 * `/proc` not mounted) there is no table: a check that cannot be made refuses (review agent, A4), so an endpoint
 * whose launcher reported its uid serves nobody there; the job's credentials URI and container endpoint, which
 * carry its capability, still serve it.
 */
import { readFile } from 'node:fs/promises';
import { isIPv4, isIPv6, type Socket } from 'node:net';
import { endianness } from 'node:os';

/** One row of `/proc/net/tcp{,6}`, addresses in `canonicalIp` form. */
export interface TcpSocketRow {
  readonly local: { readonly address: string; readonly port: number };
  readonly remote: { readonly address: string; readonly port: number };
  /** The kernel's TCP state (`01` ESTABLISHED, `06` TIME_WAIT, `0A` LISTEN…). */
  readonly state: number;
  readonly uid: number;
}

/** TIME_WAIT and LISTEN rows are not a live peer (a TIME_WAIT row names uid 0 whoever owned the socket). */
const NOT_A_PEER = new Set([0x06, 0x0a]);

/**
 * The rows of one `/proc/net/tcp` or `/proc/net/tcp6` file. Addresses are printed as the kernel holds them: each
 * 32-bit word of the (network-order) address as a host-order integer, so `littleEndian` says how to read them
 * back; ports are plain hexadecimal. The header line and any line not of that shape are skipped.
 */
export function parseProcNetTcp(text: string, littleEndian: boolean): TcpSocketRow[] {
  const rows: TcpSocketRow[] = [];
  for (const line of text.split('\n')) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    const f = line.trim().split(/\s+/);
    const local = endpointOf(f[1], littleEndian);
    const remote = endpointOf(f[2], littleEndian);
    const state = /^[0-9A-Fa-f]{2}$/.test(f[3] ?? '') ? Number.parseInt(f[3] as string, 16) : Number.NaN;
    const uid = /^\d+$/.test(f[7] ?? '') ? Number(f[7]) : Number.NaN;
    if (!local || !remote || Number.isNaN(state) || Number.isNaN(uid)) continue;
    rows.push({ local, remote, state, uid });
  }
  return rows;
}

/**
 * The rows of one table's `text` with `port` at either end (its local or remote port), found by searching the text
 * for the port as the kernel prints it (`:HHHH ` after an address; no other field has four hex digits after a colon)
 * and parsing only those lines. A connection's peer is looked for on the port it connected to: a busy node's table
 * holds thousands of rows (NCCL, data loaders, TIME_WAIT), and parsing every one of them for each read, then
 * scanning them all for each connection, took the event loop long enough that ranks starting together waited past
 * the 1 s the AWS SDK gives a metadata request (review fu, 1).
 */
export function rowsOnPort(text: string, port: number, littleEndian: boolean): TcpSocketRow[] {
  const needle = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const lines: string[] = [];
  let lastLine = -1;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
    const start = text.lastIndexOf('\n', at) + 1;
    // Both ends of a row may name the port (a connection from the port to itself): the line once.
    if (start === lastLine) continue;
    lastLine = start;
    const end = text.indexOf('\n', at);
    lines.push(text.slice(start, end === -1 ? undefined : end));
  }
  return parseProcNetTcp(lines.join('\n'), littleEndian).filter((r) => r.local.port === port || r.remote.port === port);
}

function endpointOf(field: string | undefined, littleEndian: boolean): { address: string; port: number } | undefined {
  const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(field ?? '');
  if (!m) return undefined;
  const bytes: number[] = [];
  for (const word of (m[1] as string).match(/.{8}/g) ?? []) {
    const b = (word.match(/../g) ?? []).map((h) => Number.parseInt(h, 16));
    bytes.push(...(littleEndian ? b.reverse() : b));
  }
  return { address: ipOfBytes(bytes), port: Number.parseInt(m[2] as string, 16) };
}

/** Dotted IPv4 for 4 bytes or an IPv4-mapped IPv6 address; else the 8 groups of an IPv6 address, expanded. */
function ipOfBytes(b: readonly number[]): string {
  if (b.length === 4) return b.join('.');
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16).padStart(4, '0'));
  return groups.join(':');
}

/**
 * An address as Node reports it (`socket.remoteAddress`: `127.0.0.1`, `::1`, `::ffff:127.0.0.1`, `fe80::1%eth0`)
 * in the form `parseProcNetTcp` gives: IPv4 and IPv4-mapped as dotted, IPv6 as 8 expanded groups. Undefined for
 * anything else.
 */
export function canonicalIp(text: string): string | undefined {
  const a = text.replace(/%.*$/, '');
  if (isIPv4(a)) return a;
  if (!isIPv6(a)) return undefined;
  let tail: number[] = [];
  let v6 = a;
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) {
    tail = (dotted[1] as string).split('.').map(Number);
    v6 = `${a.slice(0, dotted.index)}:0:0`;
  }
  const [head = '', rest] = v6.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const words = [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (dotted) bytes.splice(12, 4, ...tail);
  return ipOfBytes(bytes);
}

/**
 * The uid owning the peer's socket of a connection whose peer is `peer` and whose our end is `ours`: the one live
 * row whose local end is the peer and remote end is us. Undefined when there is none (the peer is in another
 * network namespace or host, or closed meanwhile) or when live rows disagree.
 */
export function peerUidIn(rows: readonly TcpSocketRow[], peer: { address: string; port: number }, ours: { address: string; port: number }): number | undefined {
  const uids = new Set<number>();
  for (const r of rows) {
    if (NOT_A_PEER.has(r.state)) continue;
    if (r.local.port === peer.port && r.remote.port === ours.port && r.local.address === peer.address && r.remote.address === ours.address) uids.add(r.uid);
  }
  return uids.size === 1 ? [...uids][0] : undefined;
}

export interface PeerUids {
  /**
   * The uid of the process at the other end of `socket` (accepted by one of our servers); `unavailable` when this
   * host has no socket tables to read (not Linux, `/proc` not mounted), undefined when the peer is not found.
   */
  uidOf(socket: Pick<Socket, 'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort'>): Promise<number | 'unavailable' | undefined>;
}

/** One read of both tables: their texts, and the rows of each port asked about so far (`rowsOnPort`), kept. */
interface TableRead {
  readonly texts: readonly string[];
  readonly byPort: Map<number, TcpSocketRow[]>;
}

/**
 * The lookup over this host's tables (`dir`, default `/proc/net`). Lookups share reads of the tables: one that
 * arrives while a read is under way waits for the next, which begins after it asked (so the socket it asks about,
 * established before it asked, is in it), and every lookup waiting then is answered by that one read. A read of a
 * busy node's table takes milliseconds to tens of milliseconds; one per connection, each on its own, made the
 * connections of ranks starting together wait for one another past the 1 s an SDK gives a metadata request
 * (review ek, 1). A read is not parsed whole: the lookups of one port (a job's endpoint) share the rows of that port,
 * found by searching the text (`rowsOnPort`; review fu, 1). `log` hears once, the first time, that the tables cannot
 * be read and the endpoints refuse.
 */
export function createPeerUids(opts: { dir?: string; log?: (line: string) => void; littleEndian?: boolean } = {}): PeerUids {
  const dir = opts.dir ?? '/proc/net';
  const littleEndian = opts.littleEndian ?? endianness() === 'LE';
  let warned = false;
  /** The errors already said (`tcp EMFILE`…), each once. */
  const said = new Set<string>();
  /**
   * One table's text; undefined when it does not exist (ENOENT: no `/proc`, not Linux, `tcp6` with IPv6 off); an error
   * for one that exists but cannot be read (EACCES under a confined profile, EMFILE when the process is out of
   * descriptors), read once more first, since EMFILE passes. Such a table was taken as empty: every peer in it (all
   * IPv4 ones for `tcp`) was refused as "not found in this host's socket table", blaming the client, and the log
   * said only that a peer was not found, once per endpoint (review fu, 2).
   */
  const readTable = async (name: string): Promise<string | undefined | NodeJS.ErrnoException> => {
    const once = (): Promise<string | undefined | NodeJS.ErrnoException> => readFile(`${dir}/${name}`, 'latin1').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : e));
    const first = await once();
    return typeof first === 'object' ? once() : first;
  };
  /** The texts of both tables, or `unavailable` when neither can be read or one exists and cannot be read. */
  const readTables = async (): Promise<TableRead | 'unavailable'> => {
    const names = ['tcp', 'tcp6'];
    const texts = await Promise.all(names.map(readTable));
    const failed = texts.flatMap((t, i) => (typeof t === 'object' ? [{ name: names[i] ?? '', error: t }] : []));
    if (failed.length > 0) {
      for (const { name, error } of failed) {
        const key = `${name} ${error.code ?? error.message}`;
        if (said.has(key)) continue;
        said.add(key);
        opts.log?.(`agent: ${dir}/${name} cannot be read (${error.code ?? error.message}): the uid of a process connecting to a job's metadata endpoint cannot be checked, so an endpoint whose job's launcher reported its uid refuses every process until it can be read`);
      }
      return 'unavailable';
    }
    if (texts.every((t) => t === undefined)) {
      if (!warned) {
        warned = true;
        opts.log?.(`agent: ${dir}/tcp cannot be read (${process.platform === 'linux' ? 'no /proc?' : `not Linux: ${process.platform}`}): the uid of a process connecting to a job's metadata endpoint cannot be checked, so an endpoint whose job's launcher reported its uid refuses every process (jobs still get credentials from the credentials URI and the container endpoint)`);
      }
      return 'unavailable';
    }
    return { texts: texts.filter((t) => typeof t === 'string'), byPort: new Map() };
  };
  /** The read under way, and the one that begins when it ends (shared by the lookups that came meanwhile). */
  let reading: Promise<TableRead | 'unavailable'> | undefined;
  let next: Promise<TableRead | 'unavailable'> | undefined;
  const start = (): Promise<TableRead | 'unavailable'> => {
    const read = readTables();
    reading = read;
    const done = (): void => {
      if (reading === read) reading = undefined;
    };
    read.then(done, done);
    return read;
  };
  /** A read of the tables that begins now or later, never one begun before this call. */
  const freshTables = (): Promise<TableRead | 'unavailable'> => {
    if (next !== undefined) return next;
    if (reading === undefined) return start();
    const after = reading.then(
      () => undefined,
      () => undefined,
    );
    next = after.then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
  return {
    uidOf: async (socket) => {
      const peerAddress = canonicalIp(socket.remoteAddress ?? '');
      const ourAddress = canonicalIp(socket.localAddress ?? '');
      if (peerAddress === undefined || ourAddress === undefined || socket.remotePort === undefined || socket.localPort === undefined) return undefined;
      const read = await freshTables();
      if (read === 'unavailable') return 'unavailable';
      let rows = read.byPort.get(socket.localPort);
      if (rows === undefined) read.byPort.set(socket.localPort, (rows = read.texts.flatMap((t) => rowsOnPort(t, socket.localPort as number, littleEndian))));
      return peerUidIn(rows, { address: peerAddress, port: socket.remotePort }, { address: ourAddress, port: socket.localPort });
    },
  };
}

/** What a metadata endpoint's peer check says of a connection: serve it, or refuse with a message (no secret in it). */
export type PeerVerdict = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * The check of one job's metadata endpoint: only connections whose peer runs as `uid`. A peer not found is
 * refused; where the tables cannot be read, every connection is refused too (said once by `createPeerUids`): the
 * endpoint carries no capability, so a check that cannot be made must not serve whoever connects (review agent, A4).
 * `refused` hears of a refused peer uid once per uid (never anything secret: the job, the uids).
 */
export function onlyUid(uid: number, peers: PeerUids, refused: (peerUid: number | undefined) => void): (socket: Socket) => Promise<PeerVerdict> {
  const told = new Set<number | undefined>();
  return async (socket) => {
    const found = await peers.uidOf(socket);
    if (found === uid) return { ok: true };
    if (found === 'unavailable') {
      return {
        ok: false,
        message: `forbidden: this host has no socket table to check which user the connecting process runs as (${process.platform === 'linux' ? '/proc/net/tcp cannot be read' : `not Linux: ${process.platform}`}), and this metadata endpoint serves only the processes of the user who runs the job; read the job's credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI or ALIBABA_CLOUD_CREDENTIALS_URI instead`,
      };
    }
    if (!told.has(found)) {
      told.add(found);
      refused(found);
    }
    return {
      ok: false,
      message:
        found === undefined
          ? 'forbidden: the connecting process was not found in this host’s socket table; this metadata endpoint serves only the processes of the user who runs the job, on this host'
          : `forbidden: this metadata endpoint serves only the processes of the user who runs the job, not uid ${found}`,
    };
  };
}
