// Runs `prisma generate` at install time. Generation needs no engine binary, but the CLI insists
// that PRISMA_SCHEMA_ENGINE_BINARY names an existing file on machines where it cannot download one;
// point it at this script when nothing better is configured.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

// A production install (`npm ci --omit=dev`) has no Prisma CLI: the client was generated (and
// compiled into dist/) where the project was built.
if (!fs.existsSync(new URL('../node_modules/prisma/package.json', import.meta.url))) {
  console.log('prisma-generate: the Prisma CLI is not installed (production install); nothing to generate.');
  process.exit(0);
}

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
