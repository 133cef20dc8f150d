// Median/IQR scaling, fitted once and stored, so a customer who arrives later is scaled exactly
// like the population the segments were built on. Missing values become the median (0 after
// scaling); scaled values are clipped so one outlier cannot dominate a distance.

export interface RobustScalerState {
  features: string[];
  medians: number[];
  iqrs: number[];
  clip: number;
}

export function fitRobustScaler(features: string[], rows: readonly (number | null)[][], clip = 5): RobustScalerState {
  const medians: number[] = [];
  const iqrs: number[] = [];
  features.forEach((_, j) => {
    const values = rows.map((r) => r[j]).filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
    const q = (p: number) => quantile(values, p);
    medians.push(values.length ? q(0.5) : 0);
    const iqr = values.length ? q(0.75) - q(0.25) : 0;
    // A constant or nearly constant feature keeps its unit scale rather than exploding.
    iqrs.push(iqr > 1e-9 ? iqr : 1);
  });
  return { features, medians, iqrs, clip };
}

export function scaleRow(state: RobustScalerState, row: readonly (number | null)[]): Float32Array {
  const out = new Float32Array(state.features.length);
  for (let j = 0; j < out.length; j++) {
    const v = row[j];
    const scaled = v === null || v === undefined || !Number.isFinite(v) ? 0 : (v - state.medians[j]!) / state.iqrs[j]!;
    out[j] = Math.max(-state.clip, Math.min(state.clip, scaled));
  }
  return out;
}

/** Linear interpolation between order statistics (numpy's default), on sorted values. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
