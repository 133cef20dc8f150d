// Which distance kernels clustering uses: onnxruntime's (the default) unless CLUSTER_KERNELS says
// `typescript`; one set per process (each worker thread makes its own).
import type { DistanceKernels } from './kernels.js';
import { createOnnxKernels } from './onnx-kernels.js';
import { typescriptKernels } from './typescript-kernels.js';

let chosen: Promise<DistanceKernels> | undefined;

export function defaultKernels(): Promise<DistanceKernels> {
  chosen ??= process.env.CLUSTER_KERNELS === 'typescript' ? Promise.resolve(typescriptKernels) : createOnnxKernels();
  return chosen;
}
