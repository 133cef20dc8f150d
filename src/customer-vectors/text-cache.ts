// The text vector cache in the database (`text_embedding`): one row per model and distinct text.
import { Prisma, type PrismaClient } from '../db/database.js';
import type { TextVectorCache } from './text-pool.js';

/** Keys per query: bounded IN lists. */
const CHUNK = 5000;

export class PrismaTextVectorCache implements TextVectorCache {
  /** A client or a transaction (forgetting a customer deletes their texts inside its transaction). */
  constructor(private readonly prisma: PrismaClient | Prisma.TransactionClient) {}

  async get(modelId: string, keys: readonly string[], options: { since?: Date } = {}): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (let i = 0; i < keys.length; i += CHUNK) {
      // The bytes as base64 text, decoded natively: the embedded database's driver parses a bytea
      // column one hex pair at a time (a 512-d vector is 2,048 parseInt calls), which made reading
      // cached vectors a third of an embed job on PGlite (bench:scale; README "Scale").
      const chunk = keys.slice(i, i + CHUNK);
      const since = options.since ? Prisma.sql`AND created_at >= ${options.since}` : Prisma.empty;
      const rows = await this.prisma.$queryRaw<{ hash: string; vector: string }[]>`SELECT hash, encode(vector, 'base64') AS vector FROM text_embedding
        WHERE model_id = ${modelId} AND hash = ANY(${chunk}::text[]) ${since}`;
      for (const r of rows) {
        const bytes = Buffer.from(r.vector, 'base64');
        // A copy into its own buffer: 4-byte aligned, and not a view of Node's shared pool.
        out.set(r.hash, new Float32Array(Uint8Array.from(bytes).buffer));
      }
    }
    return out;
  }

  async put(modelId: string, entries: ReadonlyMap<string, Float32Array>, options: { overwrite?: boolean } = {}): Promise<void> {
    const bytes = (v: Float32Array) => Uint8Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (options.overwrite) {
      const rows = [...entries].map(([hash, v]) => ({ hash, vector: Buffer.from(bytes(v)).toString('base64') }));
      for (let i = 0; i < rows.length; i += CHUNK) {
        await this.prisma.$executeRaw`INSERT INTO text_embedding (model_id, hash, vector)
           SELECT ${modelId}, r.hash, decode(r.vector, 'base64') FROM jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + CHUNK))}::jsonb) AS r(hash text, vector text)
           ON CONFLICT (model_id, hash) DO UPDATE SET vector = EXCLUDED.vector, created_at = CURRENT_TIMESTAMP`;
      }
      return;
    }
    const data = [...entries].map(([hash, v]) => ({ modelId, hash, vector: bytes(v) }));
    // Two jobs may embed the same text at once: the first row wins, both vectors are the same.
    for (let i = 0; i < data.length; i += CHUNK) await this.prisma.textEmbedding.createMany({ data: data.slice(i, i + CHUNK), skipDuplicates: true });
  }

  /** Forgets texts under every model (a customer's own words when they are forgotten). */
  async delete(keys: readonly string[]): Promise<number> {
    let removed = 0;
    for (let i = 0; i < keys.length; i += CHUNK)
      removed += (await this.prisma.textEmbedding.deleteMany({ where: { hash: { in: keys.slice(i, i + CHUNK) } } })).count;
    return removed;
  }
}
