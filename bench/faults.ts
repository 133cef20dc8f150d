// `npm run test:faults`: kill -9 at many points (FAULT_POINTS, 20 by default) during each of four
// operations — a file import, an embedding job, a segmentation run, an audience save — each time on a
// fresh copy of a prepared shop (PGlite and the embedded vector store, the defaults), then restart and
// check the invariants:
//   import        after the import is run again: every row there once (the counts of a clean import)
//   embed         at restart the killed job is FAILED (never left RUNNING); after the embed is run
//                 again, one vector per customer and no vector without its customer
//   segmentation  at restart the previous run is still the active one, with all its members, and the
//                 killed run is FAILED with a reason; a new run then completes
//   audience      every saved audience is whole (its members as many as its size), or absent
// Too slow for CI (a few minutes); the last results are in README.md. FAULT_OPS chooses operations.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices, type AppServices } from '../src/app/services.js';
import { loadSettings, projectRoot } from '../src/config/settings.js';
import { CUSTOMERS_ALIAS } from '../src/customer-vectors/customer-space.js';
import { startServer } from '../src/http/app.js';

const POINTS = Number(process.env.FAULT_POINTS ?? 20);
const OPS = (process.env.FAULT_OPS ?? 'import,embed,segment,audience,pg-restart').split(',');
const CUSTOMERS = 300;
const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const self = path.join(projectRoot, 'dist', 'bench', 'faults.js');
const FILES = ['customers', 'products', 'orders', 'searches', 'reviews'];

const envFor = (dir: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, NODE_ENV: 'test', PROGRESS_INTERVAL_MS: '100000' };
  delete env.DATABASE_URL;
  delete env.QDRANT_URL;
  return env;
};
const open = (dir: string) => createServices(loadSettings(envFor(dir)));

// Child mode: the operations that have no CLI command of their own.
if (process.argv[2] === 'child') {
  const [, , , op, dir] = process.argv;
  if (op === 'import') {
    // One CLI import per file, in order (this process holds no database: PGlite belongs to one process).
    for (const f of FILES) {
      const r = spawnSync(process.execPath, [cli, 'import', path.join(dir!, '..', 'files', `${f}.jsonl`)], { env: envFor(dir!), stdio: 'ignore' });
      if (r.status !== 0) process.exit(r.status ?? 1);
    }
  } else if (op === 'audience') {
    const services = await open(dir!);
    const seeds = (await services.db.prisma.customer.findMany({ take: 40, orderBy: { id: 'asc' }, select: { externalId: true } })).map((c) => c.externalId);
    await services.audiences.save(`fault ${Date.now()}`, { seeds, size: 250, excludeSeeds: true, vector: 'lexical', strategy: 'average_vector' }, 'faults');
    await services.close();
  }
  process.exit(0);
}

