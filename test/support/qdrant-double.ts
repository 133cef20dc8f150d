// A Qdrant double for the conformance suite. No Qdrant server runs on our machines, so the Qdrant
// adapter talks HTTP to this instead: every request is checked against Qdrant's published OpenAPI
// document for the pinned server series (../shared/vendor/qdrant/openapi-v1.19.x.json) — method and
// path, path and query parameters, request body — and answered by the embedded store (whose semantics
// follow Qdrant's and which the same contract suite holds) in the response shapes of that document,
// which are checked too, so the adapter is shown to rely only on what the document promises.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { projectRoot } from '../../src/config/settings.js';
import { InputError, NotFoundError } from '../../src/errors/domain-errors.js';
import { EmbeddedVectorStore } from '../../src/vectors/embedded/embedded-store.js';
import type { CollectionSpec, Filter, Payload, Point, StoredPoint, VectorName, WithVectors } from '../../src/vectors/vector-store.js';
import { VECTOR_NAMES } from '../../src/vectors/vector-store.js';

export const QDRANT_OPENAPI = path.resolve(projectRoot, '..', 'shared', 'vendor', 'qdrant', 'openapi-v1.19.x.json');

export interface RecordedRequest {
  method: string;
  path: string;
  operationId: string | undefined;
  /** What did not match the document (empty when the request conforms). */
  requestErrors: string[];
  responseErrors: string[];
  status: number;
  body?: Record<string, unknown>;
}

type Json = Record<string, unknown>;
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  operationId?: string;
  parameters: { name: string; in: string; required?: boolean; schema: Json }[];
  body?: Json;
  ok?: Json;
}

/**
 * OpenAPI 3.0 says "nullable"; JSON Schema (Ajv) says type "null". `{ nullable: true }` alone (Qdrant's
 * `anyOf: [{ $ref }, { nullable: true }]`) is the null type.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = toJsonSchema(v);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Object.keys(out).filter((k) => !['description', 'default', 'example'].includes(k)).length === 0) out.type = 'null';
    else return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

class OpenApi {
  private readonly ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  private readonly queryAjv = new Ajv({ strict: false, validateFormats: false, coerceTypes: true });
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(file: string) {
    const doc = toJsonSchema(JSON.parse(fs.readFileSync(file, 'utf8'))) as Json;
    this.ajv.addSchema(doc, 'qdrant');
    this.queryAjv.addSchema(doc, 'qdrant');
    for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      const names: string[] = [];
      const pattern = new RegExp(`^${template.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
      for (const [method, op] of Object.entries(item)) {
        const content = (op.requestBody as { content?: Record<string, { schema: Json }> } | undefined)?.content;
        const ok = (op.responses as Record<string, { content?: Record<string, { schema: Json }> }>)['200']?.content?.['application/json']?.schema;
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern,
          names,
          operationId: op.operationId as string | undefined,
          parameters: (op.parameters as Operation['parameters'] | undefined) ?? [],
          body: content?.['application/json']?.schema,
          ok,
        });
      }
    }
    // Literal paths before templated ones (/collections/aliases is not a collection called "aliases").
    this.operations.sort((a, b) => a.names.length - b.names.length);
  }

  find(method: string, pathname: string): { op: Operation; params: Record<string, string> } | undefined {
    for (const op of this.operations) {
      if (op.method !== method) continue;
      const m = op.pattern.exec(pathname);
      if (m) return { op, params: Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    }
    return undefined;
  }

  checkRequest(op: Operation, params: Record<string, string>, query: URLSearchParams, body: unknown): string[] {
    const errors: string[] = [];
    for (const p of op.parameters) {
      const value = p.in === 'path' ? params[p.name] : p.in === 'query' ? (query.get(p.name) ?? undefined) : undefined;
      if (value === undefined) {
        if (p.required) errors.push(`missing ${p.in} parameter ${p.name}`);
        continue;
      }
      const holder = { v: value };
      const check = this.queryAjv.compile(
        JSON.parse(JSON.stringify({ type: 'object', properties: { v: p.schema } }).replace(/"#\/components/g, '"qdrant#/components')) as Json,
      );
      if (!check(holder)) errors.push(`${p.in} parameter ${p.name}=${value}: ${this.queryAjv.errorsText(check.errors)}`);
    }
    for (const name of query.keys()) if (!op.parameters.some((p) => p.in === 'query' && p.name === name)) errors.push(`unknown query parameter ${name}`);
    if (op.body) errors.push(...this.check(`${op.method} ${op.template} body`, op.body, body));
    else if (body !== undefined) errors.push('a body where the document defines none');
    return errors;
  }

  checkResponse(op: Operation, body: unknown): string[] {
    return op.ok ? this.check(`${op.method} ${op.template} 200`, op.ok, body) : [];
  }

  private check(key: string, schema: Json, value: unknown): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      // $refs in the operation's schema point into the document registered as "qdrant".
      validate = this.ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components/g, '"qdrant#/components')) as Json);
      this.compiled.set(key, validate);
    }
    return validate(value) ? [] : [this.ajv.errorsText(validate.errors, { separator: '; ' })];
  }
}

/** The double: an HTTP server speaking the subset of Qdrant's REST API the adapter uses. */
export class QdrantDouble {
  readonly requests: RecordedRequest[] = [];
  private readonly api = new OpenApi(QDRANT_OPENAPI);
  private readonly store = new EmbeddedVectorStore();
  private readonly specs = new Map<string, CollectionSpec>();
  private readonly indexes = new Map<string, Record<string, string>>();
  private server?: http.Server;
  private operationCounter = 0;
  url = '';

