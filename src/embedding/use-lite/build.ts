// Builds models/use-lite/{model.onnx,vocab.json} from the npm package at set-up (`npm run build`),
// skipped when the files are already there with the manifest's checksums. The build is
// deterministic, so the manifest can pin the output's sha256.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { quantizeDynamic } from '../../onnx/quantize.js';
import { ModelIntegrityError, sha256File, type ModelEntry } from '../model-manifest.js';
import { buildUseLiteOnnx, USE_LITE_PACKAGE } from './convert.js';

/**
 * Weights of the int8 build kept to 7 bits: CPUs without VNNI saturate uint8 × int8 products at full
 * range. Measured on 1,000 real texts (test/embedding/use-lite.test.ts has the floor): see README.
 */
export const INT8_REDUCE_RANGE = true;

const require = createRequire(import.meta.url);

export function useLitePackageDir(): { dir: string; version: string } {
  const pkgJson = require.resolve(`${USE_LITE_PACKAGE}/package.json`);
  const version = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return { dir: path.join(path.dirname(pkgJson), 'dist'), version };
}

export type BuildOutcome = 'present' | 'built';

export function ensureUseLiteModel(modelDir: string, entry: ModelEntry): BuildOutcome {
  const wanted = entry.files;
  const present = Object.entries(wanted).every(([name, sha]) => {
    const file = path.join(modelDir, name);
    return fs.existsSync(file) && sha256File(file) === sha;
  });
  if (present && Object.keys(wanted).length > 0) return 'present';

  const { dir, version } = useLitePackageDir();
  if (entry.source.version && entry.source.version !== version) {
    throw new ModelIntegrityError(`${USE_LITE_PACKAGE}@${version} installed; the manifest wants ${entry.source.version}`);
  }
  fs.mkdirSync(modelDir, { recursive: true });
  const fp32 = buildUseLiteOnnx(dir, version);
  writeAtomically(
    path.join(modelDir, 'model.onnx'),
    entry.quantization === 'int8-dynamic' ? quantizeDynamic(fp32, { reduceRange: INT8_REDUCE_RANGE }).bytes : fp32,
  );
  writeAtomically(path.join(modelDir, 'vocab.json'), fs.readFileSync(path.join(dir, 'vocab.json')));
  for (const [name, sha] of Object.entries(wanted)) {
    const actual = sha256File(path.join(modelDir, name));
    if (actual !== sha) throw new ModelIntegrityError(`built ${name} has sha256 ${actual}; the manifest pins ${sha}`);
  }
  return 'built';
}

function writeAtomically(file: string, data: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
