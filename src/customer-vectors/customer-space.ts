// One home for "the customer's vectors": the collection's named vectors and their sizes, how a
// profile becomes each view (text from the sentence model, lexical from the shop-fitted LexicalModel,
// behaviour from the stored robust scaler), how the views are balanced into `combined`, the active
// collection, and the nearest centroid. The embed job, provisional assignment, prospect assignment,
// lookalikes and the customer directory all use this, so a vector is built one way only.
//
// Balance: each view is scaled to unit total variance (its variance measured on the shop's customers
// when the index is built), then multiplied by √weight, so a view's share of the squared distances in
// `combined` is its weight's share. A view without variance (a shop with no text at all) gets weight 0
// and the run says so; the others still segment. Two corrections come first, both measured on the shop
// when the index is built and stored with it:
//   - the word views (text, lexical) lose each script's mean offset (language-balance.ts), so that the
//     same persona writing Chinese or English lands in one place: meaning, not language;
//   - a behaviour view counts by the share of its features that vary in the shop: in a shop of reviews
//     without orders the habits view is the rating alone, and one number must not weigh as much as
//     everything customers wrote (its weight × 1/4, said in the view's note). The rating itself is
//     read as a habit only as far as it repeats for a customer (profiles/rating-reliability.ts): where
//     nobody rated twice it is each review's sentiment, not the customer's, and counts for nothing.
//     The text view counts by the share of the shop's words its model reads (the English-only
//     default reads a few Latin letters in Chinese reviews, and pooled to unit length that sliver
//     spoke as loud as the words).
import { vectorIndexSpace } from '../db/json-columns.js';
import { InputError } from '../errors/domain-errors.js';
import { LexicalModel } from '../lexical/lexical-model.js';
import { featureRow, HABIT_FEATURES, VALUE_FEATURES, type CustomerProfile } from '../profiles/customer-profiles.js';
import { documentPieces, type ProfileDocument } from '../profiles/profile-text.js';
import type { RatingReliability } from '../profiles/rating-reliability.js';
import { scaleRow, type RobustScalerState } from '../profiles/robust-scaler.js';
import type { CollectionSpec, VectorName, VectorStore } from '../vectors/vector-store.js';
import { removeLanguage, scriptShares, type LanguageOffsets } from './language-balance.js';
import { OWN_WORDS_WEIGHT } from './text-pool.js';

export const CUSTOMERS_ALIAS = 'customers';
/**
 * The views balanced in `combined`. The `behaviour` vector holds three: `value` (recency, orders,
 * spend — what predicts what a customer will spend), `habits` (order value, tenure, returns, rating —
 * how they shop) and `mix` (spend share by category — what they buy). Apart, each gets its own share:
 * together, eight category shares outweighed the value features, and within one `value` view of all
 * seven the four habits diluted recency, orders and spend (Online Retail: segments explained less
 * future spend than RFM alone; README "Customer vectors").
 */
export const VIEWS = ['text', 'lexical', 'value', 'habits', 'mix'] as const;
export type View = (typeof VIEWS)[number];
export type ViewWeights = Record<View, number>;

/**
 * Equal shares, habits half of one: chosen on three shops at once (the hard shop's planted personas,
 * the demo's, Online Retail's holdout spend). The shop family's tuning half preferred text ½, lexical
 * 2, value 1½, mix ½, which cost the demo shop its personas (README "Customer vectors" has both).
 */
export const DEFAULT_VIEW_WEIGHTS: ViewWeights = { text: 1, lexical: 1, value: 1, habits: 0.5, mix: 1 };
/** Below this total variance a view carries no information (every customer alike). */
const NO_VARIANCE = 1e-8;

