/**
 * Whether the Debian clients the tests drive are here: `/usr/bin/aws` that runs, `/usr/bin/python3` that imports
 * boto3. Each probe is a Python start (`aws --version` about 1.0 s of CPU, `import boto3` about 0.75 s on a 2,096 MHz
 * host), asked once a process; under `npm test` once a run: `test/run-suite.ts` asks both (`probeClientsForChildren`)
 * before it starts the files and hands the answers to their processes in the environment (GATEHOUSE_TEST_PROBED_*), so
 * the fifteen or so group processes that use the clients do not each start Python again to ask (stop 64). A file run on
 * its own asks itself, as before; the answer is the same either way: the reason to skip, or none.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** The Debian packages' paths: a pyenv or pip copy earlier on PATH is not what CI installs. */
export const AWS_CLI = '/usr/bin/aws';
export const PYTHON = '/usr/bin/python3';

interface Probe {
  /** The variable the runner hands the answer in: unset, not asked; empty, the client is here; else why not. */
  readonly env: string;
  readonly absent: () => string | undefined;
  readonly file: string;
  readonly args: readonly string[];
  readonly broken: string;
}

const AWS_PROBE: Probe = {
  env: 'GATEHOUSE_TEST_PROBED_AWS_CLI',
  absent: () => (existsSync(AWS_CLI) ? undefined : `${AWS_CLI} is absent (apt-get install awscli)`),
  file: AWS_CLI,
  args: ['--version'],
  broken: `${AWS_CLI} does not run (apt-get install --reinstall awscli)`,
};

const BOTO3_PROBE: Probe = {
  env: 'GATEHOUSE_TEST_PROBED_BOTO3',
  absent: () => (existsSync(PYTHON) ? undefined : `${PYTHON} is absent (apt-get install python3-boto3)`),
  file: PYTHON,
  args: ['-c', 'import boto3'],
  broken: `boto3 is not importable by ${PYTHON} (apt-get install python3-boto3)`,
};

/** With nothing of this machine's AWS settings. */
const PROBE_OPTIONS = { stdio: 'ignore', env: { PATH: '/usr/bin:/bin', HOME: tmpdir() }, timeout: 30_000 } as const;

/** What `probe` says, asked once per process (or taken from the runner's answer): the reason to skip, or undefined. */
function once(probe: Probe): () => string | undefined {
  let said: { readonly why: string | undefined } | undefined;
  return () => {
    if (said !== undefined) return said.why;
    const handed = process.env[probe.env];
    if (handed !== undefined) return (said = { why: handed === '' ? undefined : handed }).why;
    let why = probe.absent();
    if (why === undefined) {
      try {
        execFileSync(probe.file, probe.args, PROBE_OPTIONS);
      } catch {
        why = probe.broken;
      }
    }
    return (said = { why }).why;
  };
}

/** Why the aws CLI tests skip, or undefined when `/usr/bin/aws` runs (with nothing of this machine's AWS settings). */
export const awsCliMissing = once(AWS_PROBE);

/** Why the boto3 tests skip, or undefined when Debian's python3 imports boto3. */
export const boto3Missing = once(BOTO3_PROBE);

/** The answer of `probe`, asked without holding the event loop. */
function asked(probe: Probe): Promise<string> {
  const why = probe.absent();
  if (why !== undefined) return Promise.resolve(why);
  return new Promise((resolve) => execFile(probe.file, probe.args, { env: PROBE_OPTIONS.env, timeout: PROBE_OPTIONS.timeout }, (err) => resolve(err ? probe.broken : '')));
}

/**
 * For the runner: asks both probes at once and sets their answers in this process's environment, which the test files'
 * processes it starts inherit. One not already answered there (a runner started with GATEHOUSE_TEST_PROBED_* set keeps it).
 */
export async function probeClientsForChildren(): Promise<void> {
  await Promise.all(
    [AWS_PROBE, BOTO3_PROBE].map(async (probe) => {
      if (process.env[probe.env] === undefined) process.env[probe.env] = await asked(probe);
    }),
  );
}