function run(args: string[], dir: string): void {
  const r = spawnSync(process.execPath, args, { env: envFor(dir), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.slice(1).join(' ')} failed: ${r.stderr}`);
}

/** Starts the operation, kills it (process group) after `ms`; whether it had finished first. */
async function killAfter(args: string[], dir: string, ms: number): Promise<boolean> {
  const child = spawn(process.execPath, args, { env: envFor(dir), stdio: 'ignore', detached: true });
  let exited = false;
  const done = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  await Promise.race([done, new Promise((r) => setTimeout(r, ms))]);
  const finished = exited;
  if (!exited) {
    process.kill(-child.pid!, 'SIGKILL');
    await done;
  }
  return finished;
}

async function timed(fn: () => void | Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-'));
const files = path.join(root, 'files');
run([cli, 'generate-demo', '--customers', String(CUSTOMERS), '--seed', '7', '--out', files], path.join(root, 'scratch'));
// Prepared states, copied for each trial.
const empty = path.join(root, 'empty');
run([cli, 'migrate'], empty);
const imported = path.join(root, 'imported');
fs.cpSync(empty, imported, { recursive: true });
const importMs = await timed(() => run([self, 'child', 'import', imported], imported));
const embedded = path.join(root, 'embedded');
fs.cpSync(imported, embedded, { recursive: true });
const embedMs = await timed(() => run([cli, 'embed'], embedded));
const segmented = path.join(root, 'segmented');
fs.cpSync(embedded, segmented, { recursive: true });
const segmentMs = await timed(() => run([cli, 'segment', '--k', '6'], segmented));
const audienceMs = await timed(() => run([self, 'child', 'audience', segmented], segmented));

const expected = await (async () => {
  const s = await open(imported);
  const p = s.db.prisma;
  const counts = {
    customers: await p.customer.count(),
    products: await p.product.count(),
    orders: await p.order.count(),
    items: await p.orderItem.count(),
    searches: await p.searchQuery.count(),
    reviews: await p.review.count(),
  };
  await s.close();
  return counts;
})();

interface Outcome {
  op: string;
  points: number;
  finishedFirst: number;
  checks: number;
  failures: string[];
}
const outcomes: Outcome[] = [];

async function trial(
  op: string,
  base: string,
  duration: number,
  args: string[],
  check: (dir: string, finished: boolean, s: AppServices) => Promise<number>,
): Promise<void> {
  const outcome: Outcome = { op, points: 0, finishedFirst: 0, checks: 0, failures: [] };
  outcomes.push(outcome);
  for (let i = 0; i < POINTS; i++) {
    const dir = path.join(root, `${op}-${i}`);
    fs.cpSync(base, dir, { recursive: true });
    // Kill points spread over the operation's length (process start included), from 5 % to 100 %.
    const at = Math.round(duration * (0.05 + i / POINTS));
    const finished = await killAfter(
      args.map((a) => (a === '$DIR' ? dir : a)),
      dir,
      at,
    );
    outcome.points++;
    if (finished) outcome.finishedFirst++;
    let services: AppServices | undefined;
    try {
      services = await open(dir);
      await services.startWork({ worker: false });
      outcome.checks += await check(dir, finished, services);
    } catch (error) {
      outcome.failures.push(`kill at ${at} ms: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await services?.close().catch(() => undefined); // a check may have closed it to run the CLI
      fs.rmSync(dir, { recursive: true, force: true });
    }
    process.stderr.write(`${op}: ${i + 1}/${POINTS}\r`);
  }
  process.stderr.write('\n');
}

function must(condition: boolean, what: string): number {
  if (!condition) throw new Error(what);
  return 1;
}

if (OPS.includes('import')) {
  await trial('file import', empty, importMs, [self, 'child', 'import', '$DIR'], async (dir) => {
    run([self, 'child', 'import', dir], dir); // the import run again, to the end
    const s = await open(dir);
    try {
      const p = s.db.prisma;
      const got = {
        customers: await p.customer.count(),
        products: await p.product.count(),
        orders: await p.order.count(),
        items: await p.orderItem.count(),
        searches: await p.searchQuery.count(),
        reviews: await p.review.count(),
      };
      return must(JSON.stringify(got) === JSON.stringify(expected), `after re-import ${JSON.stringify(got)} ≠ ${JSON.stringify(expected)}`);
    } finally {
      await s.close();
    }
  });
}