  /**
   * `validate: false` only carries the vectors (a benchmark sharing a store between processes): no
   * request or response is checked, and none is kept.
   */
  constructor(private readonly options: { validate?: boolean } = {}) {}

  async start(): Promise<string> {
    this.server = http.createServer(
      (req, res) =>
        void this.handle(req, res).catch((error: unknown) => {
          // A fault of the double itself: recorded as a failed check, answered, never left hanging.
          this.requests.push({
            method: req.method ?? '?',
            path: req.url ?? '?',
            operationId: undefined,
            requestErrors: [`the double failed: ${String(error)}`],
            responseErrors: [],
            status: 500,
          });
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: { error: 'double failure' }, time: 0 }));
        }),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://double');
    const method = req.method ?? 'GET';
    const found = this.api.find(method, url.pathname);
    const record: RecordedRequest = {
      method,
      path: url.pathname + url.search,
      operationId: found?.op.operationId,
      requestErrors: [],
      responseErrors: [],
      status: 0,
    };
    const validate = this.options.validate ?? true;
    if (validate) this.requests.push(record);
    const send = (status: number, body: unknown) => {
      record.status = status;
      if (status === 200 && found && validate) record.responseErrors = this.api.checkResponse(found.op, body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!found) {
      record.requestErrors.push(`${method} ${url.pathname} is not in the OpenAPI document`);
      send(404, { status: { error: 'not in the API' }, time: 0 });
      return;
    }
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      record.requestErrors.push('body is not JSON');
    }
    if (validate) {
      record.requestErrors.push(...this.api.checkRequest(found.op, found.params, url.searchParams, body));
      record.body = body as Json | undefined;
    }
    try {
      const result = await this.answer(found.op.operationId ?? '', found.params, (body ?? {}) as Json);
      send(200, { result, status: 'ok', time: 0.0001 });
    } catch (error) {
      const status = error instanceof NotFoundError ? 404 : error instanceof InputError || error instanceof RangeError ? 400 : 500;
      send(status, { status: { error: error instanceof Error ? error.message : String(error) }, time: 0.0001 });
    }
  }

  private spec(name: string): CollectionSpec {
    const spec = this.specs.get(name);
    if (!spec) throw new NotFoundError(`Collection \`${name}\` doesn't exist!`);
    return spec;
  }

  private update(): { operation_id: number; status: 'completed' } {
    return { operation_id: this.operationCounter++, status: 'completed' };
  }

  /** Answers one operation (by the document's operationId) from the embedded store. */
  private async answer(operation: string, params: Record<string, string>, body: Json): Promise<unknown> {
    const name = params.collection_name!;
    switch (operation) {
      case 'collection_exists':
        return { exists: this.specs.has(name) };
      case 'get_collection': {
        const spec = this.spec(name);
        return {
          status: 'green',
          optimizer_status: 'ok',
          segments_count: 1,
          points_count: await this.store.count(name),
          indexed_vectors_count: 0,
          config: {
            params: { vectors: spec.vectors, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
            hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
            optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5 },
            wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
          },
          payload_schema: Object.fromEntries(Object.entries(this.indexes.get(name) ?? {}).map(([field, type]) => [field, { data_type: type, points: 0 }])),
        };
      }
      case 'create_collection': {
        const vectors = body.vectors as CollectionSpec['vectors'];
        const spec: CollectionSpec = { vectors, indexedFields: {} };
        await this.store.ensureCollection(name, spec);
        this.specs.set(name, spec);
        return true;
      }
      case 'delete_collection':
        if (!this.specs.has(name)) return false;
        await this.store.deleteCollection(name);
        this.specs.delete(name);
        return true;
      case 'create_field_index':
        this.spec(name);
        this.indexes.set(name, { ...this.indexes.get(name), [body.field_name as string]: body.field_schema as string });
        return this.update();
      case 'get_collections_aliases': {
        const aliases: { alias_name: string; collection_name: string }[] = [];
        for (const alias of this.aliasNames) {
          const target = await this.store.resolveAlias(alias);
          if (target) aliases.push({ alias_name: alias, collection_name: target });
        }
        return { aliases };
      }
      case 'update_aliases': {
        for (const action of body.actions as Json[]) {
          if (action.create_alias) {
            const { alias_name, collection_name } = action.create_alias as { alias_name: string; collection_name: string };
            await this.store.setAlias(alias_name, collection_name);
            this.aliasNames.add(alias_name);
          }
        }
        return true;
      }
      case 'upsert_points': {
        const spec = this.spec(name);
        const points: Point[] = (body.points as { id: number; vector: Record<string, number[]>; payload?: Payload }[]).map((p) => {
          for (const v of VECTOR_NAMES) {
            if (p.vector[v]?.length !== spec.vectors[v].size)
              throw new InputError(`Wrong input: Vector dimension error: expected dim: ${spec.vectors[v].size}, got ${p.vector[v]?.length}`);
          }
          return {
            id: p.id,
            vectors: Object.fromEntries(VECTOR_NAMES.map((v) => [v, Float32Array.from(p.vector[v]!)])) as Point['vectors'],
            payload: p.payload ?? {},
          };
        });
        await this.store.upsert(name, points);
        return this.update();
      }
      case 'delete_points':
        this.spec(name);
        await this.store.delete(name, body.points as number[]);
        return this.update();
      case 'get_points':
        this.spec(name);
        return (await this.store.retrieve(name, body.ids as number[], body.with_vector === true)).map((p) => this.record(p));
      case 'scroll_points': {
        this.spec(name);
        const limit = (body.limit as number | undefined) ?? 10;
        const from = (body.offset as number | undefined) ?? 0;
        const withVectors = (body.with_vector ?? false) as WithVectors;
        const page: StoredPoint[] = [];
        let next: number | null = null;
        for await (const batch of this.store.scroll(name, { batchSize: 1000, filter: body.filter as Filter | undefined, withVectors })) {
          for (const p of batch) {
            if (p.id < from) continue;
            if (page.length === limit) {
              next = p.id;
              break;
            }
            page.push(p);
          }
          if (next !== null) break;
        }
        return { points: page.map((p) => this.record(p)), next_page_offset: next };
      }
      case 'query_points': {
        this.spec(name);
        const query = body.query as number[] | { recommend: { positive: number[]; negative?: number[]; strategy: 'average_vector' | 'best_score' } };
        const common = {
          using: body.using as VectorName,
          limit: (body.limit as number | undefined) ?? 10,
          offset: body.offset as number | undefined,
          filter: body.filter as Filter | undefined,
        };
        const hits = Array.isArray(query)
          ? await this.store.search(name, { ...common, vector: Float32Array.from(query), withVectors: body.with_vector === true })
          : await this.store.recommend(name, {
              ...common,
              positive: query.recommend.positive,
              negative: query.recommend.negative,
              strategy: query.recommend.strategy,
            });
        return { points: hits.map((h) => ({ ...this.record(h), score: h.score, version: 0 })) };
      }
      case 'count_points':
        this.spec(name);
        return { count: await this.store.count(name, body.filter as Filter | undefined) };
      case 'batch_update': {
        this.spec(name);
        for (const op of body.operations as Json[]) {
          const set = op.set_payload as { payload: Payload; points: number[] } | undefined;
          if (!set) throw new InputError('the double only knows set_payload');
          await this.store.setPayload(name, [{ ids: set.points, payload: set.payload }]);
        }
        return (body.operations as Json[]).map(() => this.update());
      }
      default:
        throw new InputError(`the double does not answer ${operation}`);
    }
  }

  private readonly aliasNames = new Set<string>();

  private record(p: StoredPoint): Json {
    return {
      id: p.id,
      payload: p.payload,
      ...(p.vectors ? { vector: Object.fromEntries(Object.entries(p.vectors).map(([k, v]) => [k, Array.from(v)])) } : {}),
    };
  }
}
