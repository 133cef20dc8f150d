// Seeded samplers for the demo shop: the same seed gives the same shop, byte for byte.

import { mulberry32, type Rng } from '../shared/seeded-random.js';

export { mulberry32, type Rng };

/** A stream of its own for each (seed, key): customer 17's data does not depend on how many came before. */
export function rngFor(seed: number, key: string): Rng {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return mulberry32(h);
}

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

export function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

export const exponential = (rng: Rng, mean: number): number => -Math.log(1 - rng()) * mean;

export function normal(rng: Rng, mean: number, sd: number): number {
  const u = 1 - rng();
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