if (OPS.includes('embed')) {
  await trial('embedding job', imported, embedMs, [cli, 'embed'], async (dir, finished, s) => {
    let checks = must((await s.db.prisma.job.count({ where: { status: 'RUNNING' } })) === 0, 'a job left RUNNING after restart');
    // The killed job is FAILED with why (or SUCCEEDED, if it finished before the kill landed).
    const jobs = await s.db.prisma.job.findMany();
    checks += must(
      jobs.every((j) => j.status === 'SUCCEEDED' || (j.status === 'FAILED' && (j.error ?? '').includes('stopped'))),
      `a killed job not FAILED with a reason: ${jobs.map((j) => `${j.status} ${j.error}`).join('; ')}`,
    );
    if (finished) checks += must(jobs.length === 1 && jobs[0]!.status === 'SUCCEEDED', 'the finished job is not SUCCEEDED');
    await s.close();
    run([cli, 'embed'], dir);
    const after = await open(dir);
    try {
      const customers = new Set((await after.db.prisma.customer.findMany({ select: { id: true } })).map((c) => c.id));
      const collection = (await after.vectors.resolveAlias(CUSTOMERS_ALIAS))!;
      const ids: number[] = [];
      for await (const batch of after.vectors.scroll(collection, { batchSize: 500 })) ids.push(...batch.map((p) => p.id));
      checks += must(
        ids.length === customers.size && new Set(ids).size === ids.length,
        `${ids.length} points (${new Set(ids).size} distinct) for ${customers.size} customers`,
      );
      checks += must(
        ids.every((id) => customers.has(id)),
        'a vector without its customer',
      );
      checks += must((await after.db.prisma.customerVector.count()) === customers.size, 'customer_vector rows ≠ customers');
      return checks;
    } finally {
      await after.close();
    }
  });
}

if (OPS.includes('segment')) {
  await trial('segmentation run', segmented, segmentMs, [cli, 'segment', '--k', '5'], async (dir, finished, s) => {
    const p = s.db.prisma;
    const active = await p.segmentationRun.findMany({ where: { active: true } });
    let checks = must(active.length === 1, `${active.length} active runs`);
    checks += must((await p.segmentationRun.count({ where: { status: 'RUNNING' } })) === 0, 'a run left RUNNING after restart');
    const run0 = active[0]!;
    checks += must(finished || run0.k === 6 || run0.k === 5, `active run k = ${run0.k}`);
    if (run0.k === 6)
      checks += must(
        (await p.segmentationRun.findMany({ where: { status: 'FAILED' } })).every((r) => (r.error ?? '').length > 0),
        'a failed run without a reason',
      );
    checks += must((await p.membership.count({ where: { runId: run0.id } })) === CUSTOMERS, 'the active run lost members');
    await s.close();
    run([cli, 'segment', '--k', '4'], dir);
    const after = await open(dir);
    try {
      const now = await after.db.prisma.segmentationRun.findFirstOrThrow({ where: { active: true } });
      return checks + must(now.k === 4 && now.status === 'SUCCEEDED', 'a new run did not complete after the restart');
    } finally {
      await after.close();
    }
  });
}

if (OPS.includes('audience')) {
  await trial('audience save', segmented, audienceMs, [self, 'child', 'audience', '$DIR'], async (_dir, _finished, s) => {
    // Every version holds exactly the members it counts, and every audience points at a version it has.
    const versions = await s.db.prisma.audienceVersion.findMany({ include: { _count: { select: { members: true } }, audience: true } });
    const audiences = await s.db.prisma.audience.findMany({ include: { versions: { select: { version: true } } } });
    return (
      must(
        versions.every((v) => v._count.members === v.size) && audiences.every((a) => a.versions.some((v) => v.version === a.version)),
        `half-written audience: ${versions.map((v) => `${v._count.members}/${v.size}`).join(', ')}`,
      ) + audiences.length
    );
  });
}

