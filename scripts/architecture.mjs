// `npm run architecture`: the folder-level dependency graph of src/ as a Mermaid flowchart, from
// dependency-cruiser's own reading of the imports (the README's architecture section pastes it).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const run = spawnSync(process.execPath, [cli, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 << 20,
});
if (run.status !== 0 && !run.stdout) {
  console.error(run.stderr);
  process.exit(1);
}
const folderOf = (file) => {
  const parts = file.split('/');
  return parts.length > 2 ? parts[1] : parts[1].replace(/\.ts$/, '');
};
// Edges into the folders nearly everything uses (errors, config, shared, db) are left out of the
// picture and listed once: they would hide the rest.
const EVERYWHERE = new Set(['errors', 'config', 'shared', 'db', 'observability']);
const id = (folder) => folder.replace(/[^A-Za-z0-9]/g, '_');
const edges = new Set();
for (const module of JSON.parse(run.stdout).modules) {
  if (!module.source.startsWith('src/')) continue;
  for (const d of module.dependencies) {
    if (!d.resolved.startsWith('src/') || d.resolved.startsWith('src/db/generated/')) continue;
    const from = folderOf(module.source);
    const to = folderOf(d.resolved);
    if (from !== to && !EVERYWHERE.has(to)) edges.add(`  ${id(from)}[${from}] --> ${id(to)}[${to}]`);
  }
}
console.log(['```mermaid', 'flowchart LR', ...[...edges].sort(), '```', `(Every folder may also use ${[...EVERYWHERE].join(', ')}.)`].join('\n'));
