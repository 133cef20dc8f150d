// Every k-th item, so that at most `max` remain: a deterministic sample in the items' own order, for
// fits that must stay cheap on a large shop (the value models' validation fits, the churn model's
// training rows) and give the same answer on every run.
export function everyKth<T>(items: readonly T[], max: number): readonly T[] {
  const step = Math.ceil(items.length / max);
  return step > 1 ? items.filter((_, i) => i % step === 0) : items;
}
