// `npm test`: runs every compiled test file with node's test runner, against PGlite and against a real
// PostgreSQL. TEST_DATABASE_URL names the server; when it is unset, scripts/postgres.sh starts the
// local Debian cluster if there is one. CI must test PostgreSQL, so there a missing server is an error.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const env = { ...process.env, NODE_ENV: 'test' };

if (!env.TEST_DATABASE_URL) {
  const pg = spawnSync('bash', [path.join(root, 'scripts', 'postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pg.status === 0 && pg.stdout.trim()) {
    env.TEST_DATABASE_URL = pg.stdout.trim();
  } else if (process.env.CI) {
    console.error('CI needs PostgreSQL for the database tests: install it (see .ci/run) or set TEST_DATABASE_URL.');
    process.exit(1);
  } else {
    console.warn('\n*** No PostgreSQL found: database tests run on PGlite only. Set TEST_DATABASE_URL to include PostgreSQL. ***\n');
  }
}
if (env.TEST_DATABASE_URL) console.log(`PostgreSQL tests use ${env.TEST_DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}`);

const only = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (entry.name.endsWith('.test.js') && (only.length === 0 || only.some((o) => p.includes(o)))) files.push(p);
  }
};
walk(path.join(root, 'dist', 'test'));
files.sort();

const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=1800000', ...files], {
  stdio: 'inherit',
  env,
  cwd: root,
});
process.exit(result.status ?? 1);
