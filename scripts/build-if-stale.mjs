// `npm run <command>` builds only when something the build reads has changed since the last build:
// the sources (src, test, bench, web), the model manifest, the schema, the configs and the lock file.
// A fingerprint of their paths, sizes and modification times is kept in dist/.build-inputs;
// `npm run build` always builds (and `npm test` too: CI starts clean).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const INPUTS = ['src', 'test', 'bench', 'web', 'models/manifest.json', 'schema.graphql', 'tsconfig.json', 'package-lock.json', 'prisma/schema.prisma'];
const SKIP = new Set(['node_modules', 'dist', 'generated', 'hub']);
const stamp = path.join(root, 'dist', '.build-inputs');

function fingerprint() {
  const hash = createHash('sha256');
  const visit = (p) => {
    if (!fs.existsSync(p)) return;
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) if (!SKIP.has(name)) visit(path.join(p, name));
    } else {
      hash.update(`${path.relative(root, p)}\0${stat.size}\0${stat.mtimeMs}\n`);
    }
  };
  for (const input of INPUTS) visit(path.join(root, input));
  return hash.digest('hex');
}

const before = fingerprint();
const built = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === before && fs.existsSync(path.join(root, 'dist', 'src', 'cli.js'));
if (!built) {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // The build itself may rewrite inputs (schema.graphql is not, web codegen output is under web/src/gql):
  // the fingerprint after it is the one that matches the next run.
  fs.writeFileSync(stamp, fingerprint());
}
