// Runs a reference script of scripts/ with Debian's /usr/bin/python3 (scikit-learn, scipy, jieba) on a
// JSON input and returns its JSON output. References for tests and baselines for benches only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/config/settings.js';
import { PYTHON } from './sklearn-bridge.js';

export function pythonReference<T>(script: string, input: unknown): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-'));
  const file = path.join(dir, 'input.json');
  fs.writeFileSync(file, JSON.stringify(input));
  try {
    const result = spawnSync(PYTHON, [path.join(projectRoot, 'scripts', script), file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (result.status !== 0) throw new Error(`${PYTHON} ${script} failed: ${result.stderr || result.error?.message}`);
    return JSON.parse(result.stdout) as T;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
