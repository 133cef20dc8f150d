// Optimal assignment (Hungarian algorithm, O(n³), Jonker–Volgenant style potentials) on a
// rectangular cost matrix: each row gets at most one column and vice versa, minimising total cost.

/** `cost[r][c]`; returns for each row its column, or -1 when there are more rows than columns. */
export function minimumCostAssignment(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = cost[0]?.length ?? 0;
  if (rows === 0 || cols === 0) return Array.from({ length: rows }, () => -1);
  const n = Math.max(rows, cols);
  const big = Math.max(1, ...cost.flat().map(Math.abs)) * 1e3;
  const a = (i: number, j: number) => (i < rows && j < cols ? cost[i]![j]! : big);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // column j is matched to row p[j] (1-based)
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0);
  }
  const result = Array.from({ length: rows }, () => -1);
  for (let j = 1; j <= n; j++) if (p[j]! - 1 < rows && j - 1 < cols) result[p[j]! - 1] = j - 1;
  return result;
}