export interface ViewScale {
  /** Total variance (sum of per-dimension variances) measured when the index was built. */
  variance: number;
  /** Multiplies the view in `combined`: √weight / √variance, 0 without variance. */
  scale: number;
  weight: number;
  /** Why the view does not count as its weight says (or, for lexical, how it reads two languages). */
  note?: string;
  /**
   * lexical only: the shop's mean lexical view (of up to 2,000 customers, when the index was built).
   * The stored `lexical` named vector is the customer's view minus this, back to unit length: what
   * they write and buy *compared with the shop* — every customer of a gift shop buys "set", "bag",
   * "heart", and that shared direction drowned the rest when seeds' mean met candidates (Online Retail
   * lookalikes: recall 0.52 raw, 0.62 centred, TF-IDF 0.58). `combined` keeps the raw view, balanced
   * (centring moves nothing there; re-normalising cost segments holdout spend). Indexes built before
   * it have no centre and keep raw vectors.
   */
  centre?: number[];
  /** text and lexical: each script's writers' offset, removed in `combined` (language-balance.ts). */
  languages?: LanguageOffsets;
  /**
   * Multiplies the weight: for value, habits and mix the share of the view's features that vary in the
   * shop; for text the share of the shop's words the sentence model reads (TextVectors.readableShare).
   */
  liveShare?: number;
  /** habits only: how much a customer's mean rating is a habit in this shop (rating-reliability.ts). */
  rating?: RatingReliability;
}
export type ViewBalance = Record<View, ViewScale>;

/**
 * Each view's scale in `combined` from its variance, its weight and, for behaviour views, the share of
 * its features that vary (`liveShares`, from liveShare(); 1 when absent).
 */
export function balanceViews(variances: Record<View, number>, weights: ViewWeights, liveShares: Partial<Record<View, number>> = {}): ViewBalance {
  const out = {} as ViewBalance;
  for (const v of VIEWS) {
    const variance = variances[v];
    const live = liveShares[v] ?? 1;
    const weight = weights[v] * live;
    const usable = variance > NO_VARIANCE && weight > 0;
    const note =
      variance <= NO_VARIANCE
        ? `every customer has the same ${v} view (no ${v === 'text' || v === 'lexical' ? 'text' : 'behaviour'} to tell them apart)`
        : live < 1 && weights[v] > 0
          ? v === 'text'
            ? `the sentence model reads ${Math.round(live * 100)} % of this shop's words: weight ${weights[v]} × ${live.toFixed(2)}`
            : `only ${Math.round(live * 100)} % of its features vary in this shop: weight ${weights[v]} × ${live.toFixed(2)}`
          : undefined;
    out[v] = {
      variance,
      weight: usable ? weight : 0,
      scale: usable ? Math.sqrt(weight / variance) : 0,
      ...(liveShares[v] === undefined ? {} : { liveShare: live }),
      ...(note ? { note } : {}),
    };
  }
  return out;
}

/** A feature varies when its variance is at least this share of the view's most varied feature's. */
const LIVE_FEATURE = 1e-3;

/**
 * Share of the features (columns of these rows) that vary: see ViewScale.liveShare. `worth` counts a
 * varying column for less than one (the rating by how much of it is a habit); 1 for each by default.
 */
export function liveShare(rows: readonly Float32Array[], worth: readonly number[] = []): number {
  const d = rows[0]?.length ?? 0;
  if (d === 0 || rows.length < 2) return 1;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] = mean[j]! + r[j]! / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) variance[j] = variance[j]! + (r[j]! - mean[j]!) ** 2 / rows.length;
  const most = Math.max(...variance);
  if (most <= NO_VARIANCE) return 1;
  let live = 0;
  variance.forEach((v, j) => {
    if (v >= LIVE_FEATURE * most && v > NO_VARIANCE) live += worth[j] ?? 1;
  });
  return live / d;
}

/** Sum over dimensions of the variance of these vectors. */
export function meanVector(vectors: readonly Float32Array[]): number[] {
  const d = vectors[0]?.length ?? 0;
  const mean = new Float64Array(d);
  for (const v of vectors) for (let j = 0; j < d; j++) mean[j] = mean[j]! + v[j]! / vectors.length;
  return Array.from(mean);
}

export function totalVariance(vectors: readonly Float32Array[]): number {
  if (vectors.length < 2) return 0;
  const d = vectors[0]!.length;
  const mean = new Float64Array(d);
  for (const v of vectors) for (let j = 0; j < d; j++) mean[j] = mean[j]! + v[j]! / vectors.length;
  let sum = 0;
  for (const v of vectors) for (let j = 0; j < d; j++) sum += (v[j]! - mean[j]!) ** 2;
  return sum / vectors.length;
}

