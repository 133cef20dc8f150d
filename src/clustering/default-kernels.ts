// Which distance kernels clustering uses: onnxruntime's (the default) unless CLUSTER_KERNELS says
// `typescript`, or onnxruntime cannot start; one set per process (each worker thread makes its own).
import type { DistanceKernels } from './kernels.js';
import { typescriptKernels } from './typescript-kernels.js';
import { log } from '../observability/log.js';

let chosen: Promise<DistanceKernels> | undefined;

export function defaultKernels(): Promise<DistanceKernels> {
  chosen ??=
    process.env.CLUSTER_KERNELS === 'typescript'
      ? Promise.resolve(typescriptKernels)
      : // Imported here, not at the top: a native addon that fails to load must not break clustering.
        import('./onnx-kernels.js')
          .then(({ createOnnxKernels }) => createOnnxKernels())
          .catch((error: unknown) => {
            // Slower, never wrong: the loops give the same clusterings (test/clustering holds them to it).
            log('clustering').warn({ err: error }, 'onnxruntime kernels unavailable; clustering uses the TypeScript kernels');
            return typescriptKernels;
          });
  return chosen;
}
