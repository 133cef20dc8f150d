// Hands a matrix and labels to scripts/sklearn-check.py (Debian's /usr/bin/python3 with
// python3-sklearn) and returns scikit-learn's figures: the test and bench:segment compare against them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Matrix } from '../../src/clustering/matrix.js';

export interface SklearnFigures {
  inertia?: number;
  seconds?: number;
  silhouette?: number;
  davies_bouldin?: number;
  calinski_harabasz?: number;
}

export const PYTHON = process.env.SKLEARN_PYTHON ?? '/usr/bin/python3';

export function sklearnFigures(
  script: string,
  x: Matrix,
  labels: Int32Array,
  k: number,
  options: { fit?: boolean; metrics?: boolean; nInit?: number; minibatch?: boolean } = {},
): SklearnFigures {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sklearn-')), 'input.bin');
  const header = JSON.stringify({
    rows: x.rows,
    dim: x.dim,
    k,
    n_init: options.nInit ?? 4,
    fit: options.fit ?? true,
    metrics: options.metrics ?? true,
    minibatch: options.minibatch ?? false,
  });
  fs.writeFileSync(
    file,
    Buffer.concat([
      Buffer.from(`${header}\n`),
      Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength),
      Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength),
    ]),
  );
  const result = spawnSync(PYTHON, [script, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`scikit-learn check failed (${PYTHON} ${script}): ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout) as SklearnFigures;
}