export function collectionSpec(textDimensions: number, lexicalDimensions: number, behaviourDimensions: number): CollectionSpec {
  return {
    vectors: {
      text: { size: textDimensions, distance: 'Cosine' },
      // Unit vectors (or zeros for customers without words): Euclidean ranks as cosine does, and zeros are allowed.
      lexical: { size: lexicalDimensions, distance: 'Euclid' },
      behaviour: { size: behaviourDimensions, distance: 'Euclid' },
      combined: { size: textDimensions + lexicalDimensions + behaviourDimensions, distance: 'Euclid' },
    },
    indexedFields: { customerId: 'keyword', country: 'keyword', segmentId: 'keyword', runId: 'keyword', provisional: 'bool', outlier: 'bool' },
  };
}

/** A vector index's way of turning profiles into vectors. */
export class CustomerSpace {
  readonly categories: string[];

  constructor(
    readonly features: string[],
    readonly scaler: RobustScalerState,
    readonly lexical: LexicalModel,
    readonly views: ViewBalance,
  ) {
    this.categories = features.filter((f) => f.startsWith('share:')).map((f) => f.slice('share:'.length));
  }

  /**
   * The space stored with a vector index (its row in `vector_index`). `model` is the index's lexical
   * model when the caller already holds it decoded (see lexicalModelOf); else it is read from the row.
   */
  static fromIndex(
    index: { id: number; collection: string; features: unknown; scaler: unknown; lexical?: Uint8Array | null; views: unknown },
    model?: LexicalModel,
  ): CustomerSpace {
    const bytes = index.lexical;
    const { features, scaler, views, viewsOutdated } = vectorIndexSpace(index);
    if ((!model && !bytes) || (!views && !viewsOutdated))
      throw new InputError(`Vector index ${index.collection} was built before the lexical view: run the embed job again.`);
    if (!views) {
      throw new InputError(`Vector index ${index.collection} was built with an older balance of views: run the embed job and a segmentation again.`);
    }
    return new CustomerSpace(features, scaler, model ?? LexicalModel.fromBytes(bytes!), views);
  }

  /** Robust-scaled features / √F: a norm comparable whatever the number of features. */
  behaviour(profile: Pick<CustomerProfile, 'behaviour'>, asOf: Date): Float32Array {
    return this.behaviourOfRow(featureRow(profile as CustomerProfile, this.categories, asOf, this.views.habits.rating));
  }

  /** The same, from a feature row (featureRow's order). */
  behaviourOfRow(row: readonly (number | null)[]): Float32Array {
    const norm = 1 / Math.sqrt(this.features.length);
    return scaleRow(this.scaler, row).map((x) => x * norm);
  }

  /** The lexical view of a customer's history: their own words count OWN_WORDS_WEIGHT times their goods'. */
  lexicalView(document: ProfileDocument): Float32Array {
    // Piece by piece, not whole: the same numbers (documentPieces), and the model remembers the
    // analysis of each piece of goods (the shop's titles and categories, not what customers wrote),
    // so a title is not cut again for each of its buyers (embed jobs) or at each change of one (live updates).
    return this.lexical.transform([
      ...documentPieces(document.own).map((text) => ({ text, weight: OWN_WORDS_WEIGHT })),
      ...documentPieces(document.goods).map((text) => ({ text, weight: 1, remember: true })),
    ]);
  }

  /** Every named vector of a customer, given its sentence-model vector. */
  vectors(
    profile: Pick<CustomerProfile, 'behaviour' | 'document'>,
    asOf: Date,
    text: Float32Array,
    /** this.behaviour(profile, asOf) when the caller has it already. */
    behaviour = this.behaviour(profile, asOf),
  ): Record<VectorName, Float32Array> {
    const lexical = this.lexicalView(profile.document);
    return {
      text,
      lexical: this.centred(lexical),
      behaviour,
      combined: this.combine(this.split(...this.withoutLanguage(profile.document, text, lexical), behaviour)),
    };
  }

  /** The word views less their customer's scripts' offsets (ViewScale.languages): what `combined` holds. */
  withoutLanguage(document: ProfileDocument, text: Float32Array, lexical: Float32Array): [Float32Array, Float32Array] {
    const shares = scriptShares(document.own);
    return [removeLanguage(text, shares, this.views.text.languages), removeLanguage(lexical, shares, this.views.lexical.languages)];
  }

