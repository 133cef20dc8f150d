// Puts the demo shop somewhere: straight into the database (through the same batch writer as the
// API), or into JSONL files that `npm run import` reads. Either way the ground truth goes to a CSV of
// its own (customerId,persona), never into the shop data.
import fs from 'node:fs';
import path from 'node:path';
import type { BatchWriter } from '../ingest/batch-writer.js';
import type { Entity } from '../ingest/records.js';
import { demoCustomers, demoProducts, type CustomerChunk, type DemoShopOptions } from './shop-generator.js';

export const TRUTH_FILE = 'personas.csv';
const CHUNK = 1000;

export interface DemoShopReport {
  customers: number;
  products: number;
  orders: number;
  searches: number;
  reviews: number;
  truthFile: string;
}

export async function loadDemoShop(
  writer: BatchWriter,
  options: DemoShopOptions,
  truthDir: string,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<DemoShopReport> {
  return produce(options, truthDir, onProgress, {
    write: async (entity, records) => {
      await writer.upsert(entity, records, 'records', { live: false });
    },
  });
}

export async function writeDemoFiles(options: DemoShopOptions, dir: string): Promise<DemoShopReport> {
  fs.mkdirSync(dir, { recursive: true });
  const files = new Map<Entity, number>();
  return produce(options, dir, () => {}, {
    write: async (entity, records) => {
      const file = path.join(dir, `${entity}.jsonl`);
      if (!files.has(entity)) fs.writeFileSync(file, '');
      files.set(entity, (files.get(entity) ?? 0) + records.length);
      fs.appendFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    },
  });
}

interface Sink {
  write(entity: Entity, records: object[]): Promise<void>;
}

async function produce(options: DemoShopOptions, truthDir: string, onProgress: (done: number, total: number) => void, sink: Sink): Promise<DemoShopReport> {
  fs.mkdirSync(truthDir, { recursive: true });
  const truthFile = path.join(truthDir, TRUTH_FILE);
  fs.writeFileSync(truthFile, 'customerId,persona\n');
  const products = demoProducts(options.seed);
  await sink.write('products', products);
  const report: DemoShopReport = { customers: 0, products: products.length, orders: 0, searches: 0, reviews: 0, truthFile };
  for (let from = 0; from < options.customers; from += CHUNK) {
    const chunk: CustomerChunk = demoCustomers(options, from, from + CHUNK);
    // Parents before children: orders, searches and reviews name customers that must exist.
    await sink.write('customers', chunk.customers);
    await sink.write('orders', chunk.orders);
    await sink.write('searches', chunk.searches);
    await sink.write('reviews', chunk.reviews);
    fs.appendFileSync(truthFile, chunk.truth.map((t) => `${t.customerId},${t.persona}`).join('\n') + '\n');
    report.customers += chunk.customers.length;
    report.orders += chunk.orders.length;
    report.searches += chunk.searches.length;
    report.reviews += chunk.reviews.length;
    onProgress(report.customers, options.customers);
  }
  return report;
}
