// After `npm prune --omit=dev` (the image's build stage): npm keeps packages that are dev
// dependencies here and only *optional* peers of a production package (`devOptional` in the lock
// file: the Prisma CLI and what it brings, as an optional peer of @prisma/client). Production never
// needs an optional peer it does not use, so they go too.
import fs from 'node:fs';
import path from 'node:path';

const root = process.argv[2] ?? process.cwd();
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
let removed = 0;
for (const [where, entry] of Object.entries(lock.packages)) {
  if (!where || !entry.devOptional) continue;
  const dir = path.join(root, where);
  if (fs.existsSync(dir)) {
    fs.rmSync(dir, { recursive: true, force: true });
    removed++;
  }
}
console.log(`removed ${removed} dev-only optional packages`);
