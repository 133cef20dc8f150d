// Median/IQR scaling, fitted once and stored, so a customer who arrives later is scaled exactly
// like the population the segments were built on. Missing values become the median (0 after
// scaling); scaled values are clipped so one outlier cannot dominate a distance.

import { quantileSorted } from 'd3-array';
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
    const values = rows
      .map((r) => r[j])
      .filter((v): v is number => v !== null && Number.isFinite(v))
      .sort((a, b) => a - b);
    // d3's quantileSorted interpolates linearly between order statistics: numpy's default, as
    // scikit-learn's RobustScaler (the reference in test/profiles).
    const q = (p: number) => quantileSorted(values, p) ?? 0;
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