  /** The stored `lexical` vector: the view minus the shop's centre, unit length (see ViewScale.centre). */
  centred(lexical: Float32Array): Float32Array {
    const centre = this.views.lexical.centre;
    if (!centre) return lexical;
    const out = Float32Array.from(lexical, (x, i) => x - centre[i]!);
    let norm = 0;
    for (const x of out) norm += x * x;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
    return out;
  }

  /** The five views of the three named vectors: `behaviour` is value features, habit features, then category shares. */
  split(text: Float32Array, lexical: Float32Array, behaviour: Float32Array): Record<View, Float32Array> {
    const value = VALUE_FEATURES.length;
    const habits = value + HABIT_FEATURES.length;
    return { text, lexical, value: behaviour.subarray(0, value), habits: behaviour.subarray(value, habits), mix: behaviour.subarray(habits) };
  }

  combine(views: Record<View, Float32Array>): Float32Array {
    const out = new Float32Array(VIEWS.reduce((n, v) => n + views[v].length, 0));
    let offset = 0;
    for (const v of VIEWS) {
      const s = this.views[v].scale;
      views[v].forEach((x, i) => (out[offset + i] = x * s));
      offset += views[v].length;
    }
    return out;
  }
}

/** The collection the `customers` alias points at; one error for every caller when there is none. */
export async function activeCollection(store: VectorStore): Promise<string> {
  const collection = await store.resolveAlias(CUSTOMERS_ALIAS);
  if (!collection) throw new InputError('No customer vectors yet: run the embed job (embedCustomers) first.');
  return collection;
}

/**
 * Decoded lexical models by database and vector index (its id and when it was created: ids repeat
 * across databases, and one process may serve several, as the tests do). An index's model is
 * written when the index is built; reading and decoding its megabytes on every request (a
 * prospect's assignment) or every part of an embed job (a 7.5 MB model read 51 times at 100,000
 * customers, the driver turning bytea into bytes a hex pair at a time) would cost more than the work
 * itself. Few indexes live at once (one per model). Whoever rewrites an index's model says so
 * (rememberLexicalModel).
 */
const lexicalModels = new WeakMap<object, Map<string, LexicalModel>>();
const LEXICAL_MODELS_KEPT = 4;

export interface LexicalModelKey {
  id: number;
  createdAt: Date;
}

const keyOf = (index: LexicalModelKey) => `${index.id}@${index.createdAt.getTime()}`;

export async function lexicalModelOf(
  database: object,
  index: LexicalModelKey,
  read: () => Promise<Uint8Array | null | undefined>,
): Promise<LexicalModel | undefined> {
  const known = lexicalModels.get(database)?.get(keyOf(index));
  if (known) return known;
  const bytes = await read();
  if (!bytes) return undefined;
  const model = LexicalModel.fromBytes(bytes);
  rememberLexicalModel(database, index, model);
  return model;
}

/** The model an index now holds, as its writer has it (no need to read back what was just written). */
export function rememberLexicalModel(database: object, index: LexicalModelKey, model: LexicalModel): void {
  let models = lexicalModels.get(database);
  if (!models) lexicalModels.set(database, (models = new Map<string, LexicalModel>()));
  models.delete(keyOf(index));
  if (models.size >= LEXICAL_MODELS_KEPT) models.delete(models.keys().next().value!);
  models.set(keyOf(index), model);
}

/** The nearest of `centroids` (Euclidean), with its distance. */
export function nearestCentroid(vector: Float32Array, centroids: readonly Float32Array[]): { index: number; distance: number } {
  const mismatch = centroids.find((c) => c.length !== vector.length);
  // Centroids of another vector layout (a run made before the index was rebuilt) cannot be compared.
  if (mismatch)
    throw new InputError(
      `The active segments have ${mismatch.length}-dimensional centroids and the customer vectors ${vector.length}: run segmentation again.`,
    );
  let best = 0;
  let bestDistance = Infinity;
  centroids.forEach((c, index) => {
    let d = 0;
    for (let i = 0; i < c.length; i++) d += (vector[i]! - c[i]!) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = index;
    }
  });
  return { index: best, distance: Math.sqrt(bestDistance) };
}
