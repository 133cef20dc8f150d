// The service's CLI as a user runs it, for the benches that make a shop at size (bench:restart,
// bench:scale): one process per command, timed, with its peak resident memory; and the database a
// bench's shop lives in when it is not the embedded default.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/config/settings.js';
import { databaseTargets } from '../test/support/databases.js';

const CLI = path.join(projectRoot, 'dist', 'src', 'cli.js');

export interface CliRun {
  seconds: number;
  /** Peak resident memory (GNU time's maximum RSS), when /usr/bin/time is there. */
  peakMb: number | undefined;
}

/** Runs `cli <args>` to its end with `env`; GNU time's report goes to a file in `scratchDir`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, scratchDir: string): CliRun {
  const started = performance.now();
  const timeFile = path.join(scratchDir, 'time.txt');
  const useTime = fs.existsSync('/usr/bin/time');
  const command = useTime ? '/usr/bin/time' : process.execPath;
  const argv = useTime ? ['-f', '%M', '-o', timeFile, process.execPath, CLI, ...args] : [CLI, ...args];
  const result = spawnSync(command, argv, { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}`);
  const peakMb = useTime ? Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()) / 1024 : undefined;
  return { seconds: (performance.now() - started) / 1000, peakMb };
}

export const megabytes = (mb: number | undefined) => (mb === undefined ? '—' : `${mb.toFixed(0)} MB`);

/**
 * A database of its own on the PostgreSQL server of TEST_DATABASE_URL (scripts/postgres.sh when
 * unset) for a bench's shop: its URL. Kept after the bench (the caller records it to reuse).
 */
export async function benchPostgresDatabase(): Promise<string> {
  if (!process.env.TEST_DATABASE_URL) {
    const pg = spawnSync('bash', [path.join(projectRoot, 'scripts', 'postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (pg.status === 0) process.env.TEST_DATABASE_URL = pg.stdout.trim();
  }
  const target = databaseTargets().find((t) => t.name === 'postgresql');
  if (!target) throw new Error('a PostgreSQL bench needs TEST_DATABASE_URL (or scripts/postgres.sh)');
  const database = await target.create();
  if (database.settings.kind !== 'postgresql') throw new Error('the PostgreSQL target made no PostgreSQL database');
  return database.settings.url;
}

export const markdownTable = (head: string[], body: string[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
