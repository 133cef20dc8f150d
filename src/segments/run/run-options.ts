// A run's clustering parameters, resolved ONCE from what was asked and CLUSTERING_DEFAULTS: the same
// object is stored on the run record and handed to the algorithm, so the record says what ran.
import { CLUSTERING_DEFAULTS, MAX_SEGMENTS, type ClusteringAlgorithm } from '../../clustering/choose-k.js';
import { InputError } from '../../errors/domain-errors.js';
import type { VectorName } from '../../vectors/vector-store.js';

export interface SegmentationOptions {
  k?: number;
  kRange?: [number, number];
  minSegmentShare?: number;
  seed?: number;
  vector?: VectorName;
  nInit?: number;
  algorithm?: ClusteringAlgorithm;
}

export interface RunParameters {
  /** Forced k, or null for automatic k over `kRange`. */
  k: number | null;
  kRange: [number, number];
  minSegmentShare: number;
  seed: number;
  vector: VectorName;
  nInit: number;
  algorithm: ClusteringAlgorithm;
}

/**
 * Fills the defaults and checks `k` against the number of customers with vectors. The default range
 * shrinks for tiny shops (4 customers still get 2 or 3 segments); a range asked for is kept as asked
 * (the GraphQL layer has already checked its bounds).
 */
export function resolveRunParameters(options: SegmentationOptions, customers: number): RunParameters {
  const most = Math.max(2, customers - 1);
  if (options.k !== undefined && (options.k < 2 || options.k > Math.min(most, MAX_SEGMENTS))) {
    throw new InputError(`k must be between 2 and ${Math.min(most, MAX_SEGMENTS)}`);
  }
  const [low, high] = CLUSTERING_DEFAULTS.kRange;
  return {
    k: options.k ?? null,
    kRange: options.kRange ?? [Math.max(2, Math.min(low, customers - 1)), high],
    minSegmentShare: options.minSegmentShare ?? CLUSTERING_DEFAULTS.minSegmentShare,
    seed: options.seed ?? CLUSTERING_DEFAULTS.seed,
    vector: options.vector ?? 'combined',
    nInit: options.nInit ?? CLUSTERING_DEFAULTS.nInit,
    algorithm: options.algorithm ?? CLUSTERING_DEFAULTS.algorithm,
  };
}
