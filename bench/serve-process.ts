// A `serve` process for the benches, as production runs it: its own process on a free loopback port
// (the load generator does not share its thread), its log in a file, ready once /readyz answers 200
// (the database migrated, the search indexes built or read, the warm-up answered).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../src/config/settings.js';

export interface ServeProcess {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The GraphQL endpoint. */
  url: string;
  pid: number;
  /** From spawning the process to /readyz answering 200. */
  readySeconds: number;
  /** The kernel's high-water mark of the process's resident memory since it started, in MB. */
  peakMb(): number;
  /** One GraphQL request with this key, its milliseconds; any error in the answer throws. */
  ask(key: string, query: string, variables: object): Promise<number>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `serve` with `env` (PORT set here), its stdout appended to `logFile`; resolves once it is ready. */
export async function startServe(env: NodeJS.ProcessEnv, logFile: string, options: { readyWithinMs?: number } = {}): Promise<ServeProcess> {
  const port = await freePort();
  const log = fs.openSync(logFile, 'a');
  const started = performance.now();
  const server = spawn(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli.js'), 'serve'], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', log, 'inherit'],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const origin = `http://127.0.0.1:${port}`;
  const readyWithinMs = options.readyWithinMs ?? 300_000;
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}); see ${logFile}`);
    const status = await fetch(`${origin}/readyz`)
      .then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      })
      .catch(() => 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server was not ready within ${readyWithinMs / 1000} s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `${origin}/graphql`;
  const ask = async (key: string, query: string, variables: object) => {
    const t = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    if (!response.ok || body.errors) throw new Error(`${response.status}: ${JSON.stringify(body.errors)}`);
    return performance.now() - t;
  };
  const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  return { origin, url, pid: server.pid!, readySeconds: (performance.now() - started) / 1000, peakMb, ask, stop };
}