// PostgreSQL restarted under load: the API (on PostgreSQL) keeps answering — UNAVAILABLE with a code
// while the server is down, never a 500 — and recovers by itself when it is back.
const restart: string[] = [];
if (OPS.includes('pg-restart')) {
  const pgUrl = spawnSync('bash', [path.join(projectRoot, 'scripts', 'postgres.sh')], { encoding: 'utf8' }).stdout.trim();
  const cluster = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).stdout.trim().split(/\s+/);
  if (!pgUrl || cluster.length < 2) restart.push('skipped: no local PostgreSQL cluster');
  else {
    const dbName = `faults_${Date.now()}`;
    spawnSync('runuser', ['-u', 'postgres', '--', 'psql', '-qc', `CREATE DATABASE ${dbName} OWNER segment`]);
    const url = pgUrl.replace(/\/[^/]*$/, `/${dbName}`);
    const dir = path.join(root, 'pg');
    const services = await createServices(loadSettings({ ...envFor(dir), DATABASE_URL: url }));
    const server = await startServer(services);
    await services.startWork();
    await services.ingest.upsert(
      'customers',
      Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, country: 'DE' })),
    );
    const { key } = await services.apiKeys.create('faults', 'VIEWER');
    const seen: { at: number; status: number; codes: string[]; ok: boolean }[] = [];
    let stop = false;
    const t0 = performance.now();
    const client = async () => {
      while (!stop) {
        try {
          const res = await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ query: '{ shopStats { customers } }' }),
          });
          const body = (await res.json()) as { data?: { shopStats?: { customers: number } } | null; errors?: { extensions?: { code?: string } }[] };
          seen.push({
            at: performance.now() - t0,
            status: res.status,
            codes: (body.errors ?? []).map((e) => e.extensions?.code ?? 'NONE'),
            ok: body.data?.shopStats?.customers === 50,
          });
        } catch (error) {
          seen.push({ at: performance.now() - t0, status: 0, codes: [`FETCH ${(error as Error).message}`], ok: false });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, client));
    await new Promise((r) => setTimeout(r, 2000));
    const down = performance.now() - t0;
    spawnSync('pg_ctlcluster', [cluster[0]!, cluster[1]!, 'stop', '-m', 'fast']);
    await new Promise((r) => setTimeout(r, 4000));
    spawnSync('pg_ctlcluster', [cluster[0]!, cluster[1]!, 'start']);
    const up = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 8000));
    stop = true;
    await load;
    const during = seen.filter((s) => s.at > down + 200 && s.at < up);
    const tail = seen.filter((s) => s.at > up + 5000);
    const server5xx = seen.filter((s) => s.status >= 500 || s.status === 0).length;
    const uncoded = seen.filter((s) => (!s.ok && s.codes.length === 0) || s.codes.includes('NONE')).length;
    const duringCodes = [...new Set(during.flatMap((s) => s.codes))];
    restart.push(
      `PostgreSQL stopped (fast) for 4 s under 4 clients: ${seen.length} requests; while down ${during.length} answered with ${duringCodes.join(', ') || 'no error'} (${during.filter((s) => s.ok).length} ok); 5xx or dropped ${server5xx}; errors without a code ${uncoded}; in the last 3 s after the restart ${tail.filter((s) => s.ok).length}/${tail.length} ok`,
    );
    if (server5xx > 0 || uncoded > 0 || tail.length === 0 || tail.some((s) => !s.ok) || during.some((s) => !s.ok && !s.codes.includes('UNAVAILABLE')))
      restart.push('FAILED');
    await server.stop();
    await services.close();
    spawnSync('runuser', ['-u', 'postgres', '--', 'psql', '-qc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]);
  }
}

console.log(
  `\nkill -9 during each operation at ${POINTS} points (5 % to 100 % of its measured length), a fresh copy of a ${CUSTOMERS}-customer shop each time (PGlite + embedded store)\n`,
);
console.log(
  `measured lengths: import ${(importMs / 1000).toFixed(1)} s, embed ${(embedMs / 1000).toFixed(1)} s, segment ${(segmentMs / 1000).toFixed(1)} s, audience save ${(audienceMs / 1000).toFixed(1)} s\n`,
);
console.log('| operation | kill points | finished before the kill | invariants checked | failures |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const o of outcomes) console.log(`| ${o.op} | ${o.points} | ${o.finishedFirst} | ${o.checks} | ${o.failures.length} |`);
for (const o of outcomes) for (const f of o.failures) console.log(`  ${o.op}: ${f}`);
for (const line of restart) console.log(`\n${line}`);
fs.rmSync(root, { recursive: true, force: true });
if (outcomes.some((o) => o.failures.length > 0) || restart.includes('FAILED')) process.exitCode = 1;
