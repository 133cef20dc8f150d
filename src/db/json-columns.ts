// The one place where JSON columns cross the database boundary. Every read goes through a zod schema,
// so a row written by an older version (or by hand) fails here, naming the column, instead of
// surfacing as `undefined` deep inside a resolver; every write goes through `toJson`. The schemas describe what is stored; the domain types
// (ViewBalance, Projection, ValueModelState, …) stay in their modules, and each caller assigns a parsed
// value to its domain type, so TypeScript checks at that call that the two agree (db/ imports no
// domain module).
import { z } from 'zod';
import type { Prisma } from './generated/client.js';
import type { Customer, Segment, SegmentationRun } from './generated/client.js';

/** A malformed JSON column: a bug or a hand-edited row, never the caller's fault (INTERNAL). */
export class StoredJsonError extends Error {
  override name = 'StoredJsonError';
}

export function readJson<T>(schema: z.ZodType<T>, value: unknown, column: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new StoredJsonError(
      `${column} holds JSON of an unexpected shape: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * A domain object as a JSON column value. What is written here must be plain data (numbers, strings,
 * arrays, nested objects; no Dates, Maps or class instances: JSON.stringify would drop or mangle them),
 * which Prisma's JSON input type cannot check through an interface. One function, so that every write
 * of a JSON column is found in one search.
 */
export function toJson(value: object): Prisma.InputJsonValue {
  return value;
}

// JSON has no Infinity or NaN: JSON.stringify writes them as null, so statistics read back may be null.
const num = z.number();
const numOrNull = z.number().nullable();

export const AudienceQualitySchema = z.object({ holdoutShare: num, heldOut: num, recovered: num, recall: num });

/** destination.config: a webhook's URL and page size, or a file destination's directory and format. */
export const DestinationConfigSchema = z.union([
  z.object({ kind: z.literal('WEBHOOK'), url: z.string(), pageSize: num }),
  z.object({ kind: z.literal('FILE'), directory: z.string(), format: z.enum(['CSV', 'JSONL']) }),
]);

/** audience.parameters of a LOOKALIKE audience: the lookalike request as saved. */
export const LookalikeParametersSchema = z.object({
  seeds: z.array(z.string()),
  size: num,
  excludeSeeds: z.boolean(),
  vector: z.enum(['text', 'lexical', 'behaviour', 'combined']),
  strategy: z.enum(['average_vector', 'best_score']),
  countries: z.array(z.string()).optional(),
  segmentIds: z.array(num).optional(),
  excludeSegmentIds: z.array(num).optional(),
  minClv: num.optional(),
  minChurnRisk: num.optional(),
  maxChurnRisk: num.optional(),
});

/** audience.parameters of a FILTER audience: segments by lineage (they survive re-clustering). */
export const FilterParametersSchema = z.object({
  segmentLineages: z.array(z.string()).optional(),
  excludeSegmentLineages: z.array(z.string()).optional(),
  countries: z.array(z.string()).optional(),
  minClv: num.optional(),
  minChurnRisk: num.optional(),
  maxChurnRisk: num.optional(),
  limit: num,
});

const StatsSchema = z.object({
  recencyDays: numOrNull,
  frequency: numOrNull,
  monetary: numOrNull,
  averageOrderValue: numOrNull,
  tenureDays: numOrNull,
  returnRate: numOrNull,
  meanRating: numOrNull,
});
export const SegmentStatsSchema = z.object({ medians: StatsSchema, means: StatsSchema, archetype: z.string() });
export const CategorySharesSchema = z.array(z.object({ category: z.string(), share: num }));
export const StringListSchema = z.array(z.string());

export const ClusterMetricsSchema = z.object({
  k: num,
  silhouette: num,
  daviesBouldin: num,
  calinskiHarabasz: num,
  inertia: num,
  embeddingSilhouette: numOrNull.optional(),
  eigengap: numOrNull.optional(),
  smallestShare: numOrNull.optional(),
});
export const MigrationFlowsSchema = z.array(z.object({ from: numOrNull, to: num, customers: num }));
export const TimingsSchema = z.record(z.string(), num);
export const JsonObjectSchema = z.record(z.string(), z.unknown());

export const ProjectionSchema = z.object({
  method: z.literal('pca'),
  mean: z.array(num),
  axes: z.tuple([z.array(num), z.array(num)]),
  explainedVariance: z.tuple([num, num]),
  sampleSize: num,
});

const ViewScaleSchema = z.object({
  variance: num,
  scale: num,
  weight: num,
  note: z.string().optional(),
  centre: z.array(num).optional(),
  languages: z.object({ han: z.array(num), latin: z.array(num) }).optional(),
  liveShare: num.optional(),
  rating: z.object({ mean: num, icc: num, repeatRaters: num }).optional(),
});
export const ViewBalanceSchema = z.object({
  text: ViewScaleSchema,
  lexical: ViewScaleSchema,
  value: ViewScaleSchema,
  habits: ViewScaleSchema,
  mix: ViewScaleSchema,
});
export const RobustScalerSchema = z.object({ features: z.array(z.string()), medians: z.array(num), iqrs: z.array(num), clip: num });

const fitStats = { logLikelihood: num, iterations: num };
const Variant = z.enum(['BG', 'MBG']);
const GlmStateSchema = z.object({ coef: z.array(num), intercept: num, iterations: num, converged: z.boolean() });
/** A model learnt from the shop's earlier cut-offs (value/propensity/propensity-model.ts: LearntFromCutoffs). */
const learntFromCutoffs = {
  status: z.enum(['FITTED', 'INSUFFICIENT_DATA']),
  reason: z.string().nullable(),
  horizonDays: num,
  asOf: z.string(),
  features: z.array(z.string()),
  mean: z.array(num),
  scale: z.array(num),
  model: GlmStateSchema.nullable(),
  windows: z.array(z.string()),
  rows: num,
};
const CalibrationBinSchema = z.object({ from: num, to: num, count: num, predicted: num, observed: num });
export const ValueModelStateSchema = z.object({
  status: z.enum(['FITTED', 'INSUFFICIENT_DATA', 'NOT_CONVERGED']),
  reason: z.string().nullable(),
  asOf: z.string(),
  customers: num,
  repeatCustomers: num,
  historyDays: num,
  futureOrders: num,
  // Runs stored before MBG/NBD was a candidate have no variant: they are BG/NBD.
  bgNbd: z.object({ r: num, alpha: num, a: num, b: num, penalizer: num.optional(), variant: Variant.optional(), ...fitStats }).nullable(),
  // Runs stored before the penalty was chosen have neither; before the model was chosen, BG/NBD's candidates alone.
  selection: z
    .object({
      days: num,
      customers: num,
      candidates: z.array(z.object({ variant: Variant.default('BG'), penalizer: num, mae: num.nullable(), standardError: num.nullable() })),
      variants: z.array(z.object({ variant: Variant, penalizer: num, mae: num, logScore: num })).default([]),
      naiveMae: num,
      variant: Variant.default('BG'),
      penalizer: num,
      why: z.string().default('BG/NBD: the only model then.'),
    })
    .nullable()
    .optional(),
  gammaGamma: z.object({ p: num, q: num, v: num, customers: num, ...fitStats }).nullable(),
  spendReason: z.string().nullable(),
  // Runs stored before the churn model was chosen have none.
  churn: z
    .object({
      serving: z.enum(['PROPENSITY', 'BG_NBD']).nullable(),
      horizonDays: num,
      why: z.string(),
      propensity: z.object({
        ...learntFromCutoffs,
        validation: z
          .object({
            cutoff: z.string(),
            customers: num,
            baseRate: num,
            auc: num,
            logLoss: num,
            calibrationError: num,
            calibration: z.array(CalibrationBinSchema),
            windows: num,
          })
          .nullable(),
      }),
      bgNbdValidation: z.object({ auc: num, logLoss: num, calibrationError: num, calibration: z.array(CalibrationBinSchema) }).nullable(),
    })
    .nullable()
    .optional(),
  // Runs stored before forecasts were chosen have none: BG/NBD forecasts them.
  forecast: z
    .object({
      serving: z.enum(['BG_NBD', 'LEARNT', 'RATE']),
      horizonDays: num,
      why: z.string(),
      customers: num,
      scores: z.array(z.object({ kind: z.enum(['BG_NBD', 'LEARNT', 'RATE']), mae: num })),
      learnt: z.object(learntFromCutoffs),
    })
    .nullable()
    .optional(),
});

/** customer_value.churn_reasons: the learnt churn model's strongest features for one customer. */
export const ChurnReasonsSchema = z.array(z.object({ feature: z.string(), effect: z.enum(['raises', 'lowers']), contribution: num }));

export function readChurnReasons(value: unknown, at: string) {
  return value === null || value === undefined ? null : readJson(ChurnReasonsSchema, value, `${at}.churn_reasons`);
}

/** A segment row with its JSON read. */
/** A segment's row with its JSON read, without its centroid (bytes no reader of segments needs; runs and assignment read it themselves). */
export type SegmentRecord = Omit<Segment, 'centroid' | 'stats' | 'topCategories' | 'keywords' | 'representatives'> & {
  stats: z.infer<typeof SegmentStatsSchema>;
  topCategories: z.infer<typeof CategorySharesSchema>;
  keywords: string[];
  representatives: string[];
};

export function segmentRecord(row: Omit<Segment, 'centroid'> & { centroid?: unknown }): SegmentRecord {
  const at = `segment ${row.id}`;
  const { centroid: _centroid, ...rest } = row;
  return {
    ...rest,
    stats: readJson(SegmentStatsSchema, row.stats, `${at}.stats`),
    topCategories: readJson(CategorySharesSchema, row.topCategories, `${at}.top_categories`),
    keywords: readJson(StringListSchema, row.keywords, `${at}.keywords`),
    representatives: readJson(StringListSchema, row.representatives, `${at}.representatives`),
  };
}

/** A segmentation run's row with its JSON read (`valueModel` and `projection` are read where used: large, and not every reader needs them). */
export type RunRecord = Omit<SegmentationRun, 'parameters' | 'metrics' | 'triedK' | 'timings' | 'migration'> & {
  parameters: Record<string, unknown>;
  metrics: z.infer<typeof ClusterMetricsSchema> | null;
  triedK: z.infer<typeof ClusterMetricsSchema>[];
  timings: Record<string, number> | null;
  migration: z.infer<typeof MigrationFlowsSchema> | null;
};

export function runRecord(row: SegmentationRun): RunRecord {
  const at = `segmentation_run ${row.id}`;
  const maybe = <T>(schema: z.ZodType<T>, value: unknown, column: string) => (value === null ? null : readJson(schema, value, `${at}.${column}`));
  return {
    ...row,
    parameters: readJson(JsonObjectSchema, row.parameters, `${at}.parameters`),
    metrics: maybe(ClusterMetricsSchema, row.metrics, 'metrics'),
    triedK: maybe(z.array(ClusterMetricsSchema), row.triedK, 'tried_k') ?? [],
    timings: maybe(TimingsSchema, row.timings, 'timings'),
    migration: maybe(MigrationFlowsSchema, row.migration, 'migration'),
  };
}

export type CustomerRecord = Omit<Customer, 'attributes'> & { attributes: Record<string, unknown> };

export function customerRecord(row: Customer): CustomerRecord {
  return { ...row, attributes: readJson(JsonObjectSchema, row.attributes, `customer ${row.id}.attributes`) };
}

export function readProjection(value: unknown, at: string) {
  return value === null ? null : readJson(ProjectionSchema, value, `${at}.projection`);
}

export function readValueModel(value: unknown, at: string) {
  return value === null ? null : readJson(ValueModelStateSchema, value, `${at}.value_model`);
}

/** A vector index's balance of views; null when there is none or it predates one of today's views. */
export function readViewBalance(value: unknown, at: string): z.infer<typeof ViewBalanceSchema> | null {
  if (value === null || value === undefined) return null;
  const full = ViewBalanceSchema.safeParse(value);
  if (full.success) return full.data;
  readJson(ViewBalanceSchema.partial(), value, `${at}.views`); // a malformed view is still an error
  return null;
}

/**
 * The parts of a vector index that describe its space. `views` is null for an index built before the
 * views, and `viewsOutdated` is true for one built with fewer views than there are now.
 */
export function vectorIndexSpace(row: { id: number; features: unknown; scaler: unknown; views: unknown }) {
  const at = `vector_index ${row.id}`;
  const views = readViewBalance(row.views, at);
  const viewsOutdated = views === null && row.views !== null && row.views !== undefined;
  return {
    features: readJson(StringListSchema, row.features, `${at}.features`),
    scaler: readJson(RobustScalerSchema, row.scaler, `${at}.scaler`),
    views,
    viewsOutdated,
  };
}
