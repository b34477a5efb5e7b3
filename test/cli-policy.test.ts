/**
 * The `gatehouse policy` commands as a user runs them, on temp files: the executable's program in this process
 * (test/support/gatehouse-cli.ts: its environment, working directory, output and exit status as a process's).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES } from '../src/core/errors.ts';
import { EXIT, EXIT_CODES } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ROOT = join(import.meta.dirname, '..');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function gatehouse(...args: string[]): Promise<Run> {
  return gatehouseInProcess(args, process.env, { cwd: ROOT });
}

let dir = '';
const file = (name: string): string => join(dir, name);

const IDENTITY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ReadDatasets', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::ml-datasets', 'arn:aws:s3:::ml-datasets/*'] },
    { Sid: 'KeepOutOfRestricted', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::ml-datasets/restricted/*' },
  ],
};
const ALICE = 'arn:aws:iam::111122223333:user/alice';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-policy-'));
  await writeFile(file('identity.json'), JSON.stringify(IDENTITY, null, 2));
  await writeFile(
    file('bad-effect.json'),
    ['{', '  "Version": "2012-10-17",', '  "Statement": [', '    {', '      "Effect": "Alow",', '      "Action": "s3:GetObject",', '      "Resource": "*"', '    }', '  ]', '}', ''].join('\n'),
  );
  await writeFile(file('syntax.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Allow" \n  ]\n}\n');
  await writeFile(
    file('bad.yaml'),
    ['Version: "2012-10-17"', 'Statement:', '  - Sid: ReadDatasets', '    Effect: Allow', '    Action: s3:GetObject', '    Resource: "*"', '  - Effect: Maybe', '    Action: s3:PutObject', '    Resource: "*"', ''].join('\n'),
  );
  await writeFile(file('duplicate.yml'), ['Version: "2012-10-17"', 'Statement:', '  - Effect: Allow', '    Effect: Deny', '    Action: "*"', '    Resource: "*"', ''].join('\n'));
  await writeFile(file('good.yaml'), ['Version: "2012-10-17"', 'Statement:', '  Effect: Allow', '  Action: [s3:GetObject]', '  Resource: arn:aws:s3:::ml-datasets/*', ''].join('\n'));
  await writeFile(file('trust-no-principal.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }, null, 2));
  await writeFile(
    file('trust-alice.json'),
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Alice', Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'sts:AssumeRole' }] }, null, 2),
  );
  await writeFile(
    file('tags.json'),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TagOnlyKnownKeys',
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: '*',
          Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'project'] }, Null: { 'aws:TagKeys': 'false' } },
        },
      ],
    }),
  );
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('policy validate', () => {
  test('a valid document prints `valid` and exits 0', async () => {
    const r = await gatehouse('policy', 'validate', file('identity.json'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'valid\n');
  });

  test('an invalid document prints each error with file, line:column, path and code', async () => {
    const r = await gatehouse('policy', 'validate', file('bad-effect.json'));
    assert.equal(r.code, EXIT.invalidPolicy);
    assert.match(r.stdout, new RegExp(`^${escape(file('bad-effect.json'))}:5:\\d+: Statement\\[0\\]\\.Effect: .*\\[POLICY_INVALID_EFFECT\\]$`, 'm'));
  });

  test('a JSON syntax error gives its position', async () => {
    const r = await gatehouse('policy', 'validate', file('syntax.json'));
    assert.equal(r.code, EXIT.invalidPolicy);
    assert.match(r.stdout, /syntax\.json:5:\d+: .*\[POLICY_JSON_SYNTAX\]/);
  });

  test('YAML files are accepted, and errors point at the YAML line', async () => {
    const good = await gatehouse('policy', 'validate', file('good.yaml'));
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const bad = await gatehouse('policy', 'validate', file('bad.yaml'));
    assert.equal(bad.code, EXIT.invalidPolicy);
    assert.match(bad.stdout, /bad\.yaml:7:5: Statement\[1\]\.Effect: .*\[POLICY_INVALID_EFFECT\]/);
  });

  test('a key repeated in YAML is a duplicate-key error with its line', async () => {
    const r = await gatehouse('policy', 'validate', file('duplicate.yml'));
    assert.equal(r.code, EXIT.invalidPolicy);
    assert.match(r.stdout, /duplicate\.yml:4:\d+: .*\[POLICY_DUPLICATE_KEY\]/);
  });

  test('--kind selects the grammar: a trust policy needs a Principal', async () => {
    const asIdentity = await gatehouse('policy', 'validate', file('trust-no-principal.json'));
    assert.equal(asIdentity.code, 0);
    const asTrust = await gatehouse('policy', 'validate', '--kind', 'trust', file('trust-no-principal.json'));
    assert.equal(asTrust.code, EXIT.invalidPolicy);
    assert.match(asTrust.stdout, /Statement\[0\]\.Principal: .*\[POLICY_PRINCIPAL_REQUIRED\]/);
    assert.match(asTrust.stdout, /:\d+:\d+: Statement\[0\]\.Resource: .*\[POLICY_UNKNOWN_ELEMENT\]/);
  });

  test('--json reports every file with its errors', async () => {
    const r = await gatehouse('policy', 'validate', '--json', file('identity.json'), file('bad-effect.json'));
    assert.equal(r.code, EXIT.invalidPolicy);
    const out = JSON.parse(r.stdout) as { valid: boolean; files: { file: string; valid: boolean; errors: { code: string; path: string; line?: number }[] }[] };
    assert.equal(out.valid, false);
    assert.deepEqual(out.files.map((f) => f.valid), [true, false]);
    assert.equal(out.files[1]?.errors[0]?.code, 'POLICY_INVALID_EFFECT');
    assert.equal(out.files[1]?.errors[0]?.path, 'Statement[0].Effect');
    assert.equal(out.files[1]?.errors[0]?.line, 5);
  });

  test('a missing file is reported and exits 5', async () => {
    const r = await gatehouse('policy', 'validate', file('nope.json'));
    assert.equal(r.code, EXIT.noInput);
    assert.match(r.stderr, /cannot read `.*nope\.json`: no such file/);
  });

  test('the examples in examples/policies are what the README says they are', async () => {
    const ex = (n: string): string => join(ROOT, 'examples', 'policies', n);
    for (const [name, kind] of [['ml-data-reader.json', 'identity'], ['ml-data-reader.yaml', 'identity'], ['training-trust.json', 'trust'], ['checkpoints-bucket-policy.json', 'resource']] as const) {
      const r = await gatehouse('policy', 'validate', '--kind', kind, ex(name));
      assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
    }
    const broken = await gatehouse('policy', 'validate', ex('broken.json'));
    assert.equal(broken.code, EXIT.invalidPolicy);
    assert.match(broken.stdout, /\[POLICY_INVALID_EFFECT\]/);
    assert.match(broken.stdout, /\[POLICY_INVALID_ACTION\]/);
  });
});

describe('policy evaluate', () => {
  const request = (resource: string): string[] => ['--principal', ALICE, '--action', 's3:GetObject', '--resource', resource];

  test('Allow exits 0; --explain names the matching statement', async () => {
    const plain = await gatehouse('policy', 'evaluate', '--policy', file('identity.json'), ...request('arn:aws:s3:::ml-datasets/a.tar'));
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^Allow: .+\n$/);
    const explained = await gatehouse('policy', 'evaluate', '--policy', file('identity.json'), ...request('arn:aws:s3:::ml-datasets/a.tar'), '--explain');
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /Allow/);
    assert.match(explained.stdout, /ReadDatasets/);
    assert.match(explained.stdout, /identity\.json/);
  });

  test('an explicit deny exits 1 and the explanation names the Deny statement', async () => {
    const r = await gatehouse('policy', 'evaluate', '--policy', file('identity.json'), ...request('arn:aws:s3:::ml-datasets/restricted/x'), '--explain');
    assert.equal(r.code, EXIT.denied, r.stderr);
    assert.match(r.stdout, /ExplicitDeny/);
    assert.match(r.stdout, /KeepOutOfRestricted/);
  });

  test('no matching statement is an implicit deny, exit 1', async () => {
    const r = await gatehouse('policy', 'evaluate', '--policy', file('identity.json'), ...request('arn:aws:s3:::other-bucket/x'));
    assert.equal(r.code, EXIT.denied);
    assert.match(r.stdout, /^ImplicitDeny: .+\n$/);
  });

  test('--json gives the decision and the matched statements', async () => {
    const r = await gatehouse('policy', 'evaluate', '--json', '--policy', file('identity.json'), ...request('arn:aws:s3:::ml-datasets/a.tar'));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { decision: string; matched: { policy: string; sid: string | null; type: string }[] };
    assert.equal(out.decision, 'Allow');
    assert.deepEqual(out.matched.map((m) => [m.sid, m.type]), [['ReadDatasets', 'identity']]);
  });

  test('YAML policies evaluate like JSON ones', async () => {
    const r = await gatehouse('policy', 'evaluate', '--policy', file('good.yaml'), ...request('arn:aws:s3:::ml-datasets/a.tar'));
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('--context repeated for one key makes it multi-valued', async () => {
    const base = ['policy', 'evaluate', '--policy', file('tags.json'), '--principal', ALICE, '--action', 'ec2:CreateTags', '--resource', '*'];
    const known = await gatehouse(...base, '--context', 'aws:TagKeys=team', '--context', 'aws:TagKeys=project');
    assert.equal(known.code, 0, known.stdout + known.stderr);
    const unknown = await gatehouse(...base, '--context', 'aws:TagKeys=team', '--context', 'aws:TagKeys=owner', '--explain');
    assert.equal(unknown.code, EXIT.denied, unknown.stdout + unknown.stderr);
  });

  test('a resource policy with a condition on the request context', async () => {
    const base = [
      'policy', 'evaluate',
      '--resource-policy', join(ROOT, 'examples', 'policies', 'checkpoints-bucket-policy.json'),
      '--principal', 'arn:aws:sts::444455556666:assumed-role/trainer/job-42',
      '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::checkpoints/step-100.pt',
    ];
    const inside = await gatehouse(...base, '--context', 'aws:SourceIp=10.1.2.3');
    assert.equal(inside.code, 0, inside.stdout + inside.stderr);
    const outside = await gatehouse(...base, '--context', 'aws:SourceIp=203.0.113.9');
    assert.equal(outside.code, EXIT.denied, outside.stdout + outside.stderr);
  });

  test('--trust-policy decides sts:AssumeRole on the role', async () => {
    const base = ['policy', 'evaluate', '--trust-policy', file('trust-alice.json'), '--action', 'sts:AssumeRole', '--resource', 'arn:aws:iam::111122223333:role/trainer'];
    const alice = await gatehouse(...base, '--principal', ALICE, '--explain');
    assert.equal(alice.code, 0, alice.stdout + alice.stderr);
    assert.match(alice.stdout, /trust policy `.*trust-alice\.json` statement 0 \(Sid `Alice`\)/);
    const bob = await gatehouse(...base, '--principal', 'arn:aws:iam::111122223333:user/bob');
    assert.equal(bob.code, EXIT.denied, bob.stdout + bob.stderr);
  });

  test('an invalid policy is reported with its file and path, exit 3', async () => {
    const r = await gatehouse('policy', 'evaluate', '--policy', file('bad-effect.json'), ...request('arn:aws:s3:::ml-datasets/a.tar'));
    assert.equal(r.code, EXIT.invalidPolicy);
    assert.match(r.stderr, /bad-effect\.json:5:\d+: Statement\[0\]\.Effect: .*\[POLICY_INVALID_EFFECT\]/);
  });

  test('an invalid principal is a request error naming the option, exit 4', async () => {
    const r = await gatehouse('policy', 'evaluate', '--policy', file('identity.json'), '--principal', 'alice', '--action', 's3:GetObject', '--resource', '*');
    assert.equal(r.code, EXIT.invalidRequest);
    assert.match(r.stderr, /^--principal: .*\[REQUEST_INVALID_PRINCIPAL\]$/m);
  });

  test('an action with a wildcard is a request error, exit 4', async () => {
    const r = await gatehouse('policy', 'evaluate', '--policy', file('identity.json'), '--principal', ALICE, '--action', 's3:Get*', '--resource', '*');
    assert.equal(r.code, EXIT.invalidRequest);
    assert.match(r.stderr, /^--action: .*\[REQUEST_INVALID_ACTION\]$/m);
  });
});

describe('usage errors exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown command', ['polcy'], /unknown command 'polcy'/],
    ['unknown subcommand', ['policy', 'lint', 'x.json'], /unknown command 'lint'/],
    ['unknown option', ['policy', 'validate', '--strict', 'x.json'], /unknown option '--strict'/],
    ['missing argument', ['policy', 'validate'], /missing required argument 'file'/],
    ['bad --kind', ['policy', 'validate', '--kind', 'group', 'x.json'], /Allowed choices are identity, resource, trust/],
    ['missing required option', ['policy', 'evaluate', '--policy', 'x.json', '--action', 's3:GetObject', '--resource', '*'], /required option '--principal <arn>' not specified/],
    ['malformed --context', ['policy', 'evaluate', '--principal', ALICE, '--action', 's3:GetObject', '--resource', '*', '--context', 'novalue'], /expected KEY=VALUE/],
    ['malformed --time', ['policy', 'evaluate', '--principal', ALICE, '--action', 's3:GetObject', '--resource', '*', '--time', 'yesterday'], /ISO 8601/],
    ['no command', [], /Usage: gatehouse/],
    ['group without subcommand', ['policy'], /Usage: gatehouse policy/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const r = await gatehouse(...args);
      assert.equal(r.code, EXIT.usage, `${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }
});

describe('--help at every level', () => {
  const cases: [string[], RegExp][] = [
    [['--help'], /Usage: gatehouse \[options\] \[command\][\s\S]*policy/],
    [['help'], /Usage: gatehouse/],
    [['help', 'policy'], /Usage: gatehouse policy[\s\S]*validate[\s\S]*evaluate/],
    [['policy', '--help'], /Usage: gatehouse policy[\s\S]*validate[\s\S]*evaluate/],
    [['policy', 'validate', '--help'], /Usage: gatehouse policy validate \[options\] <file\.\.\.>[\s\S]*--kind[\s\S]*Exit status/],
    [['policy', 'evaluate', '-h'], /Usage: gatehouse policy evaluate[\s\S]*--principal[\s\S]*--context[\s\S]*Exit status/],
  ];
  for (const [args, expected] of cases) {
    test(args.join(' '), async () => {
      const r = await gatehouse(...args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, expected);
    });
  }

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await gatehouse('--version');
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });
});

describe('docs/errors.md', () => {
  test('lists every error code with its CLI exit code', async () => {
    const doc = await readFile(join(ROOT, 'docs', 'errors.md'), 'utf8');
    for (const code of ERROR_CODES) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\``));
      assert.ok(row, `docs/errors.md has no table row for ${code}`);
      const cells = row.split('|').map((c) => c.trim()).filter((c) => c !== '');
      assert.equal(cells.at(-1), String(EXIT_CODES[code]), `docs/errors.md: exit code of ${code}`);
    }
  });

  test('documents every exit status', async () => {
    const doc = await readFile(join(ROOT, 'docs', 'errors.md'), 'utf8');
    for (const [name, status] of Object.entries(EXIT)) {
      assert.match(doc, new RegExp(`^\\| ${status} \\|`, 'm'), `docs/errors.md: exit status ${status} (${name})`);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
