// No Docker engine runs here, but the Compose client can still parse and validate the file, and what it
// resolves (`config`) is checked for the production properties: only the API published, the databases
// on an internal network, credentials from secret files, health checks on /readyz. The image itself is
// checked from the Dockerfile's text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { projectRoot } from '../../src/config/settings.js';

interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | null>;
  ports?: unknown[];
  networks?: Record<string, unknown>;
  secrets?: { source: string }[];
  healthcheck?: { test?: string[] | string };
  profiles?: string[];
}
interface ComposeConfig {
  services: Record<string, ComposeService>;
  networks?: Record<string, { internal?: boolean } | null>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
}

function composeConfig(...extra: string[]): { tool: string; status: number | null; stdout: string; stderr: string } {
  // The Compose v2 plugin (`docker compose`) where installed, else Debian's docker-compose.
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const [cmd, args] = !plugin.error && plugin.status === 0 ? ['docker', ['compose']] : ['docker-compose', []];
  const r = spawnSync(cmd, [...args, '-f', 'docker-compose.yml', ...extra, 'config'], { cwd: projectRoot, encoding: 'utf8' });
  if (r.error) throw new Error('Neither `docker compose` nor `docker-compose` is installed (.ci/run installs docker-compose).');
  return { tool: [cmd, ...args].join(' '), status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The resolved configuration, parsed (the `$$` of a command is Compose's escape; both clients print it as written). */
function resolved(...extra: string[]): { text: string; config: ComposeConfig } {
  const result = composeConfig(...extra);
  assert.equal(result.status, 0, `${result.tool} config failed:\n${result.stderr}`);
  return { text: result.stdout, config: parse(result.stdout) as ComposeConfig };
}

const service = (config: ComposeConfig, name: string): ComposeService => {
  const s = config.services[name];
  assert.ok(s, `service ${name}`);
  return s;
};
const networksOf = (s: ComposeService) => Object.keys(s.networks ?? {}).sort();
const secretsOf = (s: ComposeService) => (s.secrets ?? []).map((x) => x.source).sort();
const words = (value: string[] | string | undefined) => (Array.isArray(value) ? value.join(' ') : (value ?? ''));
const APP_SECRETS = ['database_url', 'metrics_token', 'qdrant_api_key'];

test('docker-compose.yml is accepted by the Compose client, with pinned images, volumes and health-gated start-up', () => {
  const { text, config } = resolved();
  assert.match(text, /image: qdrant\/qdrant:v\d+\.\d+\.\d+/);
  assert.match(text, /image: postgres:\d+/);
  for (const volume of ['qdrant-data', 'postgres-data', 'api-data']) assert.ok(config.volumes && volume in config.volumes, volume);
  assert.match(text, /condition: service_healthy/);
  for (const name of ['api', 'worker']) assert.equal(service(config, name).environment?.QDRANT_URL, 'http://qdrant:6333');
  assert.ok(path.isAbsolute(projectRoot));
});

test('only the API publishes a port: PostgreSQL, Qdrant and the workers sit on an internal network', () => {
  const { config } = resolved();
  for (const name of ['postgres', 'qdrant', 'worker']) {
    assert.equal(service(config, name).ports, undefined, `${name} publishes no port`);
    assert.deepEqual(networksOf(service(config, name)), ['backend'], `${name} only on backend`);
  }
  const api = service(config, 'api');
  assert.equal(api.ports?.length, 1);
  assert.match(JSON.stringify(api.ports), /"target":"?4000"?|4000:4000/);
  assert.deepEqual(networksOf(api), ['backend', 'frontend']);
  assert.equal(config.networks?.backend?.internal, true, 'backend is internal: no route to the host');
  assert.notEqual(config.networks?.frontend?.internal, true, 'frontend carries the published port');
  for (const [name, s] of Object.entries(config.services)) if (name !== 'api') assert.equal(s.ports, undefined, `${name} publishes nothing`);
});

test('credentials come from secret files: no password in the resolved configuration', () => {
  const { text, config } = resolved();
  const secretsDir = path.join(projectRoot, 'secrets');
  for (const [name, secret] of Object.entries(config.secrets ?? {}))
    assert.equal(secret.file, path.join(secretsDir, name), `secret ${name} is a file in secrets/`);

  const postgres = service(config, 'postgres');
  assert.equal(postgres.environment?.POSTGRES_PASSWORD_FILE, '/run/secrets/postgres_password');
  assert.equal(postgres.environment?.POSTGRES_PASSWORD, undefined);
  assert.deepEqual(secretsOf(postgres), ['postgres_password']);

  for (const name of ['api', 'worker']) {
    const s = service(config, name);
    assert.equal(s.environment?.DATABASE_URL_FILE, '/run/secrets/database_url', name);
    assert.equal(s.environment?.QDRANT_API_KEY_FILE, '/run/secrets/qdrant_api_key', name);
    for (const variable of ['DATABASE_URL', 'QDRANT_API_KEY', 'METRICS_TOKEN'])
      assert.equal(s.environment?.[variable], undefined, `${name}: no literal ${variable}`);
    assert.deepEqual(secretsOf(s), APP_SECRETS, name);
  }
  // Every /run/secrets/<name> a service is told about is a secret it mounts.
  for (const [name, s] of Object.entries(config.services)) {
    const named = [...`${JSON.stringify(s.environment ?? {})} ${words(s.command)}`.matchAll(/\/run\/secrets\/(\w+)/g)].map((m) => m[1]!);
    for (const secret of named) assert.ok(secretsOf(s).includes(secret), `${name} mounts ${secret}`);
  }

  // Qdrant has no _FILE variable: its command exports the key from the secret, then starts the server.
  const qdrant = service(config, 'qdrant');
  assert.deepEqual(secretsOf(qdrant), ['qdrant_api_key']);
  assert.equal(qdrant.environment?.QDRANT__SERVICE__API_KEY, undefined);
  assert.match(words(qdrant.command), /QDRANT__SERVICE__API_KEY="?\$\$?key"?.*exec \.\/entrypoint\.sh/);
  assert.match(words(qdrant.command), /\$\$?\(cat \/run\/secrets\/qdrant_api_key\)/);

  // No connection string with a password, no password variable with a value.
  assert.doesNotMatch(text, /postgres(ql)?:\/\/[^:\s]+:[^@\s]+@/);
  assert.doesNotMatch(text, /(PASSWORD|API_KEY|TOKEN): (?!\/run\/secrets\/)\S/);
});

test('scripts/compose-secrets.sh writes every secret file the compose file names, and keeps existing ones', () => {
  const { config } = resolved('--profile', 'qdrant-cluster');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-secrets-'));
  try {
    const target = path.join(dir, 'secrets');
    const run = () => spawnSync('bash', [path.join(projectRoot, 'scripts', 'compose-secrets.sh'), target], { encoding: 'utf8' });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    const read = (name: string) => fs.readFileSync(path.join(target, name), 'utf8');
    for (const name of Object.keys(config.secrets ?? {})) assert.ok(fs.existsSync(path.join(target, name)), `${name} written`);
    const password = read('postgres_password');
    assert.match(password, /^[0-9a-f]{32,}$/, 'a long random password, no trailing newline');
    assert.equal(read('database_url'), `postgresql://segment:${password}@postgres:5432/segment`);
    assert.notEqual(read('qdrant_api_key'), password);
    assert.equal(fs.statSync(target).mode & 0o777, 0o700, 'the directory keeps other users out');
    const before = Object.fromEntries(APP_SECRETS.map((n) => [n, read(n)]));
    assert.equal(run().status, 0);
    assert.deepEqual(Object.fromEntries(APP_SECRETS.map((n) => [n, read(n)])), before, 'a second run changes nothing');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // The files never reach git; the README does.
  const ignore = fs.readFileSync(path.join(projectRoot, '.gitignore'), 'utf8').split('\n');
  assert.ok(ignore.includes('secrets/*') && ignore.includes('!secrets/README.md'));
  assert.ok(fs.existsSync(path.join(projectRoot, 'secrets', 'README.md')));
});

test('API and worker health checks ask /readyz; workers serve it on all interfaces', () => {
  const { config } = resolved();
  for (const name of ['api', 'worker']) {
    const check = words(service(config, name).healthcheck?.test);
    assert.match(check, /http:\/\/127\.0\.0\.1:4000\/readyz/, `${name} health check`);
  }
  const worker = service(config, 'worker');
  assert.deepEqual(worker.command, ['node', 'dist/src/cli.js', 'worker']);
  assert.equal(worker.environment?.HOST, '0.0.0.0');
  assert.equal(worker.environment?.PORT ?? '4000', '4000');
  assert.match(words(service(config, 'qdrant').healthcheck?.test), /\/readyz/);
});

test('the image: Node 22, production dependencies and compiled product only, a non-root user, a health check', () => {
  const dockerfile = fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const froms = lines.filter((l) => /^FROM /i.test(l));
  assert.ok(froms.length >= 2, 'multi-stage');
  for (const from of froms) assert.match(from, /^FROM node:22[.-]/i, from);
  const runtime = lines.slice(lines.lastIndexOf(froms.at(-1)!));
  const copies = runtime.filter((l) => /^COPY /i.test(l));
  assert.ok(copies.some((l) => /\/app\/dist\/src\s/.test(l)) && copies.some((l) => /\/app\/dist\/web\s/.test(l)), 'dist/src and dist/web');
  for (const copy of copies) {
    assert.doesNotMatch(copy, /dist\/(test|bench)/, copy);
    assert.doesNotMatch(copy, /\/app\/dist(\/)?\s/, `the whole dist/ (with tests and benches): ${copy}`);
    assert.doesNotMatch(copy, /^COPY (--\S+ )*\.\s/i, `the build context: ${copy}`);
  }
  assert.ok(
    lines.some((l) => /npm prune --omit=dev/.test(l)),
    'development dependencies pruned',
  );
  const users = runtime.filter((l) => /^USER /i.test(l));
  assert.ok(users.length > 0, 'a USER line in the runtime stage');
  assert.doesNotMatch(users.at(-1)!, /^USER (root|0)(:|$)/i, 'the last USER is not root');
  assert.match(runtime.find((l) => /^ENV /i.test(l) && /NODE_ENV/.test(l)) ?? '', /NODE_ENV=production/);
  assert.ok(runtime.some((l) => /^EXPOSE 4000$/i.test(l)));
  const healthcheck = runtime.find((l) => /^HEALTHCHECK /i.test(l));
  assert.ok(healthcheck, 'a HEALTHCHECK');
  assert.match(healthcheck, /\/readyz/);
  assert.doesNotMatch(healthcheck, /\bcurl\b|\bwget\b/, 'the image has neither');
});

test('the qdrant-cluster profile: three nodes of the pinned version, peers bootstrapped from the first, keyed and internal', () => {
  const { config } = resolved('--profile', 'qdrant-cluster');
  const qdrants = Object.entries(config.services).filter(([, s]) => s.image?.startsWith('qdrant/qdrant:'));
  const images = qdrants.map(([, s]) => s.image);
  assert.equal(images.length, 4, 'the single node and three cluster nodes');
  assert.equal(new Set(images).size, 1, 'one version everywhere');
  const nodes = qdrants.filter(([, s]) => s.environment?.QDRANT__CLUSTER__ENABLED === 'true');
  assert.equal(nodes.length, 3);
  assert.equal(nodes.filter(([, s]) => /--bootstrap http:\/\/qdrant-node1:6335/.test(words(s.command))).length, 2);
  for (const [name, s] of nodes) {
    assert.deepEqual(networksOf(s), ['backend'], name);
    assert.equal(s.ports, undefined, name);
    assert.deepEqual(secretsOf(s), ['qdrant_api_key'], name);
    assert.match(words(s.command), /QDRANT__SERVICE__API_KEY=.*exec \.\/qdrant --/, name);
  }
});

test('the Qdrant server pinned is the minor version the client library speaks (and the OpenAPI document we validate against)', () => {
  const config = composeConfig().stdout;
  const server = /image: qdrant\/qdrant:v(\d+)\.(\d+)\.\d+/.exec(config);
  assert.ok(server, 'qdrant image pinned to a version');
  const client = JSON.parse(fs.readFileSync(path.join(projectRoot, 'node_modules/@qdrant/js-client-rest/package.json'), 'utf8')) as { version: string };
  const [major, minor] = client.version.split('.');
  assert.deepEqual([server[1], server[2]], [major, minor], `server v${server[1]}.${server[2]}, client ${client.version}`);
});
