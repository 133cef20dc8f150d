// A tiny BERT, architecture-faithful (embeddings + post-LN encoder layer with GELU, HF tokenizer.json
// WordPiece), random weights, written by the test suite in the transformers.js layout:
//   <dir>/config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx
// It proves loading, tokenisation, pooling and batching of the transformers.js path on machines that
// cannot download a real sentence-transformers model. It knows nothing of meaning.
import fs from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../../src/demo/random.js';
import { GraphBuilder } from '../../src/onnx/graph-builder.js';
import { DataType } from '../../src/onnx/onnx-proto.js';

export const TINY_BERT = { hidden: 32, heads: 2, intermediate: 64, maxPositions: 64 };
const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const WORDS = [
  'the',
  'a',
  'running',
  'shoes',
  'dog',
  'food',
  'cat',
  'baby',
  'stroller',
  'game',
  'controller',
  'great',
  'bad',
  'very',
  'i',
  'love',
  'it',
  'my',
  'for',
  'and',
  '.',
  ',',
  '!',
  '##s',
  '##ing',
  '##er',
  'run',
  'play',
  'buy',
  'cheap',
  '中',
  '文',
];

export function tinyBertVocab(): string[] {
  return [...SPECIAL, ...WORDS];
}

export function writeTinyBert(dir: string, seed = 1): void {
  const vocab = tinyBertVocab();
  const { hidden, heads, intermediate, maxPositions } = TINY_BERT;
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: hidden,
      num_attention_heads: heads,
      num_hidden_layers: 1,
      intermediate_size: intermediate,
      max_position_embeddings: maxPositions,
      vocab_size: vocab.length,
      type_vocab_size: 2,
      layer_norm_eps: 1e-12,
      hidden_act: 'gelu',
      pad_token_id: 0,
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      model_max_length: maxPositions,
      do_lower_case: true,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      },
    }),
  );
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), buildTinyBertOnnx(vocab.length, seed));
}

function buildTinyBertOnnx(vocabSize: number, seed: number): Uint8Array {
  const { hidden, heads, intermediate, maxPositions } = TINY_BERT;
  const depth = hidden / heads;
  const rng = mulberry32(seed);
  const g = new GraphBuilder('tiny_bert');
  const rand = (name: string, dims: number[], scale = 0.2) =>
    g.floats(
      name,
      dims,
      Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rng() * 2 - 1) * scale),
    );
  const ones = (name: string, n: number) => g.floats(name, [n], new Float32Array(n).fill(1));
  const zeros = (name: string, n: number) => g.floats(name, [n], new Float32Array(n));

  const ids = g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const mask = g.input('attention_mask', DataType.INT64, ['batch', 'sequence']);
  const types = g.input('token_type_ids', DataType.INT64, ['batch', 'sequence']);
  g.output('last_hidden_state', DataType.FLOAT, ['batch', 'sequence', hidden]);

  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.int64s('one', [], [1])], { axis: 0 });
  const positions = g.op('Range', [g.int64s('zero', [], [0]), seqLen, g.int64s('step', [], [1])]);
  let x = g.op('Add', [
    g.op('Add', [
      g.op('Gather', [rand('word_embeddings', [vocabSize, hidden]), ids], { axis: 0 }),
      g.op('Gather', [rand('position_embeddings', [maxPositions, hidden]), positions], { axis: 0 }),
    ]),
    g.op('Gather', [rand('token_type_embeddings', [2, hidden]), types], { axis: 0 }),
  ]);
  const norm = (input: string, name: string) =>
    g.op('LayerNormalization', [input, ones(`${name}_gamma`, hidden), zeros(`${name}_beta`, hidden)], { axis: -1, epsilon: 1e-12 });
  x = norm(x, 'embeddings_ln');

  const maskF = g.op('Cast', [mask], { to: DataType.FLOAT });
  const bias = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [g.scalar('f_one', 1), maskF]), g.scalar('neg', -10000)]), g.int64s('axes12', [2], [1, 2])]);
  const headShape = g.int64s('head_shape', [4], [0, 0, heads, depth]);
  const proj = (input: string, name: string, out = hidden, inp = hidden) =>
    g.op('Add', [g.op('MatMul', [input, rand(`${name}_w`, [inp, out])]), rand(`${name}_b`, [out], 0.02)]);
  const split = (t: string) => g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm: [0, 2, 1, 3] });
  const q = split(proj(x, 'query'));
  const k = g.op('Transpose', [split(proj(x, 'key'))], { perm: [0, 1, 3, 2] });
  const v = split(proj(x, 'value'));
  const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), g.scalar('scale', 1 / Math.sqrt(depth))]), bias]);
  const context = g.op('Reshape', [
    g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v])], { perm: [0, 2, 1, 3] }),
    g.int64s('merge', [3], [0, 0, hidden]),
  ]);
  x = norm(g.op('Add', [x, proj(context, 'attention_output')]), 'attention_ln');
  const inner = proj(x, 'intermediate', intermediate);
  // GELU (erf form, as BERT): 0.5·x·(1 + erf(x/√2))
  const gelu = g.op('Mul', [
    g.op('Mul', [inner, g.scalar('half', 0.5)]),
    g.op('Add', [g.scalar('g_one', 1), g.op('Erf', [g.op('Div', [inner, g.scalar('sqrt2', Math.SQRT2)])])]),
  ]);
  x = norm(g.op('Add', [x, proj(gelu, 'output', hidden, intermediate)]), 'output_ln');
  g.op('Identity', [x], {}, 1, 'last_hidden_state');
  return g.serialize({ producer: 'segment-api tiny-bert (tests)', opset: 17 });
}
