// The CLI as an operator meets it: help for the program and each command (exit 0, even when an
// environment variable is bad), --version, and mistakes answered with a message and exit 2, never a
// stack trace; keys created, listed and revoked from the shell, each change audited.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../src/config/settings.js';

const CLI = path.join(projectRoot, 'dist', 'src', 'cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, NODE_ENV: 'test', ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, `no stack trace:\n${text}`);

test('--help lists every command and exits 0, even with an invalid environment variable', () => {
  for (const env of [{}, { PORT: 'not-a-port', VIEW_WEIGHTS: 'nonsense' }]) {
    const r = cli(['--help'], env);
    assert.equal(r.status, 0, r.stderr);
    for (const command of ['migrate', 'serve', 'worker', 'demo', 'generate-demo', 'import', 'embed', 'segment', 'keys']) {
      assert.match(r.stdout, new RegExp(`^  ${command}\\b`, 'm'), `lists ${command}`);
    }
    noStack(r.stdout + r.stderr);
  }
  // No command at all: the same help, exit 0.
  assert.equal(cli([]).status, 0);
});

test('every command has --help (exit 0) naming its options', () => {
  const expected: Record<string, string[]> = {
    segment: ['--k <n>', '--k-range <min-max>', '--vector <name>', '--algorithm <name>'],
    'generate-demo': ['--customers <n>', '--seed <n>', '--out <dir>'],
    import: ['--entity <entity>', '--batch-size <n>', '--restart', '--skip-invalid'],
    embed: ['--all'],
    'keys create': ['--role <role>', '--name <name>', '--expires-in-days <n>'],
  };
  for (const [command, options] of Object.entries(expected)) {
    const r = cli([...command.split(' '), '--help'], { PORT: 'bad' });
    assert.equal(r.status, 0, `${command} --help: ${r.stderr}`);
    for (const option of options) assert.ok(r.stdout.includes(option), `${command} --help names ${option}:\n${r.stdout}`);
    noStack(r.stdout + r.stderr);
  }
});

test('--version prints package.json version', () => {
  const r = cli(['--version']);
  assert.equal(r.status, 0);
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(r.stdout.trim(), pkg.version);
});

test('mistakes get a clear message and exit 2, without a stack trace', () => {
  const cases: Array<[string[], RegExp]> = [
    [['generate-demo', '--customers', 'abc'], /--customers <n>' argument 'abc' is invalid\. expected a whole number/],
    [['generate-demo', '--customers', '3'], /expected a whole number from 8 to 1000000/],
    [['segment', '--k', '1.5'], /--k <n>' argument '1\.5' is invalid/],
    [['segment', '--k-range', '9-3'], /expected MIN-MAX/],
    [['segment', '--algorithm', 'dbscan'], /Allowed choices are spectral, kmeans/],
    [['segment', '--k', '4', '--k-range', '3-6'], /give --k or --k-range, not both/],
    [['import'], /missing required argument 'file'/],
    [['import', '/no/such/file.csv'], /no file at \/no\/such\/file\.csv/],
    [['keys', 'create'], /required option '--role <role>' not specified/],
    [['keys', 'create', '--role', 'owner'], /Allowed choices are viewer, marketer, admin/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['embed', '--everything'], /unknown option '--everything'/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')} → ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    noStack(r.stderr);
  }
});

test('a bad environment variable stops a real command with its name and exit 1, no stack', () => {
  const r = cli(['migrate'], { PORT: 'not-a-port' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Invalid configuration:\n {2}PORT: /);
  noStack(r.stderr);
});

test('keys create / list / revoke from the shell, each audited; a revoked key does not authenticate', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-keys-'));
  const env: NodeJS.ProcessEnv = { DATA_DIR: dir, PGLITE_DIR: path.join(dir, 'pglite'), DATABASE_URL: '' };
  const created = cli(['keys', 'create', '--role', 'marketer', '--name', 'crm sync', '--expires-in-days', '30'], env);
  assert.equal(created.status, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^sk_marketer_[A-Za-z0-9_-]{32}$/, 'stdout is the key alone (for scripts)');
  const id = Number(/key #(\d+)/.exec(created.stderr)?.[1]);
  assert.ok(id > 0, created.stderr);

  const listed = cli(['keys', 'list'], env);
  assert.equal(listed.status, 0, listed.stderr);
  const row = listed.stdout.split('\n').find((l) => l.startsWith(`${id}\t`));
  assert.ok(row, listed.stdout);
  assert.match(row, /\tmarketer\tcrm sync\tcreated \S+\tlast used -\texpires \d{4}-\d{2}-\d{2}T\S+\tactive$/);
  assert.ok(!listed.stdout.includes(key), 'the secret is never listed');

  assert.equal(cli(['keys', 'revoke', String(id)], env).status, 0);
  assert.match(cli(['keys', 'list'], env).stdout, new RegExp(`^${id}\\t.*\\tREVOKED \\S+$`, 'm'));
  const missing = cli(['keys', 'revoke', '999'], env);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no key #999/);

  // What the shell did is in the audit log, read back through the service.
  const { createServices } = await import('../../src/app/services.js');
  const { loadSettings } = await import('../../src/config/settings.js');
  const services = await createServices(loadSettings({ ...env, NODE_ENV: 'test' }));
  try {
    assert.equal(await services.apiKeys.authenticate(key), undefined, 'revoked');
    const audit = await services.audit.list({ first: 10 });
    assert.deepEqual(
      audit.rows.map((e) => [e.action, e.target, e.actor]),
      [
        ['revokeApiKey', `apiKey:${id}`, 'cli (shell)'],
        ['createApiKey', `apiKey:${id}`, 'cli (shell)'],
      ],
    );
  } finally {
    await services.close();
  }
});
