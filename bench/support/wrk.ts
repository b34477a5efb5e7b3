/**
 * wrk (Debian package `wrk`, Apache-2.0) as the load generator of the HTTP benches, when it is installed: a C
 * event loop that costs a few µs of CPU a request, where autocannon (JavaScript) costs ~50 µs — on a 2-core machine
 * the load generator's CPU is taken from the server it measures. The pool of pre-signed requests is handed to wrk
 * as a Lua script (one `wrk.format` string per request, cycled); a Lua `response` hook checks every answer and
 * prints the first bad one, so a run that answers errors fails as autocannon's does. One thread, `connections`
 * connections, no pipelining (as autocannon is used).
 *
 * Not for paced runs: wrk has no fixed-rate mode (wrk2 has; Debian does not package it), so those stay on
 * autocannon's `overallRate`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawRequest } from './sign.ts';

export const WRK = '/usr/bin/wrk';

/** Whether wrk can be used (installed at the Debian path). */
export const wrkPresent = (): boolean => existsSync(WRK);

/** A Lua string literal of ASCII text (the pool is ASCII: JSON bodies, SigV4 headers). */
function lua(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error('wrk: a request holds a character that is not printable ASCII');
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Writes the Lua script of a pool: the requests as wrk sends them (the Host header from the request itself: at
 * load time wrk has not yet set its own), cycled; an answer that is not 200 with `"decision":"` in its body is
 * printed once as `BAD <status> <body>`.
 */
export async function wrkScript(pool: readonly RawRequest[], expect: string): Promise<string> {
  const lines = ['local reqs = {}'];
  pool.forEach((r, i) => {
    const headers = Object.entries(r.headers)
      .filter(([k]) => k.toLowerCase() !== 'content-length')
      .map(([k, v]) => `[${lua(k)}]=${lua(v)}`)
      .join(',');
    lines.push(`reqs[${i + 1}] = wrk.format(${lua(r.method)}, ${lua(r.path)}, {${headers}}, ${lua(r.body)})`);
  });
  lines.push(
    'local i = 0',
    'request = function() i = i % #reqs + 1; return reqs[i] end',
    'local bad = 0',
    `response = function(status, headers, body) if status ~= 200 or not string.find(body, ${lua(expect)}, 1, true) then bad = bad + 1; if bad == 1 then io.write("BAD " .. status .. " " .. string.sub(body, 1, 300) .. "\\n") end end end`,
  );
  const file = join(tmpdir(), `gh-bench-wrk-${process.pid}-${Math.random().toString(36).slice(2)}.lua`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

export interface WrkRun {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** wrk's own CPU (user + system), seconds. */
  readonly cpuSeconds: number;
}

/** CPU of this process's reaped children so far (cutime + cstime), seconds. */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat(5), counted from the state (field 3) here.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const ms = (v: string, unit: string): number => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);

/** Runs wrk against `url` with `script` for `seconds`; throws on any bad answer, socket error or timeout. */
export function runWrk(url: string, script: string, connections: number, seconds: number): Promise<WrkRun> {
  const before = childrenCpu();
  return new Promise((resolve, reject) => {
    execFile(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '5s', '-s', script, url], { maxBuffer: 1 << 20 }, (err, out, errOut) => {
      if (err) return reject(new Error(`wrk failed: ${errOut || err.message}`));
      const bad = /^BAD (.*)$/m.exec(out);
      if (bad) return reject(new Error(`wrk on ${url}: an answer was not a decision: ${bad[1]}`));
      const sock = /Socket errors: (.*)$/m.exec(out);
      if (sock) return reject(new Error(`wrk on ${url}: socket errors: ${sock[1]}`));
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      if (non2xx) return reject(new Error(`wrk on ${url}: ${non2xx[1]} non-2xx answers`));
      const done = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(out);
      const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)/m.exec(out);
      const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)/m.exec(out);
      if (!done || !p50 || !p99) return reject(new Error(`wrk: cannot read its report:\n${out}`));
      const secs = Number(done[2]) * (done[3] === 'ms' ? 0.001 : done[3] === 'm' ? 60 : 1);
      const requests = Number(done[1]);
      resolve({ requests, seconds: secs, perSecond: requests / secs, p50: ms(p50[1] as string, p50[2] as string), p99: ms(p99[1] as string, p99[2] as string), cpuSeconds: childrenCpu() - before });
    });
  });
}
