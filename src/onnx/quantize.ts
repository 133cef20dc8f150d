// Dynamic int8 quantisation of an ONNX graph's constant-weight matrix products, the scheme of
// onnxruntime's `quantize_dynamic` (which is Python, and no PyPI reaches these machines): every MatMul
// whose right operand is a float initializer of at least `minElements` becomes one
// com.microsoft DynamicQuantizeMatMul — weights stored as int8, symmetric, one scale per output column;
// activations quantised to uint8 per batch at run time by onnxruntime's MLAS kernels. Matrix products
// of two activations (attention scores) stay float: both sides change with every input.
// `reduceRange` keeps weights in 7 bits (±63): x86 CPUs without VNNI multiply uint8 × int8 with
// VPMADDUBSW, whose 16-bit pair sums can saturate at full range.
import { DataType, ModelProto } from './onnx-proto.js';

const INT8 = 3;

export interface QuantizeOptions {
  /** Smallest weight matrix worth quantising (elements). */
  minElements?: number;
  reduceRange?: boolean;
}

export interface QuantizeReport {
  bytes: Uint8Array;
  /** Names of the MatMul nodes replaced. */
  quantized: string[];
  weightsBefore: number;
  weightsAfter: number;
}

interface Tensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

interface Node {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain?: string;
  attribute?: unknown[];
}

export function quantizeDynamic(model: Uint8Array, options: QuantizeOptions = {}): QuantizeReport {
  const minElements = options.minElements ?? 4096;
  const limit = options.reduceRange ? 63 : 127;
  // Without `defaults`: a default-filled attribute would carry an empty tensor beside its value.
  const decoded = ModelProto.toObject(ModelProto.decode(model), { longs: Number }) as {
    graph: { node: Node[]; initializer: Tensor[] };
    opset_import: { domain?: string; version: number }[];
  };
  const graph = decoded.graph;
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const uses = new Map<string, number>();
  for (const n of graph.node) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
  const quantized: string[] = [];
  const dropped = new Set<string>();
  let weightsBefore = 0;
  let weightsAfter = 0;
  for (const t of graph.initializer) weightsBefore += t.raw_data.byteLength;

  for (const node of graph.node) {
    if (node.op_type !== 'MatMul' || (node.domain ?? '') !== '') continue;
    const weight = initializers.get(node.input[1]!);
    if (!weight || weight.data_type !== DataType.FLOAT || weight.dims.length !== 2) continue;
    const [rows, cols] = weight.dims as [number, number];
    if (rows * cols < minElements) continue;
    const w = new Float32Array(Uint8Array.from(weight.raw_data).buffer);
    const scales = new Float32Array(cols);
    for (let j = 0; j < cols; j++) {
      let max = 0;
      for (let i = 0; i < rows; i++) max = Math.max(max, Math.abs(w[i * cols + j]!));
      scales[j] = max > 0 ? max / limit : 1;
    }
    const q = new Int8Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) q[i * cols + j] = Math.max(-limit, Math.min(limit, Math.round(w[i * cols + j]! / scales[j]!)));
    }
    const base = weight.name;
    graph.initializer.push(
      { name: `${base}_quantized`, dims: [rows, cols], data_type: INT8, raw_data: new Uint8Array(q.buffer) },
      { name: `${base}_scale`, dims: [cols], data_type: DataType.FLOAT, raw_data: new Uint8Array(scales.buffer) },
      { name: `${base}_zero_point`, dims: [cols], data_type: INT8, raw_data: new Uint8Array(cols) },
    );
    node.input = [node.input[0]!, `${base}_quantized`, `${base}_scale`, `${base}_zero_point`];
    node.op_type = 'DynamicQuantizeMatMul';
    node.domain = 'com.microsoft';
    if (uses.get(base) === 1) dropped.add(base);
    quantized.push(node.name);
  }
  graph.initializer = graph.initializer.filter((t) => !dropped.has(t.name));
  for (const t of graph.initializer) weightsAfter += t.raw_data.byteLength;
  if (quantized.length && !decoded.opset_import.some((o) => o.domain === 'com.microsoft')) decoded.opset_import.push({ domain: 'com.microsoft', version: 1 });
  const bytes = ModelProto.encode(ModelProto.fromObject(decoded)).finish();
  return { bytes, quantized, weightsBefore, weightsAfter };
}
