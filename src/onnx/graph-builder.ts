// A small builder for ONNX inference graphs: named initializers, nodes whose outputs get unique
// names, and deterministic serialisation (same weights and code → same bytes → same checksum).
import { AttributeType, DataType, ModelProto } from './onnx-proto.js';

type Dim = number | string;
type Attr = number | number[] | string | { floats: number[] };

interface NodeSpec {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: object[];
}

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

  input(name: string, elemType: number, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return this.claim(name);
  }

  output(name: string, elemType: number, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 initializer; `data` is copied as little-endian raw bytes. */
  floats(name: string, dims: number[], data: Float32Array): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ${data.length} values for dims ${dims.join(',')}`);
    this.initializers.push({ name: this.claim(name), dims, data_type: DataType.FLOAT, raw_data: littleEndian(data) });
    return name;
  }

  int64s(name: string, dims: number[], values: number[]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name: this.claim(name), dims, data_type: DataType.INT64, raw_data: littleEndian(data) });
    return name;
  }

  scalar(name: string, value: number): string {
    return this.floats(name, [], new Float32Array([value]));
  }

  /** Adds a node; returns its (first) output name. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1, name?: string): string {
    const base = name ?? `${opType}_${this.counter++}`;
    const outs = Array.from({ length: outputs }, (_, i) => this.claim(outputs === 1 ? base : `${base}:${i}`));
    this.nodes.push({
      input: inputs,
      output: outs,
      name: base,
      op_type: opType,
      attribute: Object.entries(attrs).map(([key, value]) => attribute(key, value)),
    });
    return outs[0]!;
  }

  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}): string[] {
    const first = this.op(opType, inputs, attrs, outputs);
    const base = first.slice(0, first.lastIndexOf(':'));
    return Array.from({ length: outputs }, (_, i) => `${base}:${i}`);
  }

  serialize(opts: { producer: string; opset: number; metadata?: Record<string, string> }): Uint8Array {
    const model = ModelProto.fromObject({
      ir_version: 8,
      producer_name: opts.producer,
      opset_import: [{ domain: '', version: opts.opset }],
      metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return ModelProto.encode(model).finish();
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate ONNX value name ${name}`);
    this.names.add(name);
    return name;
  }
}

function valueInfo(name: string, elemType: number, dims: Dim[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function attribute(name: string, value: Attr) {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttributeType.FLOATS, floats: value.floats };
  return Number.isInteger(value) ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.FLOAT, f: value };
}

function littleEndian(data: Float32Array | BigInt64Array): Uint8Array {
  // Every platform Node runs on here is little-endian, which is what ONNX raw_data wants.
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}
