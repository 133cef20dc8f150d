// `worker` processes for tests and benches that need several of them (PostgreSQL only), and a poll
// for a condition they bring about.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/config/settings.js';

const CLI = path.join(projectRoot, 'dist', 'src', 'cli.js');

/**
 * Starts `cli.js worker` with `env`; resolves once it waits for jobs (rejects if it exits first).
 * Its probes listen on a free port (PORT=0) unless `env` names one: several run at once. Its log is at
 * info level (NODE_ENV=test alone would keep only warnings): "waiting for jobs" is a log line.
 */
export async function startWorkerProcess(env: NodeJS.ProcessEnv, stderr: 'pipe' | 'inherit' = 'pipe'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker'], { env: { PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', stderr] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('waiting for jobs')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${out}`)));
  });
  return child;
}

/** Resolves when `check` holds, polling every `everyMs`; throws after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 20_000, everyMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
