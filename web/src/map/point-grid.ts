// Nearest-point lookup for hover on 100k points: a uniform grid over the data's bounds, built once per
// map, so a mouse move looks at a few cells instead of every point.
export class PointGrid {
  private readonly cellOf: Int32Array;
  private readonly starts: Int32Array;
  private readonly order: Int32Array;
  readonly minX: number;
  readonly minY: number;
  readonly cellSize: number;
  readonly columns: number;
  readonly rows: number;

  constructor(
    private readonly x: Float32Array,
    private readonly y: Float32Array,
  ) {
    const n = x.length;
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      if (x[i]! < minX) minX = x[i]!;
      if (x[i]! > maxX) maxX = x[i]!;
      if (y[i]! < minY) minY = y[i]!;
      if (y[i]! > maxY) maxY = y[i]!;
    }
    if (!Number.isFinite(minX)) [minX, minY, maxX, maxY] = [0, 0, 1, 1];
    const side = Math.max(1, Math.ceil(Math.sqrt(n / 4)));
    this.minX = minX;
    this.minY = minY;
    this.cellSize = Math.max(maxX - minX, maxY - minY, 1e-9) / side;
    this.columns = Math.floor((maxX - minX) / this.cellSize) + 1;
    this.rows = Math.floor((maxY - minY) / this.cellSize) + 1;
    // Counting sort of the points by cell.
    this.cellOf = new Int32Array(n);
    const counts = new Int32Array(this.columns * this.rows + 1);
    for (let i = 0; i < n; i++) {
      const c = this.cell(x[i]!, y[i]!);
      this.cellOf[i] = c;
      counts[c + 1]! += 1;
    }
    for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!;
    this.starts = counts;
    this.order = new Int32Array(n);
    const fill = counts.slice();
    for (let i = 0; i < n; i++) this.order[fill[this.cellOf[i]!]!++] = i;
  }

  /** The point nearest (px, py) within `radius` data units, or -1. */
  nearest(px: number, py: number, radius: number): number {
    const c0 = Math.max(0, Math.floor((px - radius - this.minX) / this.cellSize));
    const c1 = Math.min(this.columns - 1, Math.floor((px + radius - this.minX) / this.cellSize));
    const r0 = Math.max(0, Math.floor((py - radius - this.minY) / this.cellSize));
    const r1 = Math.min(this.rows - 1, Math.floor((py + radius - this.minY) / this.cellSize));
    let best = -1;
    let bestD = radius * radius;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.columns + c;
        for (let k = this.starts[cell]!; k < this.starts[cell + 1]!; k++) {
          const i = this.order[k]!;
          const d = (this.x[i]! - px) ** 2 + (this.y[i]! - py) ** 2;
          if (d <= bestD) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }

  private cell(px: number, py: number): number {
    const c = Math.min(this.columns - 1, Math.max(0, Math.floor((px - this.minX) / this.cellSize)));
    const r = Math.min(this.rows - 1, Math.max(0, Math.floor((py - this.minY) / this.cellSize)));
    return r * this.columns + c;
  }
}
